use actix_authz::authorize;

#[authorize(resource = "expense", action = "list")]
#[actix_web::get("/expenses")]
async fn list() -> &'static str {
    "[]"
}

fn main() {}
