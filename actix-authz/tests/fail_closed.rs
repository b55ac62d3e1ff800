//! Every declared route is checked before its extractors and handler; whatever else actix-web
//! routes a request to — however it was registered — never runs. Side-effect counters prove
//! it: a handler and an extractor that count their runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_authz::{
    authorize, routes, Authorize, Authorized, AuthzRoutes, BoxError, CurrentPrincipal, Load,
    Requirement, RouteInfo,
};
use actix_web::body::MessageBody;
use actix_web::dev::{
    fn_service, Payload, Service, ServiceFactory, ServiceRequest, ServiceResponse,
};
use actix_web::http::{header::HeaderMap, Method, StatusCode};
use actix_web::middleware::{from_fn, DefaultHeaders, Logger, Next};
use actix_web::{test, web, App, Error, FromRequest, HttpRequest, HttpResponse};
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};

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

/// A custom extractor with a side effect: it must not run when the check refuses.
struct Spy;

impl FromRequest for Spy {
    type Error = Error;
    type Future = Ready<Result<Spy, Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().unwrap();
        state.hits.extractor.fetch_add(1, Ordering::SeqCst);
        ready(Ok(Spy))
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

/// Loaded from app data that the app never registers.
struct Orphan;

struct Missing;

impl Load<Missing> for Orphan {
    async fn load(_: &Missing, _: &str) -> Result<Option<Self>, BoxError> {
        Ok(Some(Orphan))
    }
    fn to_resource(&self, id: &str) -> Resource {
        Resource::new("expense", id)
    }
}

fn ran(state: &AppState) {
    state.hits.handler.fetch_add(1, Ordering::SeqCst);
}

#[authorize(resource = "expense", action = "list")]
async fn list(s: web::Data<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "list"
}

#[authorize(resource = "expense", action = "create")]
async fn create(s: web::Data<AppState>, _spy: Spy, body: String) -> String {
    ran(&s);
    format!("created {body}")
}

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view(
    s: web::Data<AppState>,
    _spy: Spy,
    CurrentPrincipal(p): CurrentPrincipal,
    Authorized(e): Authorized<Expense>,
) -> String {
    ran(&s);
    format!("{} sees expense of {}", p.id(), e.owner)
}

#[authorize(resource = "expense", action = "update", id = path("id"))]
async fn update(s: web::Data<AppState>, Authorized(e): Authorized<Expense>) -> String {
    ran(&s);
    format!("updated expense of {}", e.owner)
}

#[authorize(resource = "expense", action = "delete")]
async fn remove(s: web::Data<AppState>, _spy: Spy) -> HttpResponse {
    ran(&s);
    HttpResponse::NoContent().finish()
}

#[authorize(public)]
async fn health(s: web::Data<AppState>) -> &'static str {
    ran(&s);
    "ok"
}

#[authorize(resource = "report", action = "read")]
async fn report(s: web::Data<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "report"
}

#[authorize(resource = "expense", action = "export")]
async fn export(s: web::Data<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "export"
}

/// Public: no principal is resolved, so `CurrentPrincipal` is not available.
#[authorize(public)]
async fn whoami(CurrentPrincipal(p): CurrentPrincipal) -> String {
    p.id().to_owned()
}

#[authorize(public)]
async fn maybe_whoami(p: Option<CurrentPrincipal>) -> String {
    p.map_or_else(
        || "nobody".to_owned(),
        |CurrentPrincipal(p)| p.id().to_owned(),
    )
}

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn orphan(Authorized(_o): Authorized<Orphan>) -> &'static str {
    "orphan"
}

#[authorize(resource = "expense", action = "frobnicate")]
async fn frobnicate() -> &'static str {
    "frob"
}

/// Undeclared: counts, and takes the spy extractor.
async fn undeclared(s: web::Data<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "undeclared ran"
}

/// Undeclared, through actix-web's own route macro.
#[actix_web::get("/u/macro")]
async fn by_macro(s: web::Data<AppState>, _spy: Spy) -> &'static str {
    ran(&s);
    "macro ran"
}

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

/// `x-user: alice`, `x-roles: user,admin`; `crash` fails, `panic` panics.
fn resolver(
    req: &HttpRequest,
) -> impl std::future::Future<Output = Result<Option<Principal>, BoxError>> + use<> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let user = header("x-user");
    let roles = header("x-roles").unwrap_or_default();
    async move {
        match user.as_deref() {
            Some("crash") => return Err("identity provider down".into()),
            Some("panic") => panic!("resolver bug"),
            _ => {}
        }
        Ok(user.map(|u| Principal::new(u, roles.split(',').filter(|r| !r.is_empty()))))
    }
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

