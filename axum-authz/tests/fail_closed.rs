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
    authorize, routes, Authorized, AuthzMethodRouter, AuthzRouter, AuthzService, BoxError,
    CurrentPrincipal, Load, Requirement, RouteInfo,
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
    resolver: AtomicUsize,
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
    state: &AppState,
) -> impl std::future::Future<Output = Result<Option<Principal>, BoxError>> + Send + use<> {
    state.hits.resolver.fetch_add(1, Ordering::SeqCst);
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

    fn resolver_calls(&self) -> usize {
        self.state.hits.resolver.load(Ordering::SeqCst)
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
        body.contains("CurrentPrincipal` is not available on a public route"),
        "{body}"
    );
    assert!(body.contains("Option<CurrentPrincipal>"), "{body}");
    // A public route never resolves a principal unless the handler asks for one.
    assert_eq!(app.resolver_calls(), 0);
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
    let with_fallback = || AuthzRouter::new(engine(), resolver).fallback(routes!(any(not_found)));
    let p = problems(
        router()
            .nest("/sub", with_fallback())
            .nest("/sub", with_fallback()),
    );
    assert!(
        p.contains("nest `/sub`: two nested routers with a fallback at the same prefix"),
        "{p}"
    );
    // The nested fallback is routed as `/sub/{*__authz_rest}`: a catch-all there conflicts.
    let p = problems(
        router()
            .route("/sub/{*rest}", routes!(get(health)))
            .nest("/sub", with_fallback()),
    );
    assert!(p.contains("path `/sub/{*__authz_rest}`"), "{p}");
}

// ----- The principal on public routes: resolved only when the handler asks -----

#[authorize(public)]
async fn greet(user: Option<CurrentPrincipal>) -> String {
    match user {
        Some(CurrentPrincipal(p)) => format!("hello {}", p.id()),
        None => "hello stranger".to_owned(),
    }
}

#[authorize(public)]
async fn greet_twice(a: Option<CurrentPrincipal>, b: Option<CurrentPrincipal>) -> String {
    let id = |u: Option<CurrentPrincipal>| u.map_or("-".to_owned(), |p| p.0.id().to_owned());
    format!("{} {}", id(a), id(b))
}

#[authorize(resource = "expense", action = "list")]
async fn list_as(user: Option<CurrentPrincipal>) -> String {
    user.map_or("none".to_owned(), |p| p.0.id().to_owned())
}

fn greeting_app() -> App {
    let state = state();
    let svc = router()
        .route("/greet", routes!(get(greet)))
        .route("/greet-twice", routes!(get(greet_twice)))
        .route("/list-as", routes!(get(list_as)))
        .with_state(state.clone())
        .into_service()
        .unwrap();
    App { svc, state }
}

#[tokio::test]
async fn a_public_route_resolves_an_optional_principal_on_demand() {
    let app = greeting_app();
    let res = app.call(Method::GET, "/greet", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "hello alice");
    let res = app.call(Method::GET, "/greet", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "hello stranger");
    assert_eq!(app.resolver_calls(), 2);

    // Asked twice, resolved once.
    let res = app.call(Method::GET, "/greet-twice", ALICE).await;
    assert_eq!(body(res).await, "alice alice");
    let res = app.call(Method::GET, "/greet-twice", None).await;
    assert_eq!(body(res).await, "- -");
    assert_eq!(app.resolver_calls(), 4);

    // A public route whose handler does not ask resolves nothing.
    let res = app.call(Method::GET, "/health", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.resolver_calls(), 4);
}

#[tokio::test]
async fn a_failing_resolver_on_a_public_route_is_500_not_anonymous() {
    let app = greeting_app();
    let res = app
        .call(Method::GET, "/greet", Some(("crash", "user")))
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body(res).await,
        r#"{"type":"about:blank","title":"Internal Server Error","status":500}"#
    );
    assert_eq!(app.resolver_calls(), 1);
}

