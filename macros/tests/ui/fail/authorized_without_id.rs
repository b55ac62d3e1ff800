use axum_authz::{authorize, Authorized};

struct Expense;

#[authorize(resource = "expense", action = "view")]
async fn view(Authorized(_e): Authorized<Expense>) {}

fn main() {}