/// The declared routes registered through `AuthzRoutes`.
fn declared() -> AuthzRoutes {
    AuthzRoutes::new()
        .route("/expenses", routes!(get(list), post(create)))
        .route(
            "/expenses/{id}",
            routes!(get(view), put(update), delete(remove)),
        )
        .route("/health", routes!(get(health)))
        .route("/whoami", routes!(get(whoami)))
        .route("/maybe", routes!(get(maybe_whoami)))
        .route("/orphans/{id}", routes!(get(orphan)))
}

/// Declared routes registered in every other way actix-web offers, plus undeclared handlers
/// registered in every way too.
fn app(
    state: &AppState,
    authz: Option<Authorize>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(actix_web::middleware::Condition::new(
            authz.is_some(),
            authz.unwrap_or_else(|| Authorize::new(engine(), resolver)),
        ))
        .app_data(web::Data::new(state.clone()))
        .service(declared())
        // declared, through `App::route`, `web::resource`, `web::scope`, `configure`
        .route("/exports", routes!(get(export)).into())
        .service(web::resource("/res/exports").route(routes!(get(export)).into()))
        .service(web::scope("/api").route("/reports", routes!(get(report)).into()))
        .configure(|cfg| {
            cfg.route("/configured/exports", routes!(get(export)).into());
        })
        // a resource mixing an undeclared POST route and a declared (guardless) one
        .service(
            web::resource("/mixed")
                .route(web::post().to(undeclared))
                .route(routes!(get(list)).into()),
        )
        // undeclared, in every way
        .route("/u/app-route", web::get().to(undeclared))
        .service(web::resource("/u/resource").to(undeclared))
        .service(web::scope("/u/scope").route("/x", web::post().to(undeclared)))
        .configure(|cfg| {
            cfg.route("/u/configured", web::get().to(undeclared));
        })
        .service(by_macro)
        .service(web::resource("/u/service").default_service(fn_service(
            |req: ServiceRequest| async move {
                let state = req.app_data::<web::Data<AppState>>().unwrap().clone();
                ran(&state);
                Ok(req.into_response(HttpResponse::Ok().body("raw service ran")))
            },
        )))
        // an undeclared resource shadowing a declared one (registered earlier wins in actix)
        .service(web::resource("/shadowed").to(undeclared))
        .route("/shadowed", routes!(get(health)).into())
        .default_service(web::to(undeclared))
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// Calls the app; a refusal returned as a service error is turned into its response, as
/// actix-web's server does.
async fn send<S, B>(app: &S, method: Method, uri: &str, who: Option<(&str, &str)>) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    let mut req = test::TestRequest::default()
        .method(method)
        .uri(uri)
        .set_payload("body");
    if let Some((user, roles)) = who {
        req = req
            .insert_header(("x-user", user))
            .insert_header(("x-roles", roles));
    }
    match test::try_call_service(app, req.to_request()).await {
        Ok(res) => {
            let status = res.status();
            let headers = res.headers().clone();
            let body = test::read_body(res).await;
            Reply {
                status,
                headers,
                body: String::from_utf8(body.to_vec()).unwrap(),
            }
        }
        Err(err) => {
            let res = err.error_response();
            let status = res.status();
            let headers = res.headers().clone();
            let body = actix_web::body::to_bytes(res.into_body()).await.unwrap();
            Reply {
                status,
                headers,
                body: String::from_utf8(body.to_vec()).unwrap(),
            }
        }
    }
}

fn hits(state: &AppState) -> (usize, usize) {
    (
        state.hits.handler.load(Ordering::SeqCst),
        state.hits.extractor.load(Ordering::SeqCst),
    )
}

const ALICE: Option<(&str, &str)> = Some(("alice", "user"));
const BOB: Option<(&str, &str)> = Some(("bob", "user"));
const ADMIN: Option<(&str, &str)> = Some(("root", "user,admin"));
const AUDITOR: Option<(&str, &str)> = Some(("audrey", "auditor"));

const FORBIDDEN: &str = r#"{"type":"about:blank","title":"Forbidden","status":403}"#;
const NOT_FOUND: &str = r#"{"type":"about:blank","title":"Not Found","status":404}"#;
const INTERNAL: &str = r#"{"type":"about:blank","title":"Internal Server Error","status":500}"#;

