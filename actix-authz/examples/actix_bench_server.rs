//! A hello-world server for loopback load tests of the adapter's overhead (`benches/wrk.sh`).
//!
//! `actix_bench_server MODE [ADDR]` serves `GET /hello` (answering `hello`) on `ADDR` (default
//! `127.0.0.1:3001`) with one actix-web worker, so every mode gets the same one core:
//!
//! - `plain`: a plain `App` with a `.to(handler)` route (the baseline);
//! - `noop`: the same app wrapped in a pass-through `Transform` (what one middleware layer
//!   costs in actix-web);
//! - `from_fn`: the same app wrapped in a pass-through `middleware::from_fn`;
//! - `public`: `Authorize` and an `#[authorize(public)]` route;
//! - `rbac`: `Authorize` and a kind-level route (`greeting:say`, allowed by role `user`), the
//!   principal read from the `x-user` header;
//! - `condition`: `Authorize` and an instance-level route `/hello/{id}` (in-memory loader, CEL
//!   condition `R.attr.owner == P.id`); request `/hello/g1`.
//!
//! No `tracing` subscriber is installed, so decision events cost only their disabled check.
//! Build with `cargo build --profile bench -p actix-authz --example actix_bench_server`.

use std::future::{ready, Ready};

use actix_authz::{authorize, routes, Authorize, Authorized, BoxError, Load};
use actix_web::body::MessageBody;
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, App, Error, HttpRequest, HttpServer};
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};

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

struct Greetings;

struct Greeting {
    owner: &'static str,
}

impl Load<Greetings> for Greeting {
    async fn load(_: &Greetings, id: &str) -> Result<Option<Self>, BoxError> {
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

/// The principal named by `x-user`, with role `user`.
fn resolver(req: &HttpRequest) -> Ready<Result<Option<Principal>, BoxError>> {
    let user = req.headers().get("x-user").and_then(|v| v.to_str().ok());
    ready(Ok(user.map(|u| Principal::new(u, ["user"]))))
}

/// A middleware that does nothing.
#[derive(Clone, Copy)]
struct Noop;

impl<S, B> Transform<S, ServiceRequest> for Noop
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = NoopMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<NoopMiddleware<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(NoopMiddleware { service }))
    }
}

struct NoopMiddleware<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for NoopMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = S::Future;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        self.service.call(req)
    }
}

async fn pass(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    next.call(req).await
}

/// Serves the app built by `$app` (an expression using `authz`) with one worker.
macro_rules! serve {
    ($addr:expr, $authz:ident, $app:expr) => {
        HttpServer::new(move || {
            let $authz = $authz.clone();
            $app
        })
        .workers(1)
        .bind($addr)?
        .run()
        .await
    };
}

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "plain".to_owned());
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:3001".to_owned());
    let policies = PolicySet::from_sources([("greeting.yaml", POLICY)])
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let authz = Authorize::new(Engine::new(policies, EngineConfig::default()), resolver);
    actix_web::rt::System::new().block_on(async move {
        match mode.as_str() {
            "plain" => serve!(addr, authz, {
                let _ = authz;
                App::new().route("/hello", web::get().to(plain_hello))
            }),
            "noop" => serve!(addr, authz, {
                let _ = authz;
                App::new()
                    .wrap(Noop)
                    .route("/hello", web::get().to(plain_hello))
            }),
            "from_fn" => serve!(addr, authz, {
                let _ = authz;
                App::new()
                    .wrap(from_fn(pass))
                    .route("/hello", web::get().to(plain_hello))
            }),
            "public" => serve!(
                addr,
                authz,
                App::new()
                    .wrap(authz)
                    .route("/hello", routes!(get(public_hello)).into())
            ),
            "rbac" => serve!(
                addr,
                authz,
                App::new()
                    .wrap(authz)
                    .route("/hello", routes!(get(rbac_hello)).into())
            ),
            "condition" => serve!(
                addr,
                authz,
                App::new()
                    .wrap(authz)
                    .app_data(web::Data::new(Greetings))
                    .route("/hello/{id}", routes!(get(condition_hello)).into())
            ),
            other => Err(std::io::Error::other(format!("unknown mode `{other}`"))),
        }
    })
}
