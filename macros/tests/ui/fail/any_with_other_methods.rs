use axum_authz::{authorize, routes, AuthzMethodRouter};

#[authorize(public)]
async fn fallback() {}

fn main() {
    let _: AuthzMethodRouter = routes!(get(fallback), any(fallback));
}
