//! One `tracing` event per decision, with the fields an audit needs, at the configured level:
//! the same event as `axum-authz` (both come from `authz_web::decide`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use actix_authz::{
    authorize, routes, Authorize, Authorized, AuthzRoutes, BoxError, Load, Rejection, Rows,
};
use actix_web::{test, web, App, HttpRequest};
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A recorded event: its level and fields.
type Recorded = (Level, BTreeMap<String, String>);

/// The fields of every event, with its level.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Recorded>>>);

impl Recorder {
    /// The events whose message is `message`.
    fn with_message(&self, message: &str) -> Vec<Recorded> {
        let events = self.0.lock().unwrap();
        events
            .iter()
            .filter(|(_, f)| f.get("message").map(String::as_str) == Some(message))
            .cloned()
            .collect()
    }
}

struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap()
            .push((*event.metadata().level(), fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

const POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: expense
  version: default
  rules:
    - name: users-create
      actions: [create]
      effect: EFFECT_ALLOW
      roles: [user]
    - name: owners-view
      actions: [view]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: R.attr.owner == P.id
    - actions: [list]
      effect: EFFECT_ALLOW
      roles: [user, tagger]
    - actions: [read]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: R.attr.owner == P.id
    - actions: [read]
      effect: EFFECT_ALLOW
      roles: [tagger]
      condition:
        match:
          expr: R.attr.tags.filter(t, t == P.id).size() > 0
"#;

struct Db;

struct Expense;

impl Load<Db> for Expense {
    async fn load(_: &Db, id: &str) -> Result<Option<Self>, BoxError> {
        Ok((id == "e1").then_some(Expense))
    }
    fn to_resource(&self, id: &str) -> Resource {
        Resource::new("expense", id).with_attr("owner", "alice".into())
    }
}

#[authorize(resource = "expense", action = "create")]
async fn create() -> &'static str {
    "created"
}

#[authorize(resource = "expense", action = "delete")]
async fn remove() -> &'static str {
    "deleted"
}

#[authorize(resource = "expense", action = "view", id = path("id"))]
async fn view(Authorized(_e): Authorized<Expense>) -> &'static str {
    "seen"
}

#[authorize(public)]
async fn health() -> &'static str {
    "ok"
}

#[authorize(resource = "expense", action = "list", filter = "read")]
async fn list(Rows(_rows): Rows) -> &'static str {
    "[]"
}

/// `Rows` under another name, which `#[authorize]` cannot see: only the runtime guard stops it.
type Plan = Rows;

#[authorize(resource = "expense", action = "create")]
async fn misrouted(_: Plan) -> &'static str {
    "unreachable"
}

fn authorize(level: Option<Level>) -> Authorize {
    let engine = Engine::new(
        PolicySet::from_sources([("expense.yaml", POLICY)]).unwrap(),
        EngineConfig::default(),
    );
    let resolver = |req: &HttpRequest| {
        let user = req
            .headers()
            .get("x-user")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let role = req
            .headers()
            .get("x-role")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("user")
            .to_owned();
        async move { Ok::<_, BoxError>(user.map(|u| Principal::new(u, [role]))) }
    };
    let authz = Authorize::new(engine, resolver);
    match level {
        Some(level) => authz.decision_log_level(level),
        None => authz,
    }
}

macro_rules! app {
    ($level:expr) => {
        test::init_service(
            App::new()
                .wrap(authorize($level))
                .app_data(web::Data::new(Db))
                .service(
                    AuthzRoutes::new()
                        .route(
                            "/expenses",
                            routes!(get(list), post(create), delete(remove)),
                        )
                        .route("/misrouted/{id}", routes!(post(misrouted)))
                        .route("/expenses/{id}", routes!(get(view)))
                        .route("/health", routes!(get(health))),
                ),
        )
        .await
    };
}

fn request(method: &str, uri: &str, user: Option<&str>) -> actix_http::Request {
    request_as(method, uri, user, "user")
}

fn request_as(method: &str, uri: &str, user: Option<&str>, role: &str) -> actix_http::Request {
    let mut req = test::TestRequest::default()
        .method(method.parse().unwrap())
        .uri(uri)
        .insert_header(("x-request-id", "req-42"))
        .insert_header(("x-role", role));
    if let Some(user) = user {
        req = req.insert_header(("x-user", user));
    }
    req.to_request()
}

