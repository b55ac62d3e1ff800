use actix_authz::authorize;

// Without `Rows` the handler would list every row: refused.
#[authorize(resource = "expense", action = "list", filter = "read")]
async fn list() -> &'static str {
    "[]"
}

fn main() {
    // The handler is still emitted as written.
    let _ = list;
}
