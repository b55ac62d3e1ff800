//! The per-route check: a tower layer that resolves the principal, loads the resource, asks the
//! engine and only then calls the handler (and so its extractors).
//!
//! [`AuthzRouter`](crate::AuthzRouter) wraps the handler of every method of every route (and
//! of every fallback) in a [`Check`] of its own; it is not meant to be installed by hand.
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
use std::task::{ready, Context, Poll};

use authz_core::{Engine, Principal, Resource};
use authz_web::{authorize, BoxError, Exchange, Site};
use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{Extensions, Method, StatusCode};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::extract::{CurrentPrincipal, LazyPrincipal, LazyResolve, PlannedRows};
use crate::principal::{ErasedResolve, ResolveFuture, ResolvePrincipal};
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

/// Where a check is installed, which decides the `MatchedPath` it accepts.
#[derive(Debug, Clone)]
pub(crate) enum Mount {
    /// A declared route template.
    Route(Arc<str>),
    /// The app's fallback: axum sets no `MatchedPath` there.
    Fallback,
    /// The fallback of a router nested at `prefix`, routed as `prefix` (when that is no route)
    /// and as `tail` (`prefix/{*..}`).
    NestedFallback { prefix: Arc<str>, tail: Arc<str> },
}

impl Mount {
    /// Whether a request with `matched` as its `MatchedPath` was routed to this mount.
    fn accepts(&self, matched: Option<&str>) -> bool {
        match (self, matched) {
            (Mount::Route(t), Some(m)) => same_template(m, t),
            (Mount::Fallback, None) => true,
            (Mount::NestedFallback { prefix, tail }, Some(m)) => {
                same_template(m, prefix) || same_template(m, tail)
            }
            _ => false,
        }
    }

    /// The route, for logs.
    fn describe(&self) -> &str {
        match self {
            Mount::Route(t) => t,
            Mount::Fallback => "<fallback>",
            Mount::NestedFallback { tail, .. } => tail,
        }
    }
}

/// `matched` is `template`, or `template` behind the match of an outer axum router that mounted
/// the finished app (`nest_service("/v1", app)` makes it `/v1` + `template`).
fn same_template(matched: &str, template: &str) -> bool {
    matched == template
        || matched
            .strip_suffix(template)
            .is_some_and(|outer| outer.starts_with('/') && !outer.ends_with('/'))
}

/// Everything one check needs; shared by the clones of its layer and service.
pub(crate) struct RouteCheck<S> {
    method: Option<Method>,
    mount: Mount,
    declaration: Declaration<S>,
    /// The resource of a kind-level check (kind, empty id, no attributes), built once.
    kind_resource: Option<Resource>,
    settings: Arc<Settings<S>>,
    shared: Arc<Shared<S>>,
}

/// Layer checking one declared `(method, route)` before its handler. Cheap to clone.
pub struct CheckLayer<S> {
    inner: Arc<RouteCheck<S>>,
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
            .field("route", &self.inner.mount.describe())
            .field("requirement", &self.inner.declaration.requirement)
            .finish_non_exhaustive()
    }
}