#[tokio::test]
async fn an_optional_principal_on_a_checked_route_is_the_checked_one() {
    let app = greeting_app();
    let res = app.call(Method::GET, "/list-as", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "alice");
    // The check resolved it; the extractor did not resolve again.
    assert_eq!(app.resolver_calls(), 1);
    // Still checked: no principal is 401, the handler does not run with `None`.
    let res = app.call(Method::GET, "/list-as", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.call(Method::GET, "/list-as", AUDITOR).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

// ----- Fallbacks of nested routers -----

fn sub_router(fallback: AuthzMethodRouter<AppState>) -> AuthzRouter<AppState> {
    AuthzRouter::new(engine(), resolver)
        .route("/items", routes!(get(list)))
        .fallback(fallback)
}

fn app_of(router: AuthzRouter<AppState>) -> App {
    let state = state();
    let svc = router.with_state(state.clone()).into_service().unwrap();
    App { svc, state }
}

#[tokio::test]
async fn a_nested_fallback_gets_the_unmatched_paths_under_its_prefix() {
    let app = app_of(router().nest("/sub", sub_router(routes!(any(not_found)))));
    assert_eq!(
        app.svc.nested_fallbacks(),
        [("/sub".to_owned(), Requirement::Public)]
    );
    for (method, uri) in [
        (Method::GET, "/sub/nope"),
        (Method::POST, "/sub/a/b/c"),
        (Method::DELETE, "/sub"),
    ] {
        let res = app.call(method, uri, None).await;
        assert_eq!(res.status(), StatusCode::IM_A_TEAPOT, "{uri}");
        assert_eq!(body(res).await, "custom not found");
    }
    assert_eq!(app.handler_hits(), 3);
    // Declared routes under the prefix win, and keep their 405.
    let res = app.call(Method::GET, "/sub/items", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "list");
    let res = app.call(Method::GET, "/sub/items", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.call(Method::PATCH, "/sub/items", ALICE).await;
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    // Outside the prefix: no fallback, 404 before routing. As with `axum::Router::nest`, `/sub/`
    // is not under the prefix (a catch-all matches one character or more).
    for uri in ["/nope", "/subway", "/su", "/sub/"] {
        let res = app.call(Method::GET, uri, ALICE).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!(app.handler_hits(), 4);
}

#[tokio::test]
async fn a_checked_nested_fallback_is_checked() {
    let app = app_of(router().nest("/sub", sub_router(routes!(any(checked_fallback)))));
    let res = app.call(Method::GET, "/sub/nope", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.call(Method::PUT, "/sub", AUDITOR).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
    let res = app.call(Method::POST, "/sub/x/y", ALICE).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "fallback");
    assert_eq!((app.handler_hits(), app.extractor_hits()), (1, 1));
}

#[tokio::test]
async fn nested_fallbacks_compose_with_nesting_merging_and_the_top_fallback() {
    let inner =
        AuthzRouter::new(engine(), resolver).nest("/b", sub_router(routes!(any(not_found))));
    let app = app_of(
        router()
            .merge(AuthzRouter::new(engine(), resolver).nest("/a", inner))
            .fallback(routes!(any(checked_fallback))),
    );
    assert_eq!(
        app.svc.nested_fallbacks(),
        [("/a/b".to_owned(), Requirement::Public)]
    );
    let res = app.call(Method::GET, "/a/b/x", None).await;
    assert_eq!(res.status(), StatusCode::IM_A_TEAPOT);
    let res = app.call(Method::GET, "/a/b/items", ALICE).await;
    assert_eq!(body(res).await, "list");
    // Outside `/a/b`: the top-level fallback, with its own check.
    let res = app.call(Method::GET, "/a/x", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.call(Method::GET, "/a/x", ALICE).await;
    assert_eq!(body(res).await, "fallback");
}

#[test]
fn strict_actions_covers_nested_fallbacks() {
    let err = router()
        .nest("/sub", sub_router(routes!(any(frobnicate))))
        .strict_actions(true)
        .with_state(state())
        .into_service()
        .unwrap_err();
    assert_eq!(
        err.problems(),
        ["GET /sub/* (fallback): action `frobnicate` on resource `expense` is not known to the policies"]
    );
    let problems = router()
        .nest("/sub", sub_router(routes!(any(frobnicate))))
        .check_actions(&engine().policies())
        .unwrap_err();
    assert_eq!(problems.len(), 1);
}

// ----- Pitfalls of "check before the handler" (research/ecosystem.md §4) -----

#[tokio::test]
async fn the_app_mounted_in_a_plain_axum_router_keeps_every_check() {
    let app = App::new();
    let outer = |svc: AuthzService| {
        [
            ("/v1", axum::Router::new().nest_service("/v1", svc.clone())),
            ("", axum::Router::new().fallback_service(svc.clone())),
            ("", axum::Router::new().route_service("/expenses/{id}", svc)),
        ]
    };
    for (prefix, outer) in outer(app.svc.clone()) {
        let call = |method: Method, uri: &str, who: Option<(&str, &str)>| {
            let mut req = Request::builder()
                .method(method)
                .uri(format!("{prefix}{uri}"));
            if let Some((user, roles)) = who {
                req = req.header("x-user", user).header("x-roles", roles);
            }
            outer.clone().oneshot(req.body(Body::empty()).unwrap())
        };
        let res = call(Method::GET, "/expenses/e1", ALICE).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{prefix}");
        assert_eq!(body(res).await, "alice sees expense of alice");
        let res = call(Method::GET, "/expenses/e2", ALICE).await.unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{prefix}");
        let res = call(Method::GET, "/expenses/e1", None).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{prefix}");
        let res = call(Method::PATCH, "/expenses/e1", ADMIN).await.unwrap();
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{prefix}");
    }
    assert_eq!(app.handler_hits(), 3);
    let nested = axum::Router::new().nest_service("/v1", app.svc.clone());
    let req = Request::get("/v1/nope").body(Body::empty()).unwrap();
    let res = nested.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn the_loaded_id_is_the_percent_decoded_one_the_handler_sees() {
    let app = App::new();
    // `e%32` is `e2`, bob's: the check must load and decide on `e2`, not on `e%32`.
    let res = app.call(Method::GET, "/expenses/e%32", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = app.call(Method::GET, "/expenses/e%32", BOB).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, "bob sees expense of bob");
}

#[tokio::test]
async fn unusual_methods_and_path_spellings_fail_closed() {
    let app = App::new();
    for method in [
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
        Method::from_bytes(b"FROB").unwrap(),
    ] {
        let res = app.call(method.clone(), "/expenses", ADMIN).await;
        assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(res.headers()["allow"], "GET,POST,HEAD");
    }
    for uri in [
        "//expenses",
        "/expenses/",
        "/EXPENSES",
        "/expenses/e1/",
        "/health/",
    ] {
        let res = app.call(Method::GET, uri, ADMIN).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
}

#[tokio::test]
async fn head_follows_the_get_declaration() {
    let app = App::new();
    let res = app.call(Method::HEAD, "/expenses", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = app.call(Method::HEAD, "/api/reports", ALICE).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!((app.handler_hits(), app.extractor_hits()), (0, 0));
    let res = app.call(Method::HEAD, "/health", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.handler_hits(), 1);
}
