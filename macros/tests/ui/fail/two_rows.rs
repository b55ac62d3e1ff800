use axum_authz::{authorize, Rows};

#[authorize(resource = "expense", action = "list", filter = "read")]
async fn list(Rows(_mine): Rows, Rows(_again): axum_authz::Rows) {}

fn main() {}
