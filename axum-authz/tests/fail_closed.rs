//! Every route is checked before its handler and its extractors; anything undeclared fails
//! closed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use axum::body::Body;
use axum::extract::{FromRequestParts, State};
use axum::response::Response;
use axum_authz::{
    authorize, routes, Authorized, AuthzRouter, AuthzService, BoxError, CurrentPrincipal, Load,
    Requirement, RouteInfo,
};
use http::request::Parts;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

const EXPENSE_POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: expense
  version: default
  rules:
    - actions: [list, create]
      effect: EFFECT_ALLOW
      roles: [user]
    - actions: [view, update]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: R.attr.owner == P.id
    - actions: [delete, export]
      effect: EFFECT_ALLOW
      roles: [admin]
"#;

const REPORT_POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: report
  version: default
  rules:
    - actions: [read]
      effect: EFFECT_ALLOW
      roles: [auditor]
"#;

#[derive(Default)]
struct Hits {
    handler: AtomicUsize,
    extractor: AtomicUsize,
}

#[derive(Clone)]
struct AppState {
    hits: Arc<Hits>,
    expenses: Arc<HashMap<&'static str, &'static str>>,
}

/// A custom extractor with a side effect: it must not run when the check denies.
struct Spy;

impl FromRequestParts<AppState> for Spy {
    type Rejection = StatusCode;

    async fn from_request_parts(_: &mut Parts, state: &AppState) -> Result<Self, StatusCode> {
        state.hits.extractor.fetch_add(1, Ordering::SeqCst);
        Ok(Spy)
    }
}

struct Expense {
    owner: String,
}

impl Load<AppState> for Expense {
    async fn load(state: &AppState, id: &str) -> Result<Option<Self>, BoxError> {
        if id == "boom" {
            return Err("database password is hunter2".into());
        }
        Ok(state.expenses.get(id).map(|o| Expense {
            owner: (*o).to_owned(),
        }))
    }

    fn to_resource(&self, id: &str) -> Resource {
        Resource::new("expense", id).with_attr("owner", self.owner.clone().into())
    }
}

fn ran(state: &AppState) {
    state.hits.handler.fetch_add(1, Ordering::SeqCst);
}

#[authorize(resource = "expense", action = "list")]
async fn list(State(s): State<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "list"
}

#[authorize(resource = "expense", action = "create")]
async fn create(State(s): State<AppState>, _spy: Spy, body: String) -> String {
    ran(&s);
    format!("created {body}")
}

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view(
    State(s): State<AppState>,
    _spy: Spy,
    CurrentPrincipal(p): CurrentPrincipal,
    Authorized(e): Authorized<Expense>,
) -> String {
    ran(&s);
    format!("{} sees expense of {}", p.id(), e.owner)
}

#[authorize(resource = "expense", action = "update", id = path("id"))]
async fn update(State(s): State<AppState>, Authorized(e): Authorized<Expense>) -> String {
    ran(&s);
    format!("updated expense of {}", e.owner)
}

#[authorize(resource = "expense", action = "delete")]
async fn remove(State(s): State<AppState>, _spy: Spy) -> StatusCode {
    ran(&s);
    StatusCode::NO_CONTENT
}

#[authorize(public)]
async fn health(State(s): State<AppState>) -> &'static str {
    ran(&s);
    "ok"
}

#[authorize(resource = "report", action = "read")]
async fn report(State(s): State<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "report"
}

#[authorize(resource = "expense", action = "export")]
async fn export(State(s): State<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "export"
}

/// Public: no principal is resolved, so `CurrentPrincipal` is not available.
#[authorize(public)]
async fn whoami(CurrentPrincipal(p): CurrentPrincipal) -> String {
    p.id().to_owned()
}

#[authorize(public)]
async fn not_found(State(s): State<AppState>) -> (StatusCode, &'static str) {
    ran(&s);
    (StatusCode::IM_A_TEAPOT, "custom not found")
}

#[authorize(resource = "expense", action = "list")]
async fn checked_fallback(State(s): State<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "fallback"
}

#[authorize(resource = "expense", action = "frobnicate")]
async fn frobnicate() {}

