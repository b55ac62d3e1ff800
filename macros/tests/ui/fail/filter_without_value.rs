use axum_authz::authorize;

#[authorize(resource = "expense", action = "list", filter)]
async fn list() {}

fn main() {}
