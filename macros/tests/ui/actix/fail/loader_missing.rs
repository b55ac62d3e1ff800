use actix_authz::{authorize, Authorized};

struct Expense;

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view(Authorized(_e): Authorized<Expense>) -> &'static str {
    "seen"
}

fn main() {}
