use axum_authz::{authorize, routes, Authorized, AuthzMethodRouter};

struct Expense;

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view(Authorized(_e): Authorized<Expense>) {}

fn main() {
    let _: AuthzMethodRouter = routes!(get(view));
}