fn engine() -> Engine {
    Engine::new(
        PolicySet::from_sources([
            ("expense.yaml", EXPENSE_POLICY),
            ("report.yaml", REPORT_POLICY),
        ])
        .unwrap(),
        EngineConfig::default(),
    )
}

/// `x-user: alice`, `x-roles: user,admin`.
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
    let user = header("x-user");
    let roles = header("x-roles").unwrap_or_default();
    async move {
        if user.as_deref() == Some("crash") {
            return Err("identity provider down".into());
        }
        Ok(user.map(|u| Principal::new(u, roles.split(',').filter(|r| !r.is_empty()))))
    }
}

fn router() -> AuthzRouter<AppState> {
    let reports = AuthzRouter::new(engine(), resolver).route("/reports", routes!(get(report)));
    let exports = AuthzRouter::new(engine(), resolver).route("/exports", routes!(get(export)));
    AuthzRouter::new(engine(), resolver)
        .route("/expenses", routes!(get(list), post(create)))
        .route(
            "/expenses/{id}",
            routes!(get(view), put(update), delete(remove)),
        )
        .route("/health", routes!(get(health)))
        .route("/whoami", routes!(get(whoami)))
        .nest("/api", reports)
        .merge(exports)
}

fn state() -> AppState {
    AppState {
        hits: Arc::default(),
        expenses: Arc::new(HashMap::from([
            ("e1", "alice"),
            ("e2", "bob"),
            ("e3", "carol"),
        ])),
    }
}

struct App {
    svc: AuthzService,
    state: AppState,
}

impl App {
    fn new() -> App {
        let state = state();
        let svc = router().with_state(state.clone()).into_service().unwrap();
        App { svc, state }
    }

    async fn call(&self, method: Method, uri: &str, who: Option<(&str, &str)>) -> Response {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some((user, roles)) = who {
            req = req.header("x-user", user).header("x-roles", roles);
        }
        self.svc
            .clone()
            .oneshot(req.body(Body::from("body")).unwrap())
            .await
            .unwrap()
    }

    fn handler_hits(&self) -> usize {
        self.state.hits.handler.load(Ordering::SeqCst)
    }

    fn extractor_hits(&self) -> usize {
        self.state.hits.extractor.load(Ordering::SeqCst)
    }
}

async fn body(res: Response) -> String {
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

const ALICE: Option<(&str, &str)> = Some(("alice", "user"));
const BOB: Option<(&str, &str)> = Some(("bob", "user"));
const ADMIN: Option<(&str, &str)> = Some(("root", "user,admin"));
const AUDITOR: Option<(&str, &str)> = Some(("audrey", "auditor"));

#[tokio::test]
async fn allowed_kind_level_runs_the_handler() {
    let app = App::new();
    let res = app.call(Method::POST, "/expenses", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "created body");
    assert_eq!((app.handler_hits(), app.extractor_hits()), (1, 1));
}

#[tokio::test]
async fn denied_runs_neither_handler_nor_extractors() {
    let app = App::new();
    let res = app.call(Method::DELETE, "/expenses/e1", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(
        body(res).await,
        r#"{"type":"about:blank","title":"Forbidden","status":403}"#
    );
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));

    let res = app.call(Method::DELETE, "/expenses/e1", ADMIN).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (1, 1));
}

#[tokio::test]
async fn no_principal_is_401() {
    let app = App::new();
    for (method, uri) in [
        (Method::GET, "/expenses"),
        (Method::POST, "/expenses"),
        (Method::GET, "/expenses/e1"),
    ] {
        let res = app.call(method, uri, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{uri}");
    }
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
}

#[tokio::test]
async fn resolver_error_is_500() {
    let app = App::new();
    let res = app
        .call(Method::GET, "/expenses", Some(("crash", "user")))
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!body(res).await.contains("identity provider"));
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
}

#[tokio::test]
async fn instance_level_uses_the_loaded_resource() {
    let app = App::new();
    let res = app.call(Method::GET, "/expenses/e1", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "alice sees expense of alice");
    assert_eq!((app.handler_hits(), app.extractor_hits()), (1, 1));

    let res = app.call(Method::GET, "/expenses/e2", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.call(Method::PUT, "/expenses/e2", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (1, 1));

    let res = app.call(Method::PUT, "/expenses/e2", BOB).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "updated expense of bob");
}