#[actix_web::test]
async fn each_decision_is_one_event_with_its_fields() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app!(None);

    let status = |r: actix_web::dev::ServiceResponse<_>| r.status().as_u16();
    assert_eq!(
        status(test::call_service(&app, request("POST", "/expenses", Some("alice"))).await),
        200
    );
    // No decision: public route, no principal, unknown resource.
    assert_eq!(
        status(test::call_service(&app, request("GET", "/health", None)).await),
        200
    );
    assert_eq!(
        status(test::call_service(&app, request("POST", "/expenses", None)).await),
        401
    );
    assert_eq!(
        status(test::call_service(&app, request("GET", "/expenses/e9", Some("alice"))).await),
        404
    );
    // Instance-level: the id is in the event.
    assert_eq!(
        status(test::call_service(&app, request("GET", "/expenses/e1", Some("alice"))).await),
        200
    );

    let events = rec.with_message("authz decision");
    assert_eq!(events.len(), 2, "{events:?}");
    let (level, fields) = &events[0];
    assert_eq!(*level, Level::INFO);
    for (k, v) in [
        ("principal", "alice"),
        ("resource.kind", "expense"),
        ("resource.id", ""),
        ("action", "create"),
        ("effect", "EFFECT_ALLOW"),
        ("policy", "resource.expense.vdefault"),
        ("request_id", "req-42"),
    ] {
        assert_eq!(
            fields.get(k).map(String::as_str),
            Some(v),
            "{k} in {fields:?}"
        );
    }
    assert!(fields["rule"].contains("users-create"), "{fields:?}");
    let (_, fields) = &events[1];
    assert_eq!(fields["resource.id"], "e1");
    assert_eq!(fields["action"], "view");
    assert!(fields["rule"].contains("owners-view"), "{fields:?}");
}

#[actix_web::test]
async fn denials_are_logged_at_the_configured_level() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app!(Some(Level::WARN));
    let res = test::call_service(&app, request("DELETE", "/expenses", Some("bob"))).await;
    assert_eq!(res.status(), 403);
    let events = rec.with_message("authz decision");
    assert_eq!(events.len(), 1, "{events:?}");
    let (level, fields) = &events[0];
    assert_eq!(*level, Level::WARN);
    assert_eq!(fields["principal"], "bob");
    assert_eq!(fields["action"], "delete");
    assert_eq!(fields["effect"], "EFFECT_DENY");
}

fn assert_fields(fields: &BTreeMap<String, String>, expected: &[(&str, &str)]) {
    for (k, v) in expected {
        assert_eq!(
            fields.get(*k).map(String::as_str),
            Some(*v),
            "{k} in {fields:?}"
        );
    }
}

#[actix_web::test]
async fn a_list_route_logs_its_decision_then_its_plan() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app!(Some(Level::WARN));
    let req = request_as("GET", "/expenses", Some("alice"), "user");
    assert_eq!(test::call_service(&app, req).await.status(), 200);
    let decisions = rec.with_message("authz decision");
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_fields(
        &decisions[0].1,
        &[("action", "list"), ("effect", "EFFECT_ALLOW")],
    );
    let plans = rec.with_message("authz plan");
    assert_eq!(plans.len(), 1, "{plans:?}");
    let (level, fields) = &plans[0];
    assert_eq!(*level, Level::WARN);
    assert_fields(
        fields,
        &[
            ("principal", "alice"),
            ("resource.kind", "expense"),
            ("action", "read"),
            ("filter", "conditional"),
            ("request_id", "req-42"),
        ],
    );

    // A denied list action is never planned.
    let req = request_as("GET", "/expenses", Some("gus"), "guest");
    assert_eq!(test::call_service(&app, req).await.status(), 403);
    assert_eq!(rec.with_message("authz decision").len(), 2);
    assert_eq!(rec.with_message("authz plan").len(), 1);
}

#[actix_web::test]
async fn a_refused_plan_is_logged_with_its_reason_and_answered_with_a_generic_500() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app!(None);
    let req = request_as("GET", "/expenses", Some("tia"), "tagger");
    let res = test::call_service(&app, req).await;
    assert_eq!(res.status(), 500);
    let body = test::read_body(res).await;
    let generic = Rejection::Internal.response().into_body();
    let generic = actix_web::body::to_bytes(generic).await.unwrap();
    assert_eq!(body, generic);
    assert!(rec.with_message("authz plan").is_empty());
    let refused = rec.with_message("authz plan refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    let (level, fields) = &refused[0];
    assert_eq!(*level, Level::ERROR);
    assert_fields(
        fields,
        &[
            ("method", "GET"),
            ("route", "/expenses"),
            ("principal", "tia"),
            ("resource.kind", "expense"),
            ("action", "read"),
            ("request_id", "req-42"),
        ],
    );
    assert!(fields["error"].contains("comprehension"), "{fields:?}");
}

#[actix_web::test]
async fn rows_on_a_route_without_filter_is_a_500_logged_with_method_and_path() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app!(None);
    let req = request_as("POST", "/misrouted/7", Some("alice"), "user");
    assert_eq!(test::call_service(&app, req).await.status(), 500);
    let events = rec.0.lock().unwrap().clone();
    let logged: Vec<_> = events
        .iter()
        .filter(|(_, f)| f.contains_key("extractor"))
        .collect();
    assert_eq!(logged.len(), 1, "{events:?}");
    let (level, fields) = logged[0];
    assert_eq!(*level, Level::ERROR);
    assert_fields(
        fields,
        &[
            ("method", "POST"),
            ("path", "/misrouted/7"),
            ("extractor", "actix_authz::extract::Rows"),
        ],
    );
}
