//! The per-route check: a tower layer that resolves the principal, loads the resource, asks the
//! engine and only then calls the handler (and so its extractors).
//!
//! [`AuthzRouter`](crate::AuthzRouter) installs one [`CheckLayer`] on every method of every
//! route with `MethodRouter::route_layer`; it is not meant to be installed by hand.
//!
//! ```
//! # use axum_authz::{authorize, routes, AuthzRouter};
//! # use authz_core::{Engine, EngineConfig, PolicySet};
//! #[authorize(public)]
//! async fn health() -> &'static str { "ok" }
//! # let engine = Engine::new(PolicySet::from_sources::<&str, &str>([]).unwrap(), EngineConfig::default());
//! # let resolver = |_: &http::request::Parts, _: &()| async { Ok::<_, axum_authz::BoxError>(None) };
//! // every method of every route gets its own check, configured from its declaration
//! let app = AuthzRouter::new(engine, resolver).route("/health", routes!(get(health)));
//! # let _ = app.into_service().unwrap();
//! ```

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use authz_core::{AuxData, DecisionRef, Effect, Engine, Resource};
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{Method, StatusCode};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::extract::CurrentPrincipal;
use crate::principal::ErasedResolve;
use crate::problem::{problem, Rejection};
use crate::requirement::{Declaration, Requirement};

/// What a router was created with: the engine and the principal resolver.
pub(crate) struct Settings<S> {
    pub(crate) engine: Engine,
    pub(crate) resolver: Arc<dyn ErasedResolve<S>>,
}

/// Options of the finished app, shared by every check.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub(crate) decision_log_level: tracing::Level,
    pub(crate) undeclared_status: StatusCode,
}

/// The application state plus the app-wide options.
pub(crate) struct Shared<S> {
    pub(crate) state: S,
    pub(crate) options: Options,
}

struct Inner<S> {
    method: Option<Method>,
    /// The route template; `None` for the fallback.
    path: Option<Arc<str>>,
    declaration: Declaration<S>,
    settings: Arc<Settings<S>>,
    shared: Arc<Shared<S>>,
}

/// Layer checking one declared `(method, route)` before its handler. Cheap to clone.
pub struct CheckLayer<S> {
    inner: Arc<Inner<S>>,
}

impl<S> Clone for CheckLayer<S> {
    fn clone(&self) -> Self {
        CheckLayer {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<S> fmt::Debug for CheckLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckLayer")
            .field("method", &self.inner.method)
            .field("path", &self.inner.path)
            .field("requirement", &self.inner.declaration.requirement)
            .finish_non_exhaustive()
    }
}

impl<S> Inner<S> {
    /// The route, for logs.
    fn route(&self) -> &str {
        self.path.as_deref().unwrap_or("<fallback>")
    }
}

impl<S> CheckLayer<S> {
    pub(crate) fn new(
        method: Option<Method>,
        path: Option<Arc<str>>,
        declaration: Declaration<S>,
        settings: Arc<Settings<S>>,
        shared: Arc<Shared<S>>,
    ) -> Self {
        CheckLayer {
            inner: Arc::new(Inner {
                method,
                path,
                declaration,
                settings,
                shared,
            }),
        }
    }
}

impl<S, I> Layer<I> for CheckLayer<S> {
    type Service = Check<S, I>;

    fn layer(&self, inner: I) -> Self::Service {
        Check {
            layer: self.clone(),
            inner,
        }
    }
}

/// The service of [`CheckLayer`]: decides, then calls the route's handler or answers a denial.
pub struct Check<S, I> {
    layer: CheckLayer<S>,
    inner: I,
}

impl<S, I: Clone> Clone for Check<S, I> {
    fn clone(&self) -> Self {
        Check {
            layer: self.layer.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<S, I> fmt::Debug for Check<S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Check")
            .field("layer", &self.layer)
            .finish_non_exhaustive()
    }
}

impl<S, I> Service<Request> for Check<S, I>
where
    S: Send + Sync + 'static,
    I: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    I::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture<I::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The readied service is the one in `self`: keep it, leave a clone behind.
        let clone = self.inner.clone();
        let mut inner = mem::replace(&mut self.inner, clone);
        let c = &*self.layer.inner;
        let matched = req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        if matched != c.path.as_deref() {
            tracing::error!(
                method = %req.method(),
                path = req.uri().path(),
                matched = ?matched,
                declared = c.route(),
                "request reached a check declared for another route; refusing"
            );
            return ResponseFuture::ready(problem(c.shared.options.undeclared_status, None));
        }
        if c.declaration.requirement == Requirement::Public {
            return ResponseFuture {
                kind: Kind::Direct {
                    fut: inner.call(req),
                },
            };
        }
        let layer = self.layer.clone();
        ResponseFuture {
            kind: Kind::Checked {
                fut: Box::pin(async move {
                    let (mut parts, body) = req.into_parts();
                    if let Some(res) = layer.refusal(&mut parts).await {
                        return res;
                    }
                    match inner.call(Request::from_parts(parts, body)).await {
                        Ok(res) => res,
                        Err(never) => match never {},
                    }
                }),
            },
        }
    }
}

