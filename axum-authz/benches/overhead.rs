//! The per-request cost of `axum-authz`, in-process (no network): a hello-world route called
//! through `tower::ServiceExt::oneshot`, the request built and the service cloned inside the
//! timed loop (as axum's server does per request).
//!
//! Run with `cargo bench -p axum-authz --bench overhead`. Variants:
//! - `axum_router`: a plain `axum::Router` (the baseline);
//! - `axum_router_identity_layer`: the same router with `tower::layer::util::Identity` as
//!   `Router::layer`, a no-op tower layer (what axum's boxing of a layered route costs);
//! - `axum_router_noop_layer`: the same router with a pass-through `axum::middleware::from_fn`
//!   layer, the cost of a typical middleware;
//! - `authz_public`: `AuthzService`, `#[authorize(public)]` route (guard only, no decision);
//! - `authz_rbac`: `AuthzService`, kind-level route allowed by role, principal from a header;
//! - `authz_condition`: `AuthzService`, instance-level route: an in-memory loader and a CEL
//!   condition (`R.attr.owner == P.id`).
//!
//! For reference, the engine alone (`Engine::is_allowed`, principal and resource built in the
//! loop as the adapter does): `engine_rbac_decision`, `engine_condition_decision`.
//!
//! No `tracing` subscriber is installed, so the decision event costs only its disabled check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::routing::get;
use axum_authz::{authorize, routes, Authorized, AuthzRouter, AuthzService, BoxError, Load};
use criterion::{criterion_group, criterion_main, Criterion};
use http::request::Parts;
use http::StatusCode;
use tokio::runtime::Runtime;
use tower::{Service, ServiceExt};

const POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: greeting
  version: default
  rules:
    - name: user-say
      actions: [say]
      effect: EFFECT_ALLOW
      roles: [user]
    - name: owner-read
      actions: [read]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: R.attr.owner == P.id
"#;

async fn plain_hello() -> &'static str {
    "hello"
}

#[authorize(public)]
async fn public_hello() -> &'static str {
    "hello"
}

#[authorize(resource = "greeting", action = "say")]
async fn rbac_hello() -> &'static str {
    "hello"
}

struct Greeting {
    owner: &'static str,
}

impl Load<()> for Greeting {
    async fn load(_: &(), id: &str) -> Result<Option<Self>, BoxError> {
        Ok((id == "g1").then_some(Greeting { owner: "alice" }))
    }
    fn to_resource(&self, id: &str) -> Resource {
        Resource::new("greeting", id).with_attr("owner", self.owner.into())
    }
}

#[authorize(resource = "greeting", action = "read", id = path("id"))]
async fn condition_hello(Authorized(g): Authorized<Greeting>) -> &'static str {
    black_box(g.owner);
    "hello"
}

fn resolver(
    parts: &Parts,
    _: &(),
) -> impl std::future::Future<Output = Result<Option<Principal>, BoxError>> + Send + 'static {
    let user = parts
        .headers
        .get("x-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    std::future::ready(Ok(user.map(|u| Principal::new(u, ["user"]))))
}

fn authz_app() -> AuthzService {
    let engine = Engine::new(
        PolicySet::from_sources([("greeting.yaml", POLICY)]).unwrap(),
        EngineConfig::default(),
    );
    AuthzRouter::new(engine, resolver)
        .route("/public", routes!(get(public_hello)))
        .route("/rbac", routes!(get(rbac_hello)))
        .route("/greetings/{id}", routes!(get(condition_hello)))
        .strict_actions(true)
        .into_service()
        .unwrap()
}

fn request(uri: &'static str) -> Request {
    Request::builder()
        .uri(uri)
        .header("x-user", "alice")
        .body(Body::empty())
        .unwrap()
}

/// Times `oneshot` on a clone of `svc` with a request built in the loop; checks 200 first.
fn bench<S>(c: &mut Criterion, rt: &Runtime, name: &str, svc: S, uri: &'static str)
where
    S: Service<Request, Response = axum::response::Response> + Clone + Send + 'static,
    S::Error: std::fmt::Debug,
    S::Future: Send,
{
    let res = rt.block_on(svc.clone().oneshot(request(uri))).unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{name}");
    c.bench_function(name, |b| {
        b.to_async(rt).iter(|| {
            let svc = svc.clone();
            async move { black_box(svc.oneshot(request(uri)).await.unwrap()) }
        });
    });
}

fn overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let plain = axum::Router::new().route("/hello", get(plain_hello));
    let noop =
        axum::Router::new()
            .route("/hello", get(plain_hello))
            .layer(axum::middleware::from_fn(|req: Request, next: Next| {
                next.run(req)
            }));
    let identity = axum::Router::new()
        .route("/hello", get(plain_hello))
        .layer(tower::layer::util::Identity::new());
    let app = authz_app();
    bench(c, &rt, "axum_router", plain, "/hello");
    bench(c, &rt, "axum_router_identity_layer", identity, "/hello");
    bench(c, &rt, "axum_router_noop_layer", noop, "/hello");
    bench(c, &rt, "authz_public", app.clone(), "/public");
    bench(c, &rt, "authz_rbac", app.clone(), "/rbac");
    bench(c, &rt, "authz_condition", app, "/greetings/g1");

    let engine = Engine::new(
        PolicySet::from_sources([("greeting.yaml", POLICY)]).unwrap(),
        EngineConfig::default(),
    );
    let decide = |kind_level: bool| {
        let principal = Principal::new(black_box("alice").to_owned(), ["user"]);
        let (resource, action) = if kind_level {
            (Resource::new("greeting", ""), "say")
        } else {
            (
                Greeting { owner: "alice" }.to_resource(black_box("g1")),
                "read",
            )
        };
        engine.is_allowed(&principal, &resource, action)
    };
    assert!(decide(true) && decide(false));
    c.bench_function("engine_rbac_decision", |b| b.iter(|| decide(true)));
    c.bench_function("engine_condition_decision", |b| b.iter(|| decide(false)));
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5))
        .sample_size(60);
    targets = overhead
}
criterion_main!(benches);
