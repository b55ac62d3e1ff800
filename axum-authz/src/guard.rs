//! [`AuthzService`]: the finished app. Before routing, it refuses any `(method, path)` that no
//! declaration covers: unknown paths get 404, undeclared methods 405 with `Allow`.
//!
//! ```
//! # use axum_authz::{authorize, routes, AuthzRouter};
//! # use authz_core::{Engine, EngineConfig, PolicySet};
//! use tower::ServiceExt;
//! #[authorize(public)]
//! async fn health() {}
//! # let engine = Engine::new(PolicySet::from_sources::<&str, &str>([]).unwrap(), EngineConfig::default());
//! # let resolver = |_: &http::request::Parts, _: &()| async { Ok::<_, axum_authz::BoxError>(None) };
//! let app = AuthzRouter::new(engine, resolver).route("/health", routes!(get(health)));
//! let app = app.into_service().unwrap();
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let req = http::Request::post("/health").body(axum::body::Body::empty()).unwrap();
//! let res = app.oneshot(req).await.unwrap();
//! assert_eq!(res.status(), 405);
//! assert_eq!(res.headers()["allow"], "GET,HEAD");
//! # });
//! ```

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::{Bytes, HttpBody};
use axum::response::Response;
use axum::routing::future::RouteFuture;
use axum::routing::IntoMakeService;
use axum::Router;
use http::{header, HeaderValue, Method, Request, StatusCode};
use pin_project_lite::pin_project;
use tower::Service;

use crate::coverage::RouteInfo;
use crate::problem::problem;
use crate::requirement::Requirement;

struct Allowed {
    /// `None`: every method (the fallback of a nested router).
    methods: Option<Vec<Method>>,
    allow: HeaderValue,
}

/// The pre-routing table: path templates and their declared methods.
pub(crate) struct Guard {
    /// Whether unmatched paths go to a declared fallback (else they get 404 here).
    fallback: bool,
    matcher: matchit::Router<usize>,
    paths: Vec<Allowed>,
}

impl Guard {
    /// `paths`: each template with its methods, `None` for every method.
    pub(crate) fn new<'a>(
        fallback: bool,
        paths: impl IntoIterator<Item = (&'a str, Option<Vec<Method>>)>,
    ) -> Result<Guard, Vec<String>> {
        let mut matcher = matchit::Router::new();
        let mut allowed = Vec::new();
        let mut problems = Vec::new();
        for (path, mut methods) in paths {
            if let Err(e) = matcher.insert(path, allowed.len()) {
                problems.push(format!("path `{path}`: {e}"));
                continue;
            }
            if let Some(methods) = &mut methods {
                if methods.contains(&Method::GET) && !methods.contains(&Method::HEAD) {
                    methods.push(Method::HEAD);
                }
            }
            let allow = methods
                .iter()
                .flatten()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(",");
            let allow = HeaderValue::from_str(&allow).unwrap_or(HeaderValue::from_static(""));
            allowed.push(Allowed { methods, allow });
        }
        if problems.is_empty() {
            Ok(Guard {
                fallback,
                matcher,
                paths: allowed,
            })
        } else {
            Err(problems)
        }
    }

    /// The refusal of `(method, path)`, or `None` when a declaration covers it.
    fn refusal(&self, method: &Method, path: &str) -> Option<Response> {
        let Some(allowed) = self
            .matcher
            .at(path)
            .ok()
            .and_then(|m| self.paths.get(*m.value))
        else {
            return (!self.fallback).then(|| problem(StatusCode::NOT_FOUND, None));
        };
        match &allowed.methods {
            None => return None,
            Some(methods) if methods.contains(method) => return None,
            Some(_) => {}
        }
        let mut res = problem(StatusCode::METHOD_NOT_ALLOWED, None);
        res.headers_mut()
            .insert(header::ALLOW, allowed.allow.clone());
        Some(res)
    }
}

/// The finished application: a tower [`Service`] for `axum::serve` (through
/// [`into_make_service`](Self::into_make_service)) or tests (`tower::ServiceExt::oneshot`).
///
/// It does not give access to the axum router inside, so no route can be added unchecked.
#[derive(Clone)]
pub struct AuthzService {
    router: Router,
    guard: Arc<Guard>,
    routes: Arc<[RouteInfo]>,
    fallback: Option<Requirement>,
    nested_fallbacks: Arc<[(String, Requirement)]>,
}

impl fmt::Debug for AuthzService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthzService")
            .field("routes", &self.routes)
            .field("fallback", &self.fallback)
            .field("nested_fallbacks", &self.nested_fallbacks)
            .finish_non_exhaustive()
    }
}

impl AuthzService {
    pub(crate) fn new(
        router: Router,
        guard: Guard,
        routes: Vec<RouteInfo>,
        fallback: Option<Requirement>,
        nested_fallbacks: Vec<(String, Requirement)>,
    ) -> Self {
        AuthzService {
            router,
            guard: Arc::new(guard),
            routes: routes.into(),
            fallback,
            nested_fallbacks: nested_fallbacks.into(),
        }
    }

    /// The requirement of the fallback, when one was declared.
    pub fn fallback(&self) -> Option<Requirement> {
        self.fallback
    }

    /// The fallbacks of nested routers: each full prefix (they get the unmatched paths under
    /// it, every method) with its requirement, in the order they were nested.
    pub fn nested_fallbacks(&self) -> &[(String, Requirement)] {
        &self.nested_fallbacks
    }

    /// Every declared route with its requirement, sorted by path.
    pub fn routes(&self) -> &[RouteInfo] {
        &self.routes
    }

    /// For `axum::serve(listener, app.into_make_service())`.
    pub fn into_make_service(self) -> IntoMakeService<Self> {
        axum::ServiceExt::<axum::extract::Request>::into_make_service(self)
    }
}

impl<B> Service<Request<B>> for AuthzService
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = GuardFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Service::<Request<B>>::poll_ready(&mut self.router, cx)
    }

    fn call(&mut self, req: Request<B>) -> GuardFuture {
        match self.guard.refusal(req.method(), req.uri().path()) {
            None => GuardFuture {
                kind: Kind::Route {
                    fut: self.router.call(req),
                },
            },
            Some(res) => GuardFuture {
                kind: Kind::Refused { res: Some(res) },
            },
        }
    }
}

pin_project! {
    /// Response future of [`AuthzService`].
    pub struct GuardFuture {
        #[pin]
        kind: Kind,
    }
}

pin_project! {
    #[project = KindProj]
    enum Kind {
        Route { #[pin] fut: RouteFuture<Infallible> },
        Refused { res: Option<Response> },
    }
}

impl fmt::Debug for GuardFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GuardFuture").finish_non_exhaustive()
    }
}

impl Future for GuardFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().kind.project() {
            KindProj::Route { fut } => fut.poll(cx),
            KindProj::Refused { res } => Poll::Ready(Ok(res
                .take()
                .unwrap_or_else(|| problem(StatusCode::INTERNAL_SERVER_ERROR, None)))),
        }
    }
}