impl<S: Send + Sync + 'static> CheckLayer<S> {
    /// Resolves, loads and decides: the refusal, or `None` with the principal (and the loaded
    /// value) in `parts.extensions`.
    async fn refusal(&self, parts: &mut Parts) -> Option<Response> {
        let c = &*self.inner;
        let state = &c.shared.state;
        let Some((kind, action)) = c.declaration.requirement.action() else {
            // Public routes never get here; refuse rather than let anything through.
            return Some(Rejection::Internal.into_response());
        };
        let principal = match c.settings.resolver.resolve(parts, state).await {
            Ok(Some(p)) => p,
            Ok(None) => return Some(Rejection::Unauthenticated.into_response()),
            Err(error) => {
                tracing::error!(
                    method = %parts.method,
                    path = c.route(),
                    %error,
                    "principal resolver failed"
                );
                return Some(Rejection::Internal.into_response());
            }
        };
        let (resource, insert) = match (&c.declaration.requirement, c.declaration.loader) {
            (Requirement::Instance { id_param, .. }, Some(load)) => {
                let Some(id) = path_param(parts, id_param).await else {
                    tracing::error!(
                        method = %parts.method,
                        path = c.route(),
                        id_param,
                        "path parameter of the resource id is missing"
                    );
                    return Some(Rejection::Internal.into_response());
                };
                match load(state, id).await {
                    Ok(Some(loaded)) if loaded.resource.kind() == kind => {
                        (loaded.resource, Some(loaded.insert))
                    }
                    Ok(Some(loaded)) => {
                        tracing::error!(
                            declared = kind,
                            loaded = loaded.resource.kind(),
                            path = c.route(),
                            "loader returned a resource of another kind"
                        );
                        return Some(Rejection::Internal.into_response());
                    }
                    Ok(None) => return Some(Rejection::NotFound.into_response()),
                    Err(error) => {
                        tracing::error!(
                            method = %parts.method,
                            path = c.route(),
                            resource = kind,
                            %error,
                            "resource loader failed"
                        );
                        return Some(Rejection::Internal.into_response());
                    }
                }
            }
            _ => (Resource::new(kind, ""), None),
        };
        let request_id = parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let level = c.shared.options.decision_log_level;
        let allowed = c.settings.engine.decide_with(
            &principal,
            &resource,
            action,
            &AuxData::default(),
            |d| {
                log_decision(level, &principal, &resource, action, request_id, &d);
                d.effect == Effect::Allow
            },
        );
        if !allowed {
            return Some(Rejection::Forbidden.into_response());
        }
        parts.extensions.insert(CurrentPrincipal(principal));
        if let Some(insert) = insert {
            insert(&mut parts.extensions);
        }
        None
    }
}

async fn path_param(parts: &mut Parts, name: &str) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn log_decision(
    level: tracing::Level,
    principal: &authz_core::Principal,
    resource: &Resource,
    action: &str,
    request_id: &str,
    d: &DecisionRef<'_>,
) {
    macro_rules! emit {
        ($lvl:expr) => {
            tracing::event!(
                $lvl,
                principal = principal.id(),
                resource.kind = resource.kind(),
                resource.id = resource.id(),
                action,
                effect = d.effect.as_str(),
                policy = d.policy,
                rule = d.rule.unwrap_or(""),
                request_id,
                "authz decision"
            )
        };
    }
    match level {
        tracing::Level::ERROR => emit!(tracing::Level::ERROR),
        tracing::Level::WARN => emit!(tracing::Level::WARN),
        tracing::Level::INFO => emit!(tracing::Level::INFO),
        tracing::Level::DEBUG => emit!(tracing::Level::DEBUG),
        _ => emit!(tracing::Level::TRACE),
    }
}

pin_project! {
    /// Response future of [`Check`]. A public route polls the handler's future directly; a
    /// checked route runs resolve, load and decide in one boxed future (they are `async` user
    /// code behind trait objects, so that path allocates once per request).
    pub struct ResponseFuture<F> {
        #[pin]
        kind: Kind<F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<F> {
        Direct { #[pin] fut: F },
        Checked { fut: Pin<Box<dyn Future<Output = Response> + Send>> },
        Ready { res: Option<Response> },
    }
}

impl<F> ResponseFuture<F> {
    fn ready(res: Response) -> Self {
        ResponseFuture {
            kind: Kind::Ready { res: Some(res) },
        }
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Direct { fut } => fut.poll(cx),
            KindProj::Checked { fut } => fut.as_mut().poll(cx).map(Ok),
            KindProj::Ready { res } => match res.take() {
                Some(res) => Poll::Ready(Ok(res)),
                None => Poll::Ready(Ok(problem(StatusCode::INTERNAL_SERVER_ERROR, None))),
            },
        }
    }
}
