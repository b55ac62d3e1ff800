use actix_authz::authorize;

#[authorize(resource = "expense", action = "list", filter)]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
