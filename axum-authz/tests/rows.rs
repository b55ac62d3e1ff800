//! List routes: `#[authorize(resource = .., action = .., filter = ..)]` checks the action on
//! the kind, plans the rows action, and hands the plan to the handler as `Rows`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use authz_core::plan::Filter;
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use axum::body::Body;
use axum::extract::State;
use axum::Json;
use axum_authz::{authorize, routes, AuthzRouter, AuthzService, BoxError, Requirement, Rows};
use http::request::Parts;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

/// The list policy shared with the other adapter's test (see the file for the roles).
const POLICY: &str = include_str!("../../web/tests/fixtures/rows_policy.yaml");

const DOCS: [(&str, &str); 3] = [("d1", "alice"), ("d2", "bob"), ("d3", "alice")];

#[derive(Clone, Default)]
struct AppState {
    handler: Arc<AtomicUsize>,
}

/// The ids of the documents the plan lets through, tested in memory with `Filter::matches`.
#[authorize(resource = "doc", action = "list", filter = "read")]
async fn list(State(state): State<AppState>, Rows(rows): Rows) -> Json<Value> {
    state.handler.fetch_add(1, Ordering::SeqCst);
    let kind = match rows.filter() {
        Filter::AlwaysAllowed => "always_allowed",
        Filter::AlwaysDenied => "always_denied",
        Filter::Conditional(_) => "conditional",
    };
    let ids: Vec<&str> = DOCS
        .iter()
        .filter(|(id, owner)| {
            let doc = Resource::new("doc", *id).with_attr("owner", (*owner).into());
            rows.filter().matches(&doc).unwrap()
        })
        .map(|(id, _)| *id)
        .collect();
    Json(json!({ "filter": kind, "ids": ids }))
}

/// `Rows` under a name `#[authorize]` does not recognise (it refuses `Rows` itself on a route
/// without `filter`): the runtime guard must still refuse it.
type Plan = Rows;

/// A kind-level route: no plan is made, so `Rows` is not available there.
#[authorize(resource = "doc", action = "list")]
async fn count(Rows(_rows): Plan) -> &'static str {
    "unreachable"
}

/// `x-user: id` and `x-roles: a,b`.
fn resolver(
    parts: &Parts,
    _: &AppState,
) -> impl std::future::Future<Output = Result<Option<Principal>, BoxError>> + Send + use<> {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let principal = header("x-user").map(|id| {
        let roles = header("x-roles").unwrap_or_default();
        Principal::new(id, roles.split(',').map(str::to_owned).collect::<Vec<_>>())
    });
    std::future::ready(Ok(principal))
}

fn engine() -> Engine {
    Engine::new(
        PolicySet::from_sources([("doc.yaml", POLICY)]).unwrap(),
        EngineConfig::default(),
    )
}

fn app(state: AppState) -> AuthzService {
    AuthzRouter::new(engine(), resolver)
        .route("/docs", routes!(get(list)))
        .route("/count", routes!(get(count)))
        .strict_actions(true)
        .with_state(state)
        .into_service()
        .unwrap()
}

async fn get(app: &AuthzService, path: &str, user: Option<(&str, &str)>) -> (StatusCode, Value) {
    let mut req = Request::get(path);
    if let Some((id, roles)) = user {
        req = req.header("x-user", id).header("x-roles", roles);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_handler_gets_the_rows_each_principal_may_read() {
    let state = AppState::default();
    let app = app(state.clone());
    for (user, roles, filter, ids) in [
        ("alice", "user", "conditional", json!(["d1", "d3"])),
        ("bob", "user", "conditional", json!(["d2"])),
        ("root", "admin", "always_allowed", json!(["d1", "d2", "d3"])),
        ("vic", "viewer", "always_denied", json!([])),
        // Two roles: the union of what each may read.
        (
            "bob",
            "viewer,admin",
            "always_allowed",
            json!(["d1", "d2", "d3"]),
        ),
    ] {
        let (status, body) = get(&app, "/docs", Some((user, roles))).await;
        assert_eq!(status, StatusCode::OK, "{user} {roles}");
        assert_eq!(
            body,
            json!({ "filter": filter, "ids": ids }),
            "{user} {roles}"
        );
    }
    assert_eq!(state.handler.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn a_denied_list_action_an_absent_principal_or_a_refused_plan_never_reach_the_handler() {
    let state = AppState::default();
    let app = app(state.clone());
    let (status, body) = get(&app, "/docs", Some(("gus", "guest"))).await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (StatusCode::FORBIDDEN, Some(403))
    );
    let (status, _) = get(&app, "/docs", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The planner cannot express `filter(..)` over a resource list exactly: fail closed,
    // with a generic body that says nothing of the policy.
    let (status, body) = get(&app, "/docs", Some(("tia", "tagger"))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body,
        json!({ "type": "about:blank", "title": "Internal Server Error", "status": 500 })
    );
    assert_eq!(state.handler.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn rows_are_only_available_on_list_routes() {
    let app = app(AppState::default());
    let (status, _) = get(&app, "/count", Some(("alice", "user"))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn the_route_table_lists_both_actions_and_strict_mode_checks_both() {
    let app = app(AppState::default());
    let docs = app
        .routes()
        .iter()
        .find(|r| r.path == "/docs")
        .unwrap()
        .requirement;
    assert_eq!(
        docs,
        Requirement::Filter {
            resource: "doc",
            action: "list",
            rows_action: "read"
        }
    );
    assert_eq!(docs.to_string(), "doc:list (rows: read)");

    #[authorize(resource = "doc", action = "list", filter = "raed")]
    async fn typo(Rows(_rows): Rows) {}
    let err = AuthzRouter::new(engine(), resolver)
        .route("/docs", routes!(get(typo)))
        .strict_actions(true)
        .with_state(AppState::default())
        .into_service()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        ["GET /docs: action `raed` on resource `doc` is not known to the policies"]
    );
}

#[tokio::test]
async fn a_list_handler_can_be_called_with_a_plan_made_outside_a_request() {
    let bob = Principal::new("bob", ["user"]);
    let plan = authz_web::plan_rows(&engine(), &bob, "doc", "read", || "", tracing::Level::DEBUG);
    let state = AppState::default();
    let Json(body) = list(State(state.clone()), Rows(plan.unwrap())).await;
    assert_eq!(body, json!({ "filter": "conditional", "ids": ["d2"] }));
    assert_eq!(state.handler.load(Ordering::SeqCst), 1);
}
