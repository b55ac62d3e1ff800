use axum_authz::authorize;

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view() {}

fn main() {}
