//! [`AuthzRoute`]: the declared handlers of one path, one per method, built by
//! [`routes!`](crate::routes). As an actix-web `Route` it has no guard: it takes every method,
//! answers 405 (with `Allow`) for undeclared ones, and checks declared ones before their
//! extractors.
//!
//! ```
//! use actix_authz::{authorize, routes, AuthzRoute};
//! #[authorize(resource = "expense", action = "list")]
//! async fn list() -> &'static str { "[]" }
//! #[authorize(resource = "expense", action = "create")]
//! async fn create() -> &'static str { "{}" }
//! let r: AuthzRoute = routes!(get(list), post(create));
//! assert_eq!(r.methods().collect::<Vec<_>>(), ["GET", "POST"]);
//! let _: actix_web::Route = r.into();
//! ```

use std::fmt;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;

use actix_web::dev::{always_ready, Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{Error, FromRequest, Handler, HttpResponse, Responder};
use authz_core::Resource;

use crate::check::{check, Ctx};
use crate::probe;
use crate::problem::{problem, Rejection};
use crate::requirement::{Declaration, Declared, Requirement};

type BoxFuture = Pin<Box<dyn Future<Output = Result<ServiceResponse, Error>>>>;

/// A handler with its extractors, erased: check (unless public), extract, call, respond.
type Call = Rc<dyn Fn(Ctx, ServiceRequest) -> BoxFuture>;

pub(crate) struct Entry {
    /// `None` for `any(handler)`.
    pub(crate) method: Option<Method>,
    pub(crate) declaration: Declaration,
    /// The resource of a kind-level check, built once.
    kind_resource: Option<Rc<Resource>>,
    call: Call,
}

/// The declared handlers of one path (`routes!(get(a), post(b))`). Register it with
/// [`AuthzRoutes::route`](crate::AuthzRoutes::route), or turn it into an actix-web
/// [`Route`](actix_web::Route) with `.into()` for `web::resource(..).route(..)`,
/// `App::route`, `Scope::route` or `ServiceConfig::route`.
pub struct AuthzRoute {
    pub(crate) entries: Vec<Entry>,
}

impl fmt::Debug for AuthzRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.entries
                    .iter()
                    .map(|e| (e.method.as_ref(), e.declaration.requirement)),
            )
            .finish()
    }
}

impl AuthzRoute {
    /// The declared methods, in declaration order (`*` for `any`).
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .map(|e| e.method.as_ref().map_or("*", Method::as_str))
    }
}

impl From<AuthzRoute> for actix_web::Route {
    fn from(route: AuthzRoute) -> Self {
        actix_web::Route::new().service(RouteFactory {
            table: Rc::new(Table::new(route.entries)),
        })
    }
}

struct Table {
    entries: Vec<Entry>,
    /// The `Allow` header of a 405: the declared methods, plus `HEAD` when `GET` serves it.
    allow: HeaderValue,
}

impl Table {
    fn new(entries: Vec<Entry>) -> Table {
        let mut methods: Vec<&str> = entries
            .iter()
            .filter_map(|e| e.method.as_ref().map(Method::as_str))
            .collect();
        if methods.contains(&"GET") && !methods.contains(&"HEAD") {
            methods.push("HEAD");
        }
        let allow = HeaderValue::from_str(&methods.join(","))
            .unwrap_or_else(|_| HeaderValue::from_static(""));
        Table { entries, allow }
    }

    /// The entry for `method`: an exact one, else `GET` for `HEAD`, else `any`.
    fn find(&self, method: &Method) -> Option<&Entry> {
        let exact = |m: &Method| self.entries.iter().find(|e| e.method.as_ref() == Some(m));
        exact(method)
            .or_else(|| {
                (*method == Method::HEAD)
                    .then(|| exact(&Method::GET))
                    .flatten()
            })
            .or_else(|| self.entries.iter().find(|e| e.method.is_none()))
    }
}

struct RouteFactory {
    table: Rc<Table>,
}