impl<S> CheckLayer<S> {
    pub(crate) fn new(
        method: Option<Method>,
        mount: Mount,
        declaration: Declaration<S>,
        settings: Arc<Settings<S>>,
        shared: Arc<Shared<S>>,
    ) -> Self {
        let kind_resource = match declaration.requirement {
            Requirement::Kind { resource, .. } | Requirement::Filter { resource, .. } => {
                Some(Resource::new(resource, ""))
            }
            _ => None,
        };
        CheckLayer {
            inner: Arc::new(RouteCheck {
                method,
                mount,
                declaration,
                kind_resource,
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
    type Future = ResponseFuture<I, I::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let c = &self.layer.inner;
        let matched = req
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str);
        if !c.mount.accepts(matched) {
            tracing::error!(
                method = %req.method(),
                path = req.uri().path(),
                matched = ?matched,
                declared = c.mount.describe(),
                "request reached a check declared for another route; refusing"
            );
            return ResponseFuture::ready(problem(c.shared.options.undeclared_status, None));
        }
        if c.declaration.requirement == Requirement::Public {
            // No principal is resolved unless the handler asks for `Option<CurrentPrincipal>`.
            let lazy: Arc<dyn LazyResolve> = Arc::clone(c) as _;
            req.extensions_mut().insert(LazyPrincipal(lazy));
            return ResponseFuture {
                kind: Kind::Handler {
                    fut: self.inner.call(req),
                },
            };
        }
        // The readied service is the one in `self`: keep it for after the decision, leave a
        // clone behind.
        let clone = self.inner.clone();
        let inner = mem::replace(&mut self.inner, clone);
        let (parts, body) = req.into_parts();
        let check = Arc::clone(&c.settings.resolver).check(Arc::clone(c), parts);
        ResponseFuture {
            kind: Kind::Checking {
                check,
                body: Some(body),
                inner: Some(inner),
            },
        }
    }
}

/// The boxed future of a check: the request's parts back (principal and loaded value in their
/// extensions) when allowed, the refusal otherwise.
pub(crate) type CheckFuture = Pin<Box<dyn Future<Output = Result<Parts, Response>> + Send>>;

/// The check of `route` with the resolver `resolver` (the concrete type behind
/// [`ErasedResolve`]), as one boxed future: the resolver's future is not boxed again.
pub(crate) fn check_future<S, R>(
    resolver: Arc<R>,
    route: Arc<RouteCheck<S>>,
    mut parts: Parts,
) -> CheckFuture
where
    S: Send + Sync + 'static,
    R: ResolvePrincipal<S>,
{
    Box::pin(async move {
        match route.refusal(&*resolver, &mut parts).await {
            None => Ok(parts),
            Some(res) => Err(res),
        }
    })
}

impl<S: Send + Sync + 'static> RouteCheck<S> {
    /// Resolves, loads and decides with the flow shared by the adapters
    /// ([`authz_web::authorize`]): the refusal, or `None` with the principal (and the loaded
    /// value, or a list's plan) in `parts.extensions`.
    async fn refusal<R: ResolvePrincipal<S>>(
        &self,
        resolver: &R,
        parts: &mut Parts,
    ) -> Option<Response> {
        let method = parts.method.clone();
        let site = Site {
            engine: &self.settings.engine,
            requirement: self.declaration.requirement,
            kind_resource: self.kind_resource.as_ref(),
            method: method.as_str(),
            route: self.mount.describe(),
            log_level: self.shared.options.decision_log_level,
        };
        let mut ex = AxumExchange {
            check: self,
            resolver,
            parts,
        };
        match authorize(&site, &mut ex).await {
            Ok(granted) => {
                let (principal, value) = (granted.principal, granted.value);
                ex.parts.extensions.insert(CurrentPrincipal(principal));
                if let Some(insert) = value {
                    insert(&mut ex.parts.extensions);
                }
                if let Some(rows) = granted.rows {
                    ex.parts.extensions.insert(PlannedRows(rows));
                }
                None
            }
            Err(denial) => Some(Rejection::from(denial).into_response()),
        }
    }
}

/// One request of a checked route, for the shared flow.
struct AxumExchange<'a, S, R> {
    check: &'a RouteCheck<S>,
    resolver: &'a R,
    parts: &'a mut Parts,
}

impl<S: Send + Sync + 'static, R: ResolvePrincipal<S>> Exchange for AxumExchange<'_, S, R> {
    type Value = Box<dyn FnOnce(&mut Extensions) + Send>;

    async fn principal(&mut self) -> Result<Option<Principal>, BoxError> {
        self.resolver
            .resolve(self.parts, &self.check.shared.state)
            .await
    }

    async fn path_param(&mut self, name: &str) -> Option<String> {
        path_param(self.parts, name).await
    }

    async fn load(&mut self, id: String) -> Result<Option<(Resource, Self::Value)>, BoxError> {
        let Some(load) = self.check.declaration.loader else {
            return Err("instance-level route without a loader".into());
        };
        Ok(load(&self.check.shared.state, id)
            .await?
            .map(|l| (l.resource, l.insert)))
    }

