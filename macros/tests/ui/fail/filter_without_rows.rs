use axum_authz::authorize;

// Without `Rows` the handler would list every row: refused.
#[authorize(resource = "expense", action = "list", filter = "read")]
async fn list() {}

fn main() {
    // The handler is still emitted as written.
    let _ = list;
}