impl ServiceFactory<ServiceRequest> for RouteFactory {
    type Response = ServiceResponse;
    type Error = Error;
    type Config = ();
    type Service = RouteService;
    type InitError = ();
    type Future = Ready<Result<RouteService, ()>>;

    fn new_service(&self, _: ()) -> Self::Future {
        ready(Ok(RouteService {
            table: Rc::clone(&self.table),
        }))
    }
}

struct RouteService {
    table: Rc<Table>,
}

impl Service<ServiceRequest> for RouteService {
    type Response = ServiceResponse;
    type Error = Error;
    type Future = BoxFuture;

    always_ready!();

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // Synchronously, inside `Authorize`'s call: mark its probe.
        let Some(settings) = probe::reach() else {
            tracing::error!(
                method = %req.method(),
                path = req.path(),
                "a declared route was reached without `Authorize` around it (not installed, or an asynchronous middleware sits in between); refusing"
            );
            return Box::pin(ready(Ok(req.into_response(Rejection::Internal.response()))));
        };
        let Some(entry) = self.table.find(req.method()) else {
            let mut res = problem(StatusCode::METHOD_NOT_ALLOWED, None);
            res.headers_mut()
                .insert(header::ALLOW, self.table.allow.clone());
            return Box::pin(ready(Ok(req.into_response(res))));
        };
        (entry.call)(
            Ctx {
                settings,
                declaration: entry.declaration,
                kind_resource: entry.kind_resource.clone(),
            },
            req,
        )
    }
}

fn entry<H, Args>(method: Option<Method>, declaration: Declaration, handler: H) -> Entry
where
    H: Handler<Args>,
    Args: FromRequest + 'static,
    H::Output: Responder + 'static,
{
    let call: Call = Rc::new(move |ctx: Ctx, sreq: ServiceRequest| {
        let handler = handler.clone();
        Box::pin(async move {
            let (req, mut payload) = sreq.into_parts();
            if ctx.declaration.requirement != Requirement::Public {
                if let Err(res) = check(&ctx, &req).await {
                    return Ok(ServiceResponse::new(req, res));
                }
            }
            // As actix-web's own handler service does, once the check let the request in.
            let res = match Args::from_request(&req, &mut payload).await {
                Err(err) => HttpResponse::from_error(err),
                Ok(args) => handler
                    .call(args)
                    .await
                    .respond_to(&req)
                    .map_into_boxed_body(),
            };
            Ok(ServiceResponse::new(req, res))
        })
    });
    let kind_resource = match declaration.requirement {
        Requirement::Kind { resource, .. } | Requirement::Filter { resource, .. } => {
            Some(Rc::new(Resource::new(resource, "")))
        }
        _ => None,
    };
    Entry {
        method,
        declaration,
        kind_resource,
        call,
    }
}

/// Adds `handler` for `method` with the declaration of its `#[authorize]` companion.
#[doc(hidden)]
pub fn on<D, H, Args>(
    route: Option<AuthzRoute>,
    method: Method,
    declared: &D,
    handler: H,
) -> Option<AuthzRoute>
where
    D: Declared,
    H: Handler<Args>,
    Args: FromRequest + 'static,
    H::Output: Responder + 'static,
{
    let mut route = route.unwrap_or(AuthzRoute {
        entries: Vec::new(),
    });
    route
        .entries
        .push(entry(Some(method), declared.declaration(), handler));
    Some(route)
}

/// Adds `handler` for every method (`any(handler)`).
#[doc(hidden)]
pub fn on_any<D, H, Args>(route: Option<AuthzRoute>, declared: &D, handler: H) -> Option<AuthzRoute>
where
    D: Declared,
    H: Handler<Args>,
    Args: FromRequest + 'static,
    H::Output: Responder + 'static,
{
    let mut route = route.unwrap_or(AuthzRoute {
        entries: Vec::new(),
    });
    route
        .entries
        .push(entry(None, declared.declaration(), handler));
    Some(route)
}

/// Ends a `routes!` expansion.
#[doc(hidden)]
pub fn finish(route: Option<AuthzRoute>) -> AuthzRoute {
    route.unwrap_or(AuthzRoute {
        entries: Vec::new(),
    })
}
