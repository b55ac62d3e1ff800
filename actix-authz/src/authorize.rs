//! [`Authorize`]: the app-wide middleware. It refuses unknown paths (404), and any request
//! that actix-web routes to something without a declaration, before that thing's extractors
//! and handler run.
//!
//! ```
//! use actix_web::{test, web, App};
//! use actix_authz::{authorize, routes, Authorize, BoxError};
//! use authz_core::{Engine, EngineConfig, PolicySet};
//!
//! #[authorize(public)]
//! async fn health() -> &'static str { "ok" }
//! async fn undeclared() -> &'static str { "never" }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let engine = Engine::new(PolicySet::from_sources::<&str, &str>([]).unwrap(), EngineConfig::default());
//! let resolver = |_: &actix_web::HttpRequest| async { Ok::<_, BoxError>(None) };
//! let app = test::init_service(
//!     App::new()
//!         .wrap(Authorize::new(engine, resolver))
//!         .route("/health", routes!(get(health)).into())
//!         .route("/raw", web::get().to(undeclared)),
//! )
//! .await;
//! let res = test::call_service(&app, test::TestRequest::get().uri("/health").to_request()).await;
//! assert_eq!(res.status(), 200);
//! // Undeclared: refused (as a service error carrying a 403 problem response).
//! let err = test::try_call_service(&app, test::TestRequest::get().uri("/raw").to_request()).await.unwrap_err();
//! assert_eq!(err.as_response_error().status_code(), 403);
//! let res = test::call_service(&app, test::TestRequest::get().uri("/nope").to_request()).await;
//! assert_eq!(res.status(), 404);
//! # });
//! ```

use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::StatusCode;
use actix_web::Error;
use authz_core::Engine;
use pin_project_lite::pin_project;

use crate::principal::{ErasedResolve, ResolvePrincipal};
use crate::probe;
use crate::problem::{Rejection, Undeclared};

/// What the checks of one worker share: the engine, the resolver, the options.
pub(crate) struct Settings {
    pub(crate) engine: Engine,
    pub(crate) resolver: Arc<dyn ErasedResolve>,
    pub(crate) decision_log_level: tracing::Level,
}

/// The middleware (a [`Transform`]) that every declared route needs, and that refuses
/// everything else. Cheap to clone; install it once, on the `App`, as the **first** `wrap`
/// (so that it is the innermost middleware, right around the router).
///
/// - An unknown path (no resource pattern matches it) gets a 404 problem response.
/// - A request routed to a route built with [`routes!`](crate::routes) is checked by that route
///   (principal, loader, engine) before its extractors and handler.
/// - A request routed to anything else (a handler registered with `.to(..)`, an actix-web
///   route macro, a raw service, a default service) is refused before it runs: the service
///   error carries a problem response with [`undeclared_status`](Self::undeclared_status)
///   (403 by default), and the route is logged.
#[derive(Clone)]
pub struct Authorize {
    engine: Engine,
    resolver: Arc<dyn ErasedResolve>,
    decision_log_level: tracing::Level,
    undeclared_status: StatusCode,
}

impl fmt::Debug for Authorize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorize")
            .field("decision_log_level", &self.decision_log_level)
            .field("undeclared_status", &self.undeclared_status)
            .finish_non_exhaustive()
    }
}

impl Authorize {
    /// Checks declared routes with `engine`, finding principals with `resolver`.
    pub fn new(engine: Engine, resolver: impl ResolvePrincipal) -> Self {
        Authorize {
            engine,
            resolver: Arc::new(resolver),
            decision_log_level: tracing::Level::INFO,
            undeclared_status: StatusCode::FORBIDDEN,
        }
    }

    /// The level of the one `tracing` event logged per decision. Default `INFO`.
    #[must_use]
    pub fn decision_log_level(mut self, level: tracing::Level) -> Self {
        self.decision_log_level = level;
        self
    }

