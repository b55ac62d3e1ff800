use axum_authz::authorize;

#[authorize(resource = "expense", verb = "create")]
async fn create() {}

fn main() {}
