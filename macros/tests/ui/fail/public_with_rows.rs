use axum_authz::{authorize, Rows};

#[authorize(public)]
async fn list(Rows(_rows): Rows) {}

fn main() {}
