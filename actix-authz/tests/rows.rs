//! List routes: `#[authorize(resource = .., action = .., filter = ..)]` checks the action on
//! the kind, plans the rows action, and hands the plan to the handler as `Rows`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_authz::{authorize, routes, Authorize, AuthzRoutes, BoxError, Requirement, Rows};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::{web, App, HttpRequest, HttpResponse};
use authz_core::plan::Filter;
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use serde_json::{json, Value};

/// The list policy shared with the other adapter's test (see the file for the roles).
const POLICY: &str = include_str!("../../web/tests/fixtures/rows_policy.yaml");

const DOCS: [(&str, &str); 3] = [("d1", "alice"), ("d2", "bob"), ("d3", "alice")];

#[derive(Clone, Default)]
struct Hits(Arc<AtomicUsize>);

/// The ids of the documents the plan lets through, tested in memory with `Filter::matches`.
#[authorize(resource = "doc", action = "list", filter = "read")]
async fn list(hits: web::Data<Hits>, Rows(rows): Rows) -> HttpResponse {
    hits.0.fetch_add(1, Ordering::SeqCst);
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
    HttpResponse::Ok().json(json!({ "filter": kind, "ids": ids }))
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
    req: &HttpRequest,
) -> impl std::future::Future<Output = Result<Option<Principal>, BoxError>> + use<> {
    let header = |name: &str| {
        req.headers()
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

fn declared() -> AuthzRoutes {
    AuthzRoutes::new()
        .route("/docs", routes!(get(list)))
        .route("/count", routes!(get(count)))
}

async fn get<B: MessageBody + 'static>(
    app: &impl Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    path: &str,
    user: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut req = atest::TestRequest::get().uri(path);
    if let Some((id, roles)) = user {
        req = req
            .insert_header(("x-user", id))
            .insert_header(("x-roles", roles));
    }
    let res = match atest::try_call_service(app, req.to_request()).await {
        Ok(res) => res.map_into_boxed_body(),
        Err(err) => {
            let res = err.error_response();
            let status = res.status();
            let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
            return (status, serde_json::from_slice(&body).unwrap_or(Value::Null));
        }
    };
    let status = res.status();
    let body = atest::read_body(res).await;
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

macro_rules! app {
    ($hits:expr) => {
        atest::init_service(
            App::new()
                .wrap(Authorize::new(engine(), resolver))
                .app_data(web::Data::new($hits.clone()))
                .service(declared()),
        )
        .await
    };
}

#[actix_web::test]
async fn the_handler_gets_the_rows_each_principal_may_read() {
    let hits = Hits::default();
    let app = app!(hits);
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
    assert_eq!(hits.0.load(Ordering::SeqCst), 5);
}

#[actix_web::test]
async fn a_denied_list_action_an_absent_principal_or_a_refused_plan_never_reach_the_handler() {
    let hits = Hits::default();
    let app = app!(hits);
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
    assert_eq!(hits.0.load(Ordering::SeqCst), 0);
}

#[actix_web::test]
async fn rows_are_only_available_on_list_routes() {
    let hits = Hits::default();
    let app = app!(hits);
    let (status, _) = get(&app, "/count", Some(("alice", "user"))).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[test]
fn the_route_table_lists_both_actions_and_the_check_covers_both() {
    let docs = declared()
        .routes()
        .into_iter()
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
    let policies = PolicySet::from_sources([("doc.yaml", POLICY)]).unwrap();
    declared().check(Some(&policies)).unwrap();

    #[authorize(resource = "doc", action = "list", filter = "raed")]
    async fn typo(Rows(_rows): Rows) -> &'static str {
        "[]"
    }
    let err = AuthzRoutes::new()
        .route("/docs", routes!(get(typo)))
        .check(Some(&policies))
        .unwrap_err();
    assert_eq!(
        err.problems(),
        ["GET /docs: action `raed` on resource `doc` is not known to the policies"]
    );
}

#[actix_web::test]
async fn a_list_handler_can_be_called_with_a_plan_made_outside_a_request() {
    let bob = Principal::new("bob", ["user"]);
    let plan = authz_web::plan_rows(&engine(), &bob, "doc", "read", || "", tracing::Level::DEBUG);
    let hits = Hits::default();
    let res = list(web::Data::new(hits.clone()), Rows(plan.unwrap())).await;
    let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body, json!({ "filter": "conditional", "ids": ["d2"] }));
    assert_eq!(hits.0.load(Ordering::SeqCst), 1);
}