#[tokio::test]
async fn missing_instance_is_404() {
    let app = App::new();
    let res = app.call(Method::GET, "/expenses/nope", ALICE).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        body(res).await,
        r#"{"type":"about:blank","title":"Not Found","status":404}"#
    );
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
}

#[tokio::test]
async fn loader_error_is_500_with_a_generic_body() {
    let app = App::new();
    let res = app.call(Method::GET, "/expenses/boom", ALICE).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body(res).await,
        r#"{"type":"about:blank","title":"Internal Server Error","status":500}"#
    );
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
}

#[tokio::test]
async fn head_served_by_get_is_checked() {
    let app = App::new();
    let res = app.call(Method::HEAD, "/expenses/e2", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
    let res = app.call(Method::HEAD, "/expenses/e1", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.handler_hits(), 1);
}

#[tokio::test]
async fn undeclared_method_is_405_before_routing() {
    let app = App::new();
    let res = app.call(Method::PATCH, "/expenses/e1", ADMIN).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "GET,PUT,DELETE,HEAD");
    let res = app.call(Method::DELETE, "/health", None).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers()["allow"], "GET,HEAD");
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
}

#[tokio::test]
async fn unknown_path_is_404() {
    let app = App::new();
    for uri in ["/", "/nope", "/expenses/e1/extra", "/reports"] {
        let res = app.call(Method::GET, uri, ADMIN).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    assert_eq!(app.handler_hits(), 0);
}

#[tokio::test]
async fn public_route_needs_no_principal() {
    let app = App::new();
    let res = app.call(Method::GET, "/health", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "ok");
}

#[tokio::test]
async fn extractor_without_its_check_is_500_naming_the_type() {
    let app = App::new();
    let res = app.call(Method::GET, "/whoami", ALICE).await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = body(res).await;
    assert!(
        body.contains("the authz layer did not run for this route"),
        "{body}"
    );
    assert!(body.contains("CurrentPrincipal"), "{body}");
}

#[tokio::test]
async fn nested_and_merged_routers_are_checked() {
    let app = App::new();
    let res = app.call(Method::GET, "/api/reports", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.call(Method::GET, "/api/reports", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.call(Method::GET, "/exports", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));

    let res = app.call(Method::GET, "/api/reports", AUDITOR).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "report");
    let res = app.call(Method::GET, "/exports", ADMIN).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (2, 2));
}

#[tokio::test]
async fn coverage_lists_every_route_with_its_requirement() {
    let app = App::new();
    let got: Vec<(String, String, Requirement)> = app
        .svc
        .routes()
        .iter()
        .map(|r: &RouteInfo| (r.method.to_string(), r.path.clone(), r.requirement))
        .collect();
    let kind = |resource, action| Requirement::Kind { resource, action };
    let instance = |resource, action| Requirement::Instance {
        resource,
        action,
        id_param: "id",
    };
    let want = vec![
        ("GET", "/api/reports", kind("report", "read")),
        ("GET", "/expenses", kind("expense", "list")),
        ("POST", "/expenses", kind("expense", "create")),
        ("GET", "/expenses/{id}", instance("expense", "view")),
        ("PUT", "/expenses/{id}", instance("expense", "update")),
        ("DELETE", "/expenses/{id}", kind("expense", "delete")),
        ("GET", "/exports", kind("expense", "export")),
        ("GET", "/health", Requirement::Public),
        ("GET", "/whoami", Requirement::Public),
    ];
    let want: Vec<(String, String, Requirement)> = want
        .into_iter()
        .map(|(m, p, r)| (m.to_owned(), p.to_owned(), r))
        .collect();
    assert_eq!(got, want);
    let policies = engine().policies();
    for r in app.svc.routes() {
        if let Some((kind, action)) = r.requirement.action() {
            assert!(policies.knows_action(kind, action), "{r:?}");
        }
    }
}

