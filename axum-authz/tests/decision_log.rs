//! One `tracing` event per decision, with the fields an audit needs, at the configured level.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use authz_core::{Engine, EngineConfig, PolicySet, Principal};
use axum::body::Body;
use axum_authz::{authorize, routes, AuthzRouter, AuthzService, BoxError};
use http::request::Parts;
use http::{Request, StatusCode};
use tower::ServiceExt;
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
"#;

#[authorize(resource = "expense", action = "create")]
async fn create() {}

#[authorize(resource = "expense", action = "delete")]
async fn remove() {}

#[authorize(public)]
async fn health() {}

fn app(level: Option<Level>) -> AuthzService {
    let engine = Engine::new(
        PolicySet::from_sources([("expense.yaml", POLICY)]).unwrap(),
        EngineConfig::default(),
    );
    let resolver = |parts: &Parts, _: &()| {
        let user = parts
            .headers
            .get("x-user")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        async move { Ok::<_, BoxError>(user.map(|u| Principal::new(u, ["user"]))) }
    };
    let router = AuthzRouter::new(engine, resolver)
        .route("/expenses", routes!(post(create), delete(remove)))
        .route("/health", routes!(get(health)));
    let router = match level {
        Some(level) => router.decision_log_level(level),
        None => router,
    };
    router.into_service().unwrap()
}

async fn call(app: &AuthzService, method: &str, uri: &str, user: Option<&str>) -> StatusCode {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("x-request-id", "req-42");
    if let Some(user) = user {
        req = req.header("x-user", user);
    }
    app.clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn each_decision_is_one_event_with_its_fields() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app(None);

    assert_eq!(
        call(&app, "POST", "/expenses", Some("alice")).await,
        StatusCode::OK
    );
    // No decision: public route, and no principal.
    assert_eq!(call(&app, "GET", "/health", None).await, StatusCode::OK);
    assert_eq!(
        call(&app, "POST", "/expenses", None).await,
        StatusCode::UNAUTHORIZED
    );

    let events = rec.0.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
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
}

#[tokio::test]
async fn denials_are_logged_at_the_configured_level() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app(Some(Level::WARN));
    assert_eq!(
        call(&app, "DELETE", "/expenses", Some("bob")).await,
        StatusCode::FORBIDDEN
    );
    let events = rec.0.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "{events:?}");
    let (level, fields) = &events[0];
    assert_eq!(*level, Level::WARN);
    assert_eq!(fields["principal"], "bob");
    assert_eq!(fields["action"], "delete");
    assert_eq!(fields["effect"], "EFFECT_DENY");
}
