//! Heap allocations per request that the adapter adds to a plain axum route, counted with
//! `dhat` as the global allocator and asserted as upper bounds, so that a regression on the hot
//! path (another boxed future, a per-request copy of the resource) fails a test instead of
//! hiding in benchmark noise. Only one `dhat::Profiler` may run at a time, so this file holds a
//! single `#[test]`, and everything runs on its thread.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;

use authz_core::{Engine, EngineConfig, PolicySet, Principal};
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::get;
use axum_authz::{authorize, routes, AuthzRouter, BoxError, CurrentPrincipal};
use http::request::Parts;
use http::StatusCode;
use tower::{Service, ServiceExt};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn allocations() -> u64 {
    dhat::HeapStats::get().total_blocks
}

const POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: greeting
  version: default
  rules:
    - actions: [say]
      effect: EFFECT_ALLOW
      roles: [user]
"#;

async fn plain_hello() -> &'static str {
    "hello"
}

#[authorize(public)]
async fn public_hello() -> &'static str {
    "hello"
}

#[authorize(public)]
async fn public_maybe(user: Option<CurrentPrincipal>) -> &'static str {
    if user.is_some() {
        "hello you"
    } else {
        "hello"
    }
}

#[authorize(resource = "greeting", action = "say")]
async fn rbac_hello() -> &'static str {
    "hello"
}

/// Three allocations of its own: the user id, the role list and the role.
fn resolver(
    parts: &Parts,
    _: &(),
) -> impl Future<Output = Result<Option<Principal>, BoxError>> + Send + 'static {
    let user = parts
        .headers
        .get("x-user")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    std::future::ready(Ok(user.map(|u| Principal::new(u, ["user"]))))
}

const RESOLVER_ALLOCATIONS: u64 = 3;

/// Allocations per request (averaged over 100 requests after a warm-up) of `GET uri` on a
/// clone of `svc`, the request built outside the count.
fn per_request<S>(rt: &tokio::runtime::Runtime, svc: S, uri: &'static str) -> u64
where
    S: Service<Request, Response = Response> + Clone,
    S::Error: std::fmt::Debug,
{
    const N: u64 = 100;
    let request = || {
        Request::get(uri)
            .header("x-user", "alice")
            .body(Body::empty())
            .unwrap()
    };
    let run = |count: bool| {
        let mut total = 0;
        for _ in 0..N {
            let req = request();
            let svc = svc.clone();
            let before = allocations();
            let res = rt.block_on(svc.oneshot(req)).unwrap();
            let after = allocations();
            assert_eq!(res.status(), StatusCode::OK, "{uri}");
            drop(res);
            if count {
                total += after - before;
            }
        }
        total
    };
    run(false);
    let total = run(true);
    assert_eq!(total % N, 0, "{uri}: allocations vary between requests");
    total / N
}

#[test]
fn the_adapter_adds_few_allocations_per_request() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let engine = Engine::new(
        PolicySet::from_sources([("greeting.yaml", POLICY)]).unwrap(),
        EngineConfig::default(),
    );
    let app = AuthzRouter::new(engine, resolver)
        .route("/public", routes!(get(public_hello)))
        .route("/maybe", routes!(get(public_maybe)))
        .route("/rbac", routes!(get(rbac_hello)))
        .into_service()
        .unwrap();
    let plain = per_request(
        &rt,
        axum::Router::new().route("/hello", get(plain_hello)),
        "/hello",
    );
    let public = per_request(&rt, app.clone(), "/public");
    let maybe = per_request(&rt, app.clone(), "/maybe");
    let rbac = per_request(&rt, app, "/rbac");
    eprintln!("allocations per request: plain {plain}, public {public}, public with Option<CurrentPrincipal> {maybe}, rbac {rbac}");
    // Public: the handle that resolves the principal on demand.
    assert!(public <= plain + 1, "public {public}, plain {plain}");
    // Asked for: the resolver, its boxed future, a copy of the principal kept for later
    // extractors of the request (as many allocations as the resolver's) and its slot.
    assert!(
        maybe <= public + 2 * RESOLVER_ALLOCATIONS + 3,
        "maybe {maybe}, public {public}"
    );
    // RBAC: the resolver, the check's one boxed future, the principal in the extensions. The
    // resource is built once per route, the decision allocates nothing, and keeping the readied
    // handler service for after the decision clones it without allocating.
    assert!(
        rbac <= plain + RESOLVER_ALLOCATIONS + 2,
        "rbac {rbac}, plain {plain}"
    );
}
