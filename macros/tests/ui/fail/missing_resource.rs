use axum_authz::authorize;

#[authorize(action = "create")]
async fn create() {}

fn main() {}
