use axum_authz::authorize;

#[authorize(public, filter = "read")]
async fn list() {}

fn main() {}
