use actix_authz::{authorize, Authorized};

struct Expense;

#[authorize(resource = "expense", action = "view")]
async fn view(Authorized(_e): Authorized<Expense>) -> &'static str {
    "seen"
}

fn main() {}
