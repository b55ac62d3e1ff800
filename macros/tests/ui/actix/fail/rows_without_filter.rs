use actix_authz::{authorize, Rows};

#[authorize(resource = "expense", action = "list")]
async fn list(Rows(_rows): Rows) -> &'static str {
    "[]"
}

fn main() {}
