use axum_authz::{authorize, Rows};

#[authorize(resource = "expense", action = "list", filter = "")]
async fn list(Rows(_rows): Rows) {}

fn main() {}
