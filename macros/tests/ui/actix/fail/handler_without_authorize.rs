use actix_authz::{authorize, routes, AuthzRoute};

#[authorize(resource = "expense", action = "list")]
async fn list() -> &'static str {
    "[]"
}

async fn create() -> &'static str {
    "{}"
}

fn main() {
    let _: AuthzRoute = routes!(get(list), post(create));
}