#[test]
fn strict_actions_rejects_an_unknown_action() {
    let build = |strict| {
        router()
            .route("/frob", routes!(post(frobnicate)))
            .strict_actions(strict)
            .with_state(state())
            .into_service()
    };
    let err = build(true).unwrap_err();
    assert_eq!(
        err.problems(),
        ["POST /frob: action `frobnicate` on resource `expense` is not known to the policies"]
    );
    assert!(build(false).is_ok());
    assert!(router()
        .strict_actions(true)
        .with_state(state())
        .into_service()
        .is_ok());

    let problems = router()
        .route("/frob", routes!(post(frobnicate)))
        .check_actions(&engine().policies())
        .unwrap_err();
    assert_eq!(problems.len(), 1);
    assert!(router().check_actions(&engine().policies()).is_ok());
}

#[test]
fn route_table_problems_are_reported_not_panicked() {
    let err = router()
        .route("/expenses", routes!(get(health)))
        .route("/items/{item}", routes!(get(view)))
        .route("no-slash", routes!(get(health)))
        .route("/old/:id", routes!(get(health)))
        .with_state(state())
        .into_service()
        .unwrap_err();
    let problems = err.problems().join("\n");
    assert!(
        problems.contains("GET /expenses: declared more than once"),
        "{problems}"
    );
    assert!(
        problems.contains("path parameter `id`, which the path does not have"),
        "{problems}"
    );
    assert!(
        problems.contains("path `no-slash` must start with `/`"),
        "{problems}"
    );
    assert!(problems.contains("path `/old/:id`"), "{problems}");

    let err = router()
        .route("/expenses/{other}", routes!(post(create)))
        .with_state(state())
        .into_service()
        .unwrap_err();
    assert!(err.problems()[0].contains("/expenses/{other}"), "{err}");
}

#[tokio::test]
async fn a_declared_fallback_gets_unknown_paths() {
    let state = state();
    let svc = router()
        .fallback(routes!(any(not_found)))
        .with_state(state.clone())
        .into_service()
        .unwrap();
    assert_eq!(svc.fallback(), Some(Requirement::Public));
    let app = App { svc, state };
    let res = app.call(Method::DELETE, "/nope", None).await;
    assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
    assert_eq!(body(res).await, "custom not found");
    assert_eq!(app.handler_hits(), 1);
    // Known path, undeclared method: still 405, the fallback does not run.
    let res = app.call(Method::PATCH, "/expenses", ADMIN).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Declared routes are unaffected.
    let res = app.call(Method::DELETE, "/expenses/e1", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.handler_hits(), 1);
}

#[tokio::test]
async fn a_checked_fallback_is_checked() {
    let state = state();
    let svc = router()
        .fallback(routes!(any(checked_fallback)))
        .with_state(state.clone())
        .into_service()
        .unwrap();
    let app = App { svc, state };
    let res = app.call(Method::GET, "/nope", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.call(Method::GET, "/nope", AUDITOR).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
    let res = app.call(Method::POST, "/nope", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "fallback");
    assert_eq!((app.handler_hits(), app.extractor_hits()), (1, 1));
}

#[test]
fn fallback_misuse_is_reported() {
    let problems = |r: AuthzRouter<AppState>| {
        r.with_state(state())
            .into_service()
            .unwrap_err()
            .problems()
            .join("\n")
    };
    let p = problems(router().route("/x", routes!(any(not_found))));
    assert!(p.contains("/x: `any(..)` is only for `fallback`"), "{p}");
    let p = problems(router().fallback(routes!(get(health))));
    assert!(
        p.contains("fallback: expected `routes!(any(handler))`"),
        "{p}"
    );
    let p = problems(
        router()
            .fallback(routes!(any(not_found)))
            .merge(AuthzRouter::new(engine(), resolver).fallback(routes!(any(not_found)))),
    );
    assert!(p.contains("fallback: declared more than once"), "{p}");
    let p = problems(router().nest(
        "/sub",
        AuthzRouter::new(engine(), resolver).fallback(routes!(any(not_found))),
    ));
    assert!(p.contains("nested router cannot have a fallback"), "{p}");
}
