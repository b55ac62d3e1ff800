//! One `tracing` event per decision, with the fields an audit needs, at the configured level.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use authz_core::{Engine, EngineConfig, PolicySet, Principal};
use axum::body::Body;
use axum::response::IntoResponse;
use axum_authz::{authorize, routes, AuthzRouter, AuthzService, BoxError, Rejection, Rows};
use http::request::Parts;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;
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

#[authorize(resource = "expense", action = "create")]
async fn create() {}

#[authorize(resource = "expense", action = "delete")]
async fn remove() {}

#[authorize(public)]
async fn health() {}

#[authorize(resource = "expense", action = "list", filter = "read")]
async fn list(Rows(_rows): Rows) {}

/// `Rows` under another name, which `#[authorize]` cannot see: only the runtime guard stops it.
type Plan = Rows;

#[authorize(resource = "expense", action = "create")]
async fn misrouted(_: Plan) {}

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
        let role = parts
            .headers
            .get("x-role")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("user")
            .to_owned();
        async move { Ok::<_, BoxError>(user.map(|u| Principal::new(u, [role]))) }
    };
    let router = AuthzRouter::new(engine, resolver)
        .route(
            "/expenses",
            routes!(get(list), post(create), delete(remove)),
        )
        .route("/misrouted/{id}", routes!(post(misrouted)))
        .route("/health", routes!(get(health)));
    let router = match level {
        Some(level) => router.decision_log_level(level),
        None => router,
    };
    router.into_service().unwrap()
}

async fn call(app: &AuthzService, method: &str, uri: &str, user: Option<&str>) -> StatusCode {
    call_as(app, method, uri, user, "user").await.0
}

/// The status and body of `method uri` by `user` with `role`.
async fn call_as(
    app: &AuthzService,
    method: &str,
    uri: &str,
    user: Option<&str>,
    role: &str,
) -> (StatusCode, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("x-request-id", "req-42")
        .header("x-role", role);
    if let Some(user) = user {
        req = req.header("x-user", user);
    }
    let res = app
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
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

#[tokio::test]
async fn a_list_route_logs_its_decision_then_its_plan() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app(Some(Level::WARN));
    let (status, _) = call_as(&app, "GET", "/expenses", Some("alice"), "user").await;
    assert_eq!(status, StatusCode::OK);
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
    let (status, _) = call_as(&app, "GET", "/expenses", Some("gus"), "guest").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(rec.with_message("authz decision").len(), 2);
    assert_eq!(rec.with_message("authz plan").len(), 1);
}

#[tokio::test]
async fn a_refused_plan_is_logged_with_its_reason_and_answered_with_a_generic_500() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app(None);
    let (status, body) = call_as(&app, "GET", "/expenses", Some("tia"), "tagger").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let generic = Rejection::Internal.into_response().into_body();
    let generic = generic.collect().await.unwrap().to_bytes();
    assert_eq!(body.as_bytes(), &generic[..]);
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

#[tokio::test]
async fn rows_on_a_route_without_filter_is_a_500_logged_with_method_and_path() {
    let rec = Recorder::default();
    let _guard = tracing::subscriber::set_default(rec.clone());
    let app = app(None);
    let (status, _) = call_as(&app, "POST", "/misrouted/7", Some("alice"), "user").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
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
            ("path", "/misrouted/{id}"),
            ("extractor", "axum_authz::extract::Rows"),
        ],
    );
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

    let events = rec.with_message("authz decision");
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
    let events = rec.with_message("authz decision");
    assert_eq!(events.len(), 1, "{events:?}");
    let (level, fields) = &events[0];
    assert_eq!(*level, Level::WARN);
    assert_eq!(fields["principal"], "bob");
    assert_eq!(fields["action"], "delete");
    assert_eq!(fields["effect"], "EFFECT_DENY");
}
