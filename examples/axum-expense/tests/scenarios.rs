//! The shared HTTP scenario table (`examples/scenarios/expense.yaml`, also run by
//! `actix-expense`) against the axum service, in-process: every matrix cell and scenario, each
//! on a fresh, seeded database; and the route table the service lists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::body::Body;
use axum_expense::{app, engine, Db};
use expense_domain::scenarios::{Request, Response, Table};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn send(app: axum_authz::AuthzService, req: Request) -> Response {
    let mut builder = http::Request::builder()
        .method(req.method.as_str())
        .uri(req.path.as_str());
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    let res = app
        .oneshot(builder.body(Body::from(req.body)).unwrap())
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Response {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn every_scenario_of_the_shared_table() {
    let table = Table::load().unwrap();
    let ran = table
        .run(|state, req| async move {
            let app = app(state.engine, state.db).unwrap();
            send(app, req).await
        })
        .await;
    match ran {
        Ok(n) => assert_eq!(n, table.len()),
        Err(failures) => panic!("{} failed:\n{}", failures.len(), failures.join("\n")),
    }
}

/// The route table is exactly the table's, and only `/health` is public.
#[test]
fn route_table_is_the_shared_one() {
    let table = Table::load().unwrap();
    let db = Db::in_memory().unwrap();
    let app = app(engine().unwrap(), db).unwrap();
    let mut got: Vec<(String, String, String)> = app
        .routes()
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.path.clone(),
                r.requirement.to_string(),
            )
        })
        .collect();
    let mut want = table.routes().to_vec();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        app.fallback(),
        None,
        "unknown paths must get the guard's 404"
    );
}
