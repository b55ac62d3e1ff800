//! A hello-world server for loopback load tests of the adapter's overhead (`benches/wrk.sh`).
//!
//! `bench_server MODE [ADDR]` serves `GET /hello` (answering `hello`) on `ADDR` (default
//! `127.0.0.1:3000`) on a single-threaded tokio runtime, so every mode gets the same one core:
//!
//! - `plain`: a plain `axum::Router` (the baseline);
//! - `identity`: the same router with `tower::layer::util::Identity` as `Router::layer` (a
//!   no-op tower layer: what axum's per-layer boxing costs);
//! - `from_fn`: the same router with a pass-through `axum::middleware::from_fn` layer;
//! - `public`: an [`AuthzService`] whose route is `#[authorize(public)]`;
//! - `rbac`: an [`AuthzService`] whose route is kind-level (`greeting:say`, allowed by role
//!   `user`), the principal read from the `x-user` header;
//! - `condition`: an [`AuthzService`] whose route `/hello/{id}` is instance-level (in-memory
//!   loader, CEL condition `R.attr.owner == P.id`); request `/hello/g1`.
//!
//! `bench_server MODE --oneshot N` serves nothing: it sends `N` requests through
//! `tower::ServiceExt::oneshot` in-process and exits, for instruction counts without a network
//! (`valgrind --tool=callgrind`, compare two values of `N`).
//!
//! No `tracing` subscriber is installed, so decision events cost only their disabled check.
//! Build with `cargo build --profile bench -p axum-authz --example bench_server`.

use std::convert::Infallible;
use std::future::Future;

use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use axum::extract::Request;
use axum::middleware::Next;
use axum::routing::get;
use axum_authz::{authorize, routes, Authorized, AuthzRouter, AuthzService, BoxError, Load};
use http::request::Parts;

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
    let _ = g.owner;
    "hello"
}

/// The principal is the `x-user` header, with role `user`.
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

fn authz(mode: &str) -> Result<AuthzService, BoxError> {
    let engine = Engine::new(
        PolicySet::from_sources([("greeting.yaml", POLICY)])?,
        EngineConfig::default(),
    );
    let router = AuthzRouter::new(engine, resolver);
    let router = match mode {
        "public" => router.route("/hello", routes!(get(public_hello))),
        "rbac" => router.route("/hello", routes!(get(rbac_hello))),
        _ => router.route("/hello/{id}", routes!(get(condition_hello))),
    };
    Ok(router.strict_actions(true).into_service()?)
}

fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_default();
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    if !MODES.contains(&mode.as_str()) {
        return Err(format!(
            "usage: bench_server {} [ADDR], got `{mode}`",
            MODES.join("|")
        )
        .into());
    }
    let plain = || axum::Router::new().route("/hello", get(plain_hello));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if addr == "--oneshot" {
        let n: u64 = args.next().unwrap_or_default().parse()?;
        return rt.block_on(async move {
            match mode.as_str() {
                "plain" => oneshots(plain(), "/hello", n).await,
                "identity" => {
                    let app = plain().layer(tower::layer::util::Identity::new());
                    oneshots(app, "/hello", n).await
                }
                "from_fn" => {
                    let app =
                        plain().layer(axum::middleware::from_fn(|req: Request, next: Next| {
                            next.run(req)
                        }));
                    oneshots(app, "/hello", n).await
                }
                "condition" => oneshots(authz(&mode)?, "/hello/g1", n).await,
                _ => oneshots(authz(&mode)?, "/hello", n).await,
            }
        });
    }
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        match mode.as_str() {
            "plain" => axum::serve(listener, plain()).await?,
            "identity" => {
                let app = plain().layer(tower::layer::util::Identity::new());
                axum::serve(listener, app).await?;
            }
            "from_fn" => {
                let app = plain().layer(axum::middleware::from_fn(|req: Request, next: Next| {
                    next.run(req)
                }));
                axum::serve(listener, app).await?;
            }
            _ => axum::serve(listener, authz(&mode)?.into_make_service()).await?,
        }
        Ok(())
    })
}

/// Sends `n` requests to a clone of `app` each (as the server does per connection), checking
/// that each is answered 200.
async fn oneshots<A>(app: A, uri: &'static str, n: u64) -> Result<(), BoxError>
where
    A: tower::Service<Request, Response = axum::response::Response, Error = Infallible> + Clone,
{
    use tower::ServiceExt;
    for _ in 0..n {
        let req = Request::get(uri)
            .header("x-user", "alice")
            .body(axum::body::Body::empty())?;
        let Ok(res) = app.clone().oneshot(req).await;
        if res.status() != http::StatusCode::OK {
            return Err(format!("{uri}: {}", res.status()).into());
        }
    }
    Ok(())
}

const MODES: [&str; 6] = [
    "plain",
    "identity",
    "from_fn",
    "public",
    "rbac",
    "condition",
];
