//! One `tracing` event per decision, with the fields an audit needs, at the configured level:
//! the same event as `axum-authz` (both come from `authz_web::decide`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use actix_authz::{authorize, routes, Authorize, Authorized, AuthzRoutes, BoxError, Load};
use actix_web::{test, web, App, HttpRequest};
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// A recorded event: its level and fields.
type Recorded = (Level, BTreeMap<String, String>);

/// The fields of every "authz decision" event, with its level.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Recorded>>>);

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
        if fields.0.get("message").map(String::as_str) == Some("authz decision") {
            self.0
                .lock()
                .unwrap()
                .push((*event.metadata().level(), fields.0));
        }
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
        async move { Ok::<_, BoxError>(user.map(|u| Principal::new(u, ["user"]))) }
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
                        .route("/expenses", routes!(post(create), delete(remove)))
                        .route("/expenses/{id}", routes!(get(view)))
                        .route("/health", routes!(get(health))),
                ),
        )
        .await
    };
}

fn request(method: &str, uri: &str, user: Option<&str>) -> actix_http::Request {
    let mut req = test::TestRequest::default()
        .method(method.parse().unwrap())
        .uri(uri)
        .insert_header(("x-request-id", "req-42"));
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

    let events = rec.0.lock().unwrap().clone();
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
    let events = rec.0.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    let (level, fields) = &events[0];
    assert_eq!(*level, Level::WARN);
    assert_eq!(fields["principal"], "bob");
    assert_eq!(fields["action"], "delete");
    assert_eq!(fields["effect"], "EFFECT_DENY");
}
