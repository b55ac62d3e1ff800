use axum_authz::authorize;

#[authorize(resource = "expense")]
async fn create() {}

fn main() {}