macro_rules! setup {
    ($state:ident, $app:ident) => {
        let $state = state();
        let $app = test::init_service(app(&$state, Some(Authorize::new(engine(), resolver)))).await;
    };
}

#[actix_web::test]
async fn allowed_kind_level_runs_the_handler() {
    setup!(state, app);
    let res = send(&app, Method::POST, "/expenses", ALICE).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "created body");
    assert_eq!(hits(&state), (1, 1));
}

#[actix_web::test]
async fn denied_runs_neither_handler_nor_extractors() {
    setup!(state, app);
    let res = send(&app, Method::DELETE, "/expenses/e1", ALICE).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(
        res.headers.get("content-type").unwrap(),
        "application/problem+json"
    );
    assert_eq!(res.body, FORBIDDEN);
    assert_eq!(hits(&state), (0, 0));

    let res = send(&app, Method::DELETE, "/expenses/e1", ADMIN).await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    assert_eq!(hits(&state), (1, 1));
}

#[actix_web::test]
async fn no_principal_is_401() {
    setup!(state, app);
    for (method, uri) in [
        (Method::GET, "/expenses"),
        (Method::POST, "/expenses"),
        (Method::GET, "/expenses/e1"),
    ] {
        let res = send(&app, method, uri, None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(
            res.body,
            r#"{"type":"about:blank","title":"Unauthorized","status":401}"#
        );
    }
    assert_eq!(hits(&state), (0, 0));
}

#[actix_web::test]
async fn resolver_error_or_panic_is_500() {
    setup!(state, app);
    for user in ["crash", "panic"] {
        let res = send(&app, Method::GET, "/expenses", Some((user, "user"))).await;
        assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{user}");
        assert_eq!(res.body, INTERNAL);
    }
    assert_eq!(hits(&state), (0, 0));
    // The worker survived the panic.
    assert_eq!(
        send(&app, Method::GET, "/expenses", ALICE).await.status,
        200
    );
}

#[actix_web::test]
async fn instance_level_uses_the_loaded_resource() {
    setup!(state, app);
    let res = send(&app, Method::GET, "/expenses/e1", ALICE).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "alice sees expense of alice");
    assert_eq!(hits(&state), (1, 1));

    assert_eq!(
        send(&app, Method::GET, "/expenses/e2", ALICE).await.status,
        403
    );
    assert_eq!(
        send(&app, Method::PUT, "/expenses/e2", ALICE).await.status,
        403
    );
    assert_eq!(hits(&state), (1, 1));

    let res = send(&app, Method::PUT, "/expenses/e2", BOB).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, "updated expense of bob");
}

#[actix_web::test]
async fn missing_instance_is_404_and_loader_failures_are_500() {
    setup!(state, app);
    let res = send(&app, Method::GET, "/expenses/nope", ALICE).await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::NOT_FOUND, NOT_FOUND)
    );
    let res = send(&app, Method::GET, "/expenses/boom", ALICE).await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
    );
    // The loader's state is not registered as app data.
    let res = send(&app, Method::GET, "/orphans/o1", ALICE).await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL)
    );
    assert_eq!(hits(&state), (0, 0));
}

#[actix_web::test]
async fn head_served_by_get_is_checked() {
    setup!(state, app);
    assert_eq!(
        send(&app, Method::HEAD, "/expenses/e2", ALICE).await.status,
        403
    );
    assert_eq!(hits(&state), (0, 0));
    assert_eq!(
        send(&app, Method::HEAD, "/expenses/e1", ALICE).await.status,
        200
    );
    assert_eq!(hits(&state), (1, 1));
}

#[actix_web::test]
async fn undeclared_method_of_a_declared_path_is_405() {
    setup!(state, app);
    let res = send(&app, Method::PATCH, "/expenses/e1", ADMIN).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers.get("allow").unwrap(), "GET,PUT,DELETE,HEAD");
    assert_eq!(
        res.body,
        r#"{"type":"about:blank","title":"Method Not Allowed","status":405}"#
    );
    let res = send(&app, Method::DELETE, "/health", None).await;
    assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(res.headers.get("allow").unwrap(), "GET,HEAD");
    assert_eq!(hits(&state), (0, 0));
}

