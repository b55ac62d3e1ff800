use actix_authz::{authorize, Authorized};

struct Expense;

#[authorize(resource = "expense", action = "list", filter = "read", id = path("id"))]
async fn list(Authorized(_e): Authorized<Expense>) -> &'static str {
    "[]"
}

fn main() {}
