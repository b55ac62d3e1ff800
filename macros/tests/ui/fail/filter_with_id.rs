use axum_authz::{authorize, Authorized, Rows};

struct Expense;

#[authorize(resource = "expense", action = "list", filter = "read", id = path("id"))]
async fn list(Authorized(_e): Authorized<Expense>, Rows(_rows): Rows) {}

fn main() {
    // The handler is still emitted as written.
    let _ = list;
}