    fn request_id(&self) -> &str {
        self.parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

impl<S: Send + Sync + 'static> LazyResolve for RouteCheck<S> {
    fn resolve<'a>(&'a self, parts: &'a mut Parts) -> ResolveFuture<'a> {
        self.settings.resolver.resolve(parts, &self.shared.state)
    }

    fn route(&self) -> &str {
        self.mount.describe()
    }
}

async fn path_param(parts: &mut Parts, name: &str) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pin_project! {
    /// Response future of [`Check`]: a public route polls the handler's future directly; a
    /// checked route first polls its check (resolve, load, decide: user `async` code behind
    /// trait objects, so one allocation per request), then calls the handler with the service
    /// `poll_ready` was called on.
    pub struct ResponseFuture<I, F> {
        #[pin]
        kind: Kind<I, F>,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind<I, F> {
        Checking { check: CheckFuture, body: Option<Body>, inner: Option<I> },
        Handler { #[pin] fut: F },
        Ready { res: Option<Response> },
    }
}

impl<I, F> ResponseFuture<I, F> {
    fn ready(res: Response) -> Self {
        ResponseFuture {
            kind: Kind::Ready { res: Some(res) },
        }
    }
}

impl<I, F> fmt::Debug for ResponseFuture<I, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<I, F> Future for ResponseFuture<I, F>
where
    I: Service<Request, Response = Response, Error = Infallible, Future = F>,
    F: Future<Output = Result<Response, Infallible>>,
{
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let mut this = self.as_mut().project();
            let next = match this.kind.as_mut().project() {
                KindProj::Handler { fut } => return fut.poll(cx),
                KindProj::Ready { res } => {
                    return Poll::Ready(Ok(res
                        .take()
                        .unwrap_or_else(|| problem(StatusCode::INTERNAL_SERVER_ERROR, None))))
                }
                KindProj::Checking { check, body, inner } => {
                    let parts = match ready!(check.as_mut().poll(cx)) {
                        Ok(parts) => parts,
                        Err(refusal) => return Poll::Ready(Ok(refusal)),
                    };
                    match (body.take(), inner.take()) {
                        (Some(body), Some(mut inner)) => Kind::Handler {
                            fut: inner.call(Request::from_parts(parts, body)),
                        },
                        // Polled again after handing over: nothing to run.
                        _ => Kind::Ready {
                            res: Some(problem(StatusCode::INTERNAL_SERVER_ERROR, None)),
                        },
                    }
                }
            };
            this.kind.set(next);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_route_accepts_its_template_alone_or_behind_an_outer_match() {
        let route = Mount::Route(Arc::from("/expenses/{id}"));
        assert!(route.accepts(Some("/expenses/{id}")));
        // `nest_service("/v1", app)` and `route_service("/x", app)` in an outer axum router.
        assert!(route.accepts(Some("/v1/expenses/{id}")));
        assert!(route.accepts(Some("/a/{b}/expenses/{id}")));
        for other in [
            None,
            Some("/expenses"),
            Some("/expenses/{id}/x"),
            Some("x/expenses/{id}"),
            Some("/v1//expenses/{id}"),
            Some("/v1/"),
        ] {
            assert!(!route.accepts(other), "{other:?}");
        }
        assert!(!Mount::Route(Arc::from("/b")).accepts(Some("/ab")));
    }

    #[test]
    fn fallbacks_accept_only_their_own_routing() {
        assert!(Mount::Fallback.accepts(None));
        assert!(!Mount::Fallback.accepts(Some("/expenses")));
        let nested = Mount::NestedFallback {
            prefix: Arc::from("/sub"),
            tail: Arc::from("/sub/{*__authz_rest}"),
        };
        assert!(nested.accepts(Some("/sub")));
        assert!(nested.accepts(Some("/sub/{*__authz_rest}")));
        assert!(nested.accepts(Some("/v1/sub/{*__authz_rest}")));
        assert!(!nested.accepts(None));
        assert!(!nested.accepts(Some("/sub/items")));
    }
}
