use axum_authz::{authorize, Authorized};

struct Expense;

#[authorize(resource = "expense", action = "list", filter = "read", id = path("id"))]
async fn list(Authorized(_e): Authorized<Expense>) {}

fn main() {}
