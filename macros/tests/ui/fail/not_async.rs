use axum_authz::authorize;

#[authorize(resource = "expense", action = "create")]
fn create() {}

fn main() {}
