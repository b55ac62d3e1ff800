use actix_authz::{authorize, routes, AuthzRoute};

struct NotAnExtractor;

#[authorize(resource = "expense", action = "list")]
async fn list(_x: NotAnExtractor) -> &'static str {
    "[]"
}

fn main() {
    let _: AuthzRoute = routes!(get(list));
}
