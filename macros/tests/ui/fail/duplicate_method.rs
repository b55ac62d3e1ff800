use axum_authz::{authorize, routes, AuthzMethodRouter};

#[authorize(resource = "expense", action = "list")]
async fn list() {}

fn main() {
    let _: AuthzMethodRouter = routes!(get(list), get(list));
}
