use axum_authz::{authorize, routes, AuthzMethodRouter};

#[authorize(resource = "expense", action = "list")]
async fn list() {}

async fn create() {}

fn main() {
    let _: AuthzMethodRouter = routes!(get(list), post(create));
}
