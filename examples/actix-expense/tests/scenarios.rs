//! The shared HTTP scenario table (`examples/scenarios/expense.yaml`, also run by
//! `axum-expense`) against the actix-web service, in-process: every matrix cell and scenario,
//! each on a fresh, seeded database; and the route table the service lists.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use actix_expense::{app, check, engine, routes};
use actix_web::test;
use expense_domain::scenarios::{Request, Response, Table};

async fn send(state: expense_domain::AppState, req: Request) -> Response {
    let app = test::init_service(app(state)).await;
    let mut builder = test::TestRequest::default()
        .method(req.method.parse().unwrap())
        .uri(&req.path)
        .set_payload(req.body);
    for (k, v) in req.headers {
        builder = builder.insert_header((k, v));
    }
    // A refusal of an undeclared route is a service error carrying its response, which is
    // what the server sends.
    let res = match test::try_call_service(&app, builder.to_request()).await {
        Ok(res) => res.map_into_boxed_body().into_parts().1,
        Err(err) => err.error_response(),
    };
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
    let body = actix_web::body::to_bytes(res.into_body())
        .await
        .unwrap()
        .to_vec();
    Response {
        status,
        headers,
        body,
    }
}

#[actix_web::test]
async fn every_scenario_of_the_shared_table() {
    let table = Table::load().unwrap();
    match table.run(send).await {
        Ok(n) => assert_eq!(n, table.len()),
        Err(failures) => panic!("{} failed:\n{}", failures.len(), failures.join("\n")),
    }
}

/// The route table is exactly the table's (and the start-up check passes).
#[::core::prelude::v1::test]
fn route_table_is_the_shared_one() {
    let table = Table::load().unwrap();
    let mut got: Vec<(String, String, String)> = routes()
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
    check(&engine().unwrap()).unwrap();
}
