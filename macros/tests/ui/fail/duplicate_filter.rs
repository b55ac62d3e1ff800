use axum_authz::{authorize, Rows};

#[authorize(resource = "expense", action = "list", filter = "read", filter = "x")]
async fn list(Rows(_rows): Rows) {}

fn main() {}