#[actix_web::test]
async fn unknown_path_is_404_and_the_default_service_never_runs() {
    setup!(state, app);
    for uri in ["/", "/nope", "/expenses/e1/extra", "/api/nope", "/u"] {
        let res = send(&app, Method::GET, uri, ADMIN).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(res.body, NOT_FOUND);
        assert_eq!(
            res.headers.get("content-type").unwrap(),
            "application/problem+json"
        );
    }
    assert_eq!(hits(&state), (0, 0));
}

#[actix_web::test]
async fn public_route_needs_no_principal_and_has_none() {
    setup!(state, app);
    let res = send(&app, Method::GET, "/health", None).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "ok"));
    let res = send(&app, Method::GET, "/whoami", ALICE).await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL),
        "no internals in the body"
    );
    let res = send(&app, Method::GET, "/maybe", ALICE).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "nobody"));
}

#[actix_web::test]
async fn declared_routes_are_checked_however_they_are_registered() {
    setup!(state, app);
    for uri in [
        "/exports",
        "/res/exports",
        "/configured/exports",
        "/api/reports",
        "/mixed",
    ] {
        assert_eq!(
            send(&app, Method::GET, uri, None).await.status,
            401,
            "{uri}"
        );
    }
    for uri in ["/exports", "/res/exports", "/configured/exports"] {
        assert_eq!(
            send(&app, Method::GET, uri, ALICE).await.status,
            403,
            "{uri}"
        );
    }
    assert_eq!(
        send(&app, Method::GET, "/api/reports", ALICE).await.status,
        403
    );
    assert_eq!(hits(&state), (0, 0));

    for uri in ["/exports", "/res/exports", "/configured/exports"] {
        let res = send(&app, Method::GET, uri, ADMIN).await;
        assert_eq!(
            (res.status, res.body.as_str()),
            (StatusCode::OK, "export"),
            "{uri}"
        );
    }
    let res = send(&app, Method::GET, "/api/reports", AUDITOR).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "report"));
    let res = send(&app, Method::GET, "/mixed", ALICE).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "list"));
    assert_eq!(hits(&state), (5, 5));
}

#[actix_web::test]
async fn undeclared_routes_never_run_however_they_are_registered() {
    setup!(state, app);
    for (method, uri) in [
        (Method::GET, "/u/app-route"),
        (Method::GET, "/u/resource"),
        (Method::DELETE, "/u/resource"),
        (Method::POST, "/u/scope/x"),
        (Method::GET, "/u/configured"),
        (Method::GET, "/u/macro"),
        (Method::GET, "/u/service"),
        (Method::POST, "/mixed"),
        (Method::GET, "/shadowed"),
        // a declared path with a method no route of that resource takes: the resource's own
        // 405 service is not declared either
        (Method::GET, "/u/scope/x"),
    ] {
        for who in [None, ALICE, ADMIN] {
            let res = send(&app, method.clone(), uri, who).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{method} {uri}");
            assert_eq!(res.body, FORBIDDEN, "{method} {uri}");
            assert_eq!(
                res.headers.get("content-type").unwrap(),
                "application/problem+json"
            );
        }
    }
    assert_eq!(
        hits(&state),
        (0, 0),
        "no undeclared handler or extractor ran"
    );
}

#[actix_web::test]
async fn undeclared_status_is_configurable() {
    let state = state();
    let authz = Authorize::new(engine(), resolver).undeclared_status(StatusCode::NOT_FOUND);
    let app = test::init_service(app(&state, Some(authz))).await;
    let res = send(&app, Method::GET, "/u/app-route", ADMIN).await;
    assert_eq!(
        (res.status, res.body.as_str()),
        (StatusCode::NOT_FOUND, NOT_FOUND)
    );
    assert_eq!(hits(&state), (0, 0));
}

#[actix_web::test]
async fn without_authorize_declared_routes_refuse() {
    let state = state();
    let app = test::init_service(app(&state, None)).await;
    for (method, uri, who) in [
        (Method::GET, "/health", None),
        (Method::GET, "/expenses", ALICE),
        (Method::DELETE, "/expenses/e1", ADMIN),
    ] {
        let res = send(&app, method, uri, who).await;
        assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR, "{uri}");
        assert_eq!(res.body, INTERNAL);
    }
    assert_eq!(hits(&state), (0, 0));
}

async fn passthrough(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    next.call(req).await
}