    /// The status of the refusal of a request that reached no declared route. Default 403.
    #[must_use]
    pub fn undeclared_status(mut self, status: StatusCode) -> Self {
        self.undeclared_status = status;
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for Authorize
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = AuthorizeMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthorizeMiddleware {
            service,
            settings: Rc::new(Settings {
                engine: self.engine.clone(),
                resolver: Arc::clone(&self.resolver),
                decision_log_level: self.decision_log_level,
            }),
            undeclared_status: self.undeclared_status,
        }))
    }
}

/// The service of [`Authorize`], one per worker.
pub struct AuthorizeMiddleware<S> {
    service: S,
    settings: Rc<Settings>,
    undeclared_status: StatusCode,
}

impl<S> fmt::Debug for AuthorizeMiddleware<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeMiddleware")
            .field("undeclared_status", &self.undeclared_status)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for AuthorizeMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    B: MessageBody,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = AuthorizeFuture<S::Future, B>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // The raw path: a percent-encoded letter in a literal segment (`/h%65alth`) is an
        // unknown path, as in `axum-authz`, although actix-web's router would decode it.
        if !req.resource_map().has_resource(req.path()) {
            let res = req.into_response(Rejection::NotFound.response());
            return AuthorizeFuture::ready(Ok(res.map_into_right_body()));
        }
        // Only for the log of a refusal (the request itself goes to the router): the method
        // and the start of the path, copied without allocating.
        let method = req.method().clone();
        let path = PathHead::new(req.path());
        let armed = probe::arm(Rc::clone(&self.settings));
        let fut = self.service.call(req);
        if armed.disarm() {
            return AuthorizeFuture {
                kind: Kind::Routed { fut },
            };
        }
        // Nothing declared was reached: drop the un-polled future, so that neither the
        // extractors nor the handler of whatever was routed to ever run.
        drop(fut);
        tracing::error!(
            %method,
            path = %path,
            "request reached no declared route (a handler without `#[authorize]`, a raw service, a default service, or a declared route behind an asynchronous middleware); refusing"
        );
        AuthorizeFuture::ready(Err(Undeclared::new(self.undeclared_status).into()))
    }
}

/// The first bytes of a path, kept on the stack for a log line.
struct PathHead {
    bytes: [u8; PathHead::LEN],
    len: usize,
    cut: bool,
}

impl PathHead {
    const LEN: usize = 128;

    fn new(path: &str) -> Self {
        let len = path.len().min(Self::LEN);
        let mut bytes = [0; Self::LEN];
        bytes[..len].copy_from_slice(&path.as_bytes()[..len]);
        PathHead {
            bytes,
            len,
            cut: path.len() > len,
        }
    }
}

impl fmt::Display for PathHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.bytes[..self.len]))?;
        if self.cut {
            f.write_str("...")?;
        }
        Ok(())
    }
}

pin_project! {
    /// Response future of [`AuthorizeMiddleware`]: the routed future, or a refusal.
    pub struct AuthorizeFuture<F, B> {
        #[pin]
        kind: Kind<F, B>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F, B> {
        Routed { #[pin] fut: F },
        Ready { res: Option<Result<ServiceResponse<EitherBody<B>>, Error>> },
    }
}

impl<F, B> AuthorizeFuture<F, B> {
    fn ready(res: Result<ServiceResponse<EitherBody<B>>, Error>) -> Self {
        AuthorizeFuture {
            kind: Kind::Ready { res: Some(res) },
        }
    }
}

impl<F, B> fmt::Debug for AuthorizeFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizeFuture").finish_non_exhaustive()
    }
}

impl<F, B> Future for AuthorizeFuture<F, B>
where
    F: Future<Output = Result<ServiceResponse<B>, Error>>,
{
    type Output = Result<ServiceResponse<EitherBody<B>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Routed { fut } => fut.poll(cx).map_ok(ServiceResponse::map_into_left_body),
            KindProj::Ready { res } => Poll::Ready(
                res.take()
                    .unwrap_or_else(|| Err(Rejection::Internal.into())),
            ),
        }
    }
}
