use actix_authz::{authorize, Authorized, BoxError, Load};
use authz_core::Resource;

struct Expense;
struct Db;
struct Cache;

impl Load<Db> for Expense {
    async fn load(_: &Db, _: &str) -> Result<Option<Self>, BoxError> {
        Ok(None)
    }
    fn to_resource(&self, id: &str) -> Resource {
        Resource::new("expense", id)
    }
}

impl Load<Cache> for Expense {
    async fn load(_: &Cache, _: &str) -> Result<Option<Self>, BoxError> {
        Ok(None)
    }
    fn to_resource(&self, id: &str) -> Resource {
        Resource::new("expense", id)
    }
}

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view(Authorized(_e): Authorized<Expense>) -> &'static str {
    "seen"
}

fn main() {}