#[actix_web::test]
async fn asynchronous_middleware_inside_authorize_fails_closed() {
    let state = state();
    // `from_fn` registered before `Authorize` sits inside it, between it and the router.
    let app = test::init_service(
        App::new()
            .wrap(from_fn(passthrough))
            .wrap(Authorize::new(engine(), resolver))
            .app_data(web::Data::new(state.clone()))
            .service(declared())
            .route("/u", web::get().to(undeclared)),
    )
    .await;
    for (uri, who) in [("/expenses", ALICE), ("/health", None), ("/u", ADMIN)] {
        assert_eq!(send(&app, Method::GET, uri, who).await.status, 403, "{uri}");
    }
    // On a scope, around declared routes: the same.
    let app = test::init_service(
        App::new()
            .wrap(Authorize::new(engine(), resolver))
            .app_data(web::Data::new(state.clone()))
            .service(
                web::scope("/api")
                    .wrap(from_fn(passthrough))
                    .service(declared()),
            ),
    )
    .await;
    assert_eq!(
        send(&app, Method::GET, "/api/expenses", ALICE).await.status,
        403
    );
    assert_eq!(hits(&state), (0, 0));
}

#[actix_web::test]
async fn middleware_outside_or_synchronous_is_fine() {
    let state = state();
    let app = test::init_service(
        App::new()
            .wrap(Authorize::new(engine(), resolver))
            .wrap(from_fn(passthrough))
            .wrap(Logger::default())
            .app_data(web::Data::new(state.clone()))
            .service(
                web::scope("/api")
                    .wrap(DefaultHeaders::new().add(("x-scope", "api")))
                    .service(declared()),
            ),
    )
    .await;
    let res = send(&app, Method::GET, "/api/expenses", ALICE).await;
    assert_eq!((res.status, res.body.as_str()), (StatusCode::OK, "list"));
    assert_eq!(res.headers.get("x-scope").unwrap(), "api");
    assert_eq!(
        send(&app, Method::GET, "/api/expenses", None).await.status,
        401
    );
    assert_eq!(hits(&state), (1, 1));
}

#[actix_web::test]
async fn nested_authorize_is_fine() {
    let state = state();
    let app = test::init_service(
        App::new()
            .wrap(Authorize::new(engine(), resolver))
            .app_data(web::Data::new(state.clone()))
            .service(
                web::scope("/api")
                    .wrap(Authorize::new(engine(), resolver))
                    .service(declared())
                    .route("/u", web::get().to(undeclared)),
            ),
    )
    .await;
    assert_eq!(
        send(&app, Method::GET, "/api/expenses", ALICE).await.status,
        200
    );
    assert_eq!(send(&app, Method::GET, "/api/u", ADMIN).await.status, 403);
    assert_eq!(hits(&state), (1, 1));
}

#[::core::prelude::v1::test]
fn coverage_lists_every_route_with_its_requirement() {
    let got: Vec<(String, String, Requirement)> = declared()
        .nest(
            "/api",
            AuthzRoutes::new().route("/reports", routes!(get(report))),
        )
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
        ("GET", "/health", Requirement::Public),
        ("GET", "/maybe", Requirement::Public),
        ("GET", "/orphans/{id}", instance("expense", "view")),
        ("GET", "/whoami", Requirement::Public),
    ];
    let want: Vec<(String, String, Requirement)> = want
        .into_iter()
        .map(|(m, p, r)| (m.to_owned(), p.to_owned(), r))
        .collect();
    assert_eq!(got, want);
    assert!(declared().check(Some(&engine().policies())).is_ok());
}

#[::core::prelude::v1::test]
fn check_reports_every_problem() {
    let err = declared()
        .route("/frob", routes!(post(frobnicate)))
        .route("/expenses", routes!(get(health)))
        .route("/items/{item}", routes!(get(view)))
        .route("no-slash", routes!(get(health)))
        .nest("sub", AuthzRoutes::new().route("/x", routes!(get(health))))
        .check(Some(&engine().policies()))
        .unwrap_err();
    let problems = err.problems().join("\n");
    for want in [
        "POST /frob: action `frobnicate` on resource `expense` is not known to the policies",
        "GET /expenses: declared more than once",
        "GET /items/{item}: the resource id comes from path parameter `id`, which the path does not have",
        "path `no-slash` must start with `/`",
        "nest prefix `sub` must start with `/`",
    ] {
        assert!(problems.contains(want), "{want}\n---\n{problems}");
    }
    // Without policies, actions are not checked.
    assert!(AuthzRoutes::new()
        .route("/frob", routes!(post(frobnicate)))
        .check(None)
        .is_ok());
}
