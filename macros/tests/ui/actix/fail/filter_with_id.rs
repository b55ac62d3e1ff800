use actix_authz::{authorize, Authorized, Rows};

struct Expense;

#[authorize(resource = "expense", action = "list", filter = "read", id = path("id"))]
async fn list(Authorized(_e): Authorized<Expense>, Rows(_rows): Rows) -> &'static str {
    "[]"
}

fn main() {}
