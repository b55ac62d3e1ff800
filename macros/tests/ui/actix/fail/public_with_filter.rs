use actix_authz::authorize;

#[authorize(public, filter = "read")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
