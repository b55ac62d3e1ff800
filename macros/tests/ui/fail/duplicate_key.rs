use axum_authz::authorize;

#[authorize(resource = "expense", action = "create", action = "update")]
async fn create() {}

fn main() {}
