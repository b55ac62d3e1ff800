use axum_authz::authorize;

#[authorize(public, action = "read")]
async fn health() {}

fn main() {}
