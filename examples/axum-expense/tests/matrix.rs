//! Every (demo principal × route) cell of the expense matrix through the full `AuthzService`:
//! the status, and for refused requests that the database did not change (the handler never
//! ran). Each cell gets a freshly seeded database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use authz_core::Engine;
use axum::body::Body;
use axum_authz::{AuthzService, Requirement};
use axum_expense::{app, db::Expense, demo, engine, Db};
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

/// What a route does, and the report it targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    List,
    Create,
    Read(&'static str),
    Update(&'static str),
    Approve(&'static str),
    Delete(&'static str),
}

const DRAFT: &str = "e1"; // alice, eu, draft
const APPROVED: &str = "e2"; // alice, eu, approved
const MIA: &str = "e3"; // mia, eu, draft
const BOB: &str = "e4"; // bob, us, draft
const MISSING: &str = "e99";

const OK: StatusCode = StatusCode::OK;
const CREATED: StatusCode = StatusCode::CREATED;
const GONE: StatusCode = StatusCode::NO_CONTENT;
const NO: StatusCode = StatusCode::FORBIDDEN;
const WHO: StatusCode = StatusCode::UNAUTHORIZED;
const NONE: StatusCode = StatusCode::NOT_FOUND;

/// The expected status of each instance route on `[DRAFT, APPROVED, MIA, BOB, MISSING]`.
struct Row {
    list: StatusCode,
    create: StatusCode,
    read: [StatusCode; 5],
    update: [StatusCode; 5],
    approve: [StatusCode; 5],
    delete: [StatusCode; 5],
    /// The ids `GET /expenses` returns.
    visible: &'static [&'static str],
}

const IDS: [&str; 5] = [DRAFT, APPROVED, MIA, BOB, MISSING];

fn request(route: Route, user: Option<&str>) -> Request<Body> {
    let (method, uri, body) = match route {
        Route::List => (Method::GET, "/expenses".to_owned(), None),
        Route::Create => (
            Method::POST,
            "/expenses".to_owned(),
            Some(r#"{"amount": 700, "description": "new"}"#),
        ),
        Route::Read(id) => (Method::GET, format!("/expenses/{id}"), None),
        Route::Update(id) => (
            Method::PUT,
            format!("/expenses/{id}"),
            Some(r#"{"description": "changed"}"#),
        ),
        Route::Approve(id) => (Method::POST, format!("/expenses/{id}/approve"), None),
        Route::Delete(id) => (Method::DELETE, format!("/expenses/{id}"), None),
    };
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(user) = user {
        req = req.header(demo::HEADER, user);
    }
    match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(Body::from(b))
            .unwrap(),
        None => req.body(Body::empty()).unwrap(),
    }
}

fn fresh(engine: &Engine) -> (AuthzService, Db) {
    let db = Db::in_memory().unwrap();
    db.seed().unwrap();
    (app(engine.clone(), db.clone()).unwrap(), db)
}

async fn json(res: http::Response<Body>) -> Value {
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// Sends one request to a fresh app; checks the status and the effect on the data.
async fn cell(
    engine: &Engine,
    user: Option<&str>,
    route: Route,
    want: StatusCode,
    visible: &[&str],
) -> Result<(), String> {
    let (app, db) = fresh(engine);
    let before: Vec<Expense> = db.list().unwrap();
    let res = app.oneshot(request(route, user)).await.unwrap();
    let got = res.status();
    let who = user.unwrap_or("anonymous");
    if got != want {
        return Err(format!("{who} {route:?}: got {got}, want {want}"));
    }
    let body = json(res).await;
    let after = db.list().unwrap();
    let fail = |what: String| Err(format!("{who} {route:?}: {what}"));
    if !want.is_success() {
        // Refused: the handler never ran, so nothing changed.
        if after != before {
            return fail(format!("refused, yet the data changed: {after:?}"));
        }
        return Ok(());
    }
    let find = |id: &str| after.iter().find(|e| e.id == id).cloned();
    match route {
        Route::List => {
            let ids: Vec<&str> = body
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].as_str().unwrap())
                .collect();
            if ids != visible {
                return fail(format!("listed {ids:?}, want {visible:?}"));
            }
            if after != before {
                return fail("listing changed the data".into());
            }
        }
        Route::Create => {
            let id = body["id"].as_str().unwrap_or_default();
            let Some(e) = find(id) else {
                return fail(format!("created {id:?} is not stored"));
            };
            if e.owner != who || e.status != "draft" || e.amount != 700 || after.len() != 5 {
                return fail(format!("created {e:?}"));
            }
        }
        Route::Read(id) => {
            if body["id"] != id || after != before {
                return fail(format!("read returned {body}"));
            }
        }
        Route::Update(id) => {
            let e = find(id).unwrap();
            if e.description != "changed" || body["description"] != "changed" {
                return fail(format!("not updated: {e:?}"));
            }
        }
        Route::Approve(id) => {
            let e = find(id).unwrap();
            if e.status != "approved" || body["status"] != "approved" {
                return fail(format!("not approved: {e:?}"));
            }
        }
        Route::Delete(id) => {
            if find(id).is_some() || after.len() != before.len() - 1 {
                return fail("still there after the delete".into());
            }
        }
    }
    Ok(())
}

async fn check_row(user: Option<&str>, row: Row) {
    let engine = engine().unwrap();
    let mut failures = Vec::new();
    let mut cells = vec![(Route::List, row.list), (Route::Create, row.create)];
    for (i, id) in IDS.into_iter().enumerate() {
        cells.push((Route::Read(id), row.read[i]));
        cells.push((Route::Update(id), row.update[i]));
        cells.push((Route::Approve(id), row.approve[i]));
        cells.push((Route::Delete(id), row.delete[i]));
    }
    assert_eq!(cells.len(), 22);
    for (route, want) in cells {
        if let Err(e) = cell(&engine, user, route, want, row.visible).await {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn ada_the_admin_may_do_anything() {
    check_row(
        Some("ada"),
        Row {
            list: OK,
            create: CREATED,
            read: [OK, OK, OK, OK, NONE],
            update: [OK, OK, OK, OK, NONE],
            approve: [OK, OK, OK, OK, NONE],
            delete: [GONE, GONE, GONE, GONE, NONE],
            visible: &[DRAFT, APPROVED, MIA, BOB],
        },
    )
    .await;
}

#[tokio::test]
async fn alice_works_on_her_own_reports_until_approved() {
    check_row(
        Some("alice"),
        Row {
            list: OK,
            create: CREATED,
            read: [OK, OK, NO, NO, NONE],
            update: [OK, NO, NO, NO, NONE],
            approve: [NO, NO, NO, NO, NONE],
            delete: [GONE, NO, NO, NO, NONE],
            visible: &[DRAFT, APPROVED],
        },
    )
    .await;
}

#[tokio::test]
async fn bob_only_sees_his_own_report() {
    check_row(
        Some("bob"),
        Row {
            list: OK,
            create: CREATED,
            read: [NO, NO, NO, OK, NONE],
            update: [NO, NO, NO, OK, NONE],
            approve: [NO, NO, NO, NO, NONE],
            delete: [NO, NO, NO, GONE, NONE],
            visible: &[BOB],
        },
    )
    .await;
}

#[tokio::test]
async fn mia_approves_her_region_but_not_her_own() {
    check_row(
        Some("mia"),
        Row {
            list: OK,
            create: NO,
            read: [OK, OK, OK, NO, NONE],
            update: [NO, NO, NO, NO, NONE],
            approve: [OK, OK, NO, NO, NONE],
            delete: [NO, NO, NO, NO, NONE],
            visible: &[DRAFT, APPROVED, MIA],
        },
    )
    .await;
}

#[tokio::test]
async fn max_approves_his_region_only() {
    check_row(
        Some("max"),
        Row {
            list: OK,
            create: NO,
            read: [NO, NO, NO, OK, NONE],
            update: [NO, NO, NO, NO, NONE],
            approve: [NO, NO, NO, OK, NONE],
            delete: [NO, NO, NO, NO, NONE],
            visible: &[BOB],
        },
    )
    .await;
}

#[tokio::test]
async fn anonymous_and_unknown_users_get_401_everywhere() {
    for user in [None, Some("mallory"), Some("")] {
        check_row(
            user,
            Row {
                list: WHO,
                create: WHO,
                read: [WHO; 5],
                update: [WHO; 5],
                approve: [WHO; 5],
                delete: [WHO; 5],
                visible: &[],
            },
        )
        .await;
    }
}

#[tokio::test]
async fn health_is_public() {
    let engine = engine().unwrap();
    for user in [None, Some("alice")] {
        let (app, _) = fresh(&engine);
        let mut req = Request::get("/health");
        if let Some(user) = user {
            req = req.header(demo::HEADER, user);
        }
        let res = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(json(res).await["status"], "ok");
    }
}

#[tokio::test]
async fn bad_bodies_are_refused_without_writing() {
    let engine = engine().unwrap();
    let cases = [
        (
            Method::POST,
            "/expenses",
            r#"{"amount": -1, "description": "x"}"#,
        ),
        (Method::POST, "/expenses", r#"{"amount": 1}"#),
        (Method::PUT, "/expenses/e1", r#"{"amount": -5}"#),
        (Method::PUT, "/expenses/e1", r#"{"status": "approved"}"#),
    ];
    for (method, uri, body) in cases {
        let (app, db) = fresh(&engine);
        let before = db.list().unwrap();
        let req = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(demo::HEADER, "alice")
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap();
        let status = app.oneshot(req).await.unwrap().status();
        assert!(status.is_client_error(), "{method} {uri} {body}: {status}");
        assert_eq!(db.list().unwrap(), before, "{method} {uri} {body}");
    }
}

/// The exact route table, and nothing unchecked but `/health`.
#[test]
fn route_table_is_exactly_the_declared_one() {
    let (app, _) = fresh(&engine().unwrap());
    let kind = |action| Requirement::Kind {
        resource: "expense",
        action,
    };
    let instance = |action| Requirement::Instance {
        resource: "expense",
        action,
        id_param: "id",
    };
    let got: Vec<(String, String, Requirement)> = app
        .routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.clone(), r.requirement))
        .collect();
    let want: Vec<(String, String, Requirement)> = [
        ("GET", "/expenses", kind("list")),
        ("POST", "/expenses", kind("create")),
        ("GET", "/expenses/{id}", instance("read")),
        ("PUT", "/expenses/{id}", instance("update")),
        ("DELETE", "/expenses/{id}", instance("delete")),
        ("POST", "/expenses/{id}/approve", instance("approve")),
        ("GET", "/health", Requirement::Public),
    ]
    .into_iter()
    .map(|(m, p, r)| (m.to_owned(), p.to_owned(), r))
    .collect();
    let sorted = |mut v: Vec<(String, String, Requirement)>| {
        v.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        v
    };
    assert_eq!(sorted(got), sorted(want));
    assert_eq!(
        app.fallback(),
        None,
        "unknown paths must get the guard's 404"
    );
    let policies = engine().unwrap().policies();
    for r in app.routes() {
        match r.requirement.action() {
            None => assert_eq!(r.path, "/health", "only /health may be public"),
            Some((kind, action)) => assert!(
                policies.knows_action(kind, action),
                "{} {}: {kind}:{action} unknown",
                r.method,
                r.path
            ),
        }
    }
}
