//! [`AuthzMethodRouter`]: the handlers of one path, one per method, each with its declaration.
//!
//! Built by [`routes!`](crate::routes) only, which refers to the companion that
//! `#[authorize]` emits next to each handler: a handler without `#[authorize]` does not compile.
//!
//! ```
//! use axum_authz::{authorize, routes, AuthzMethodRouter};
//! #[authorize(resource = "expense", action = "list")]
//! async fn list() {}
//! #[authorize(resource = "expense", action = "create")]
//! async fn create() {}
//! let r: AuthzMethodRouter = routes!(get(list), post(create));
//! assert_eq!(r.methods().collect::<Vec<_>>(), ["GET", "POST"]);
//! ```

use std::fmt;

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter};
use http::Method;
use tower::Layer;

use crate::check::CheckLayer;
use crate::requirement::{Declaration, Declared};

/// Builds the axum method router of one method once the check layer and the state are known.
///
/// The check wraps the handler's own service (`handler.with_state(state)`) rather than the boxed
/// route `MethodRouter::route_layer` would give it: axum clones the endpoint per request, and
/// a clone of the handler service allocates nothing where a clone of a route allocates.
pub(crate) type BuildFn<S> = Box<dyn FnOnce(CheckLayer<S>, S) -> MethodRouter<S> + Send>;

pub(crate) struct MethodEntry<S> {
    /// `None` for `any(handler)` (fallbacks).
    pub(crate) method: Option<Method>,
    pub(crate) declaration: Declaration<S>,
    pub(crate) build: BuildFn<S>,
}

/// The declared handlers of one path (`routes!(get(a), post(b))`), for
/// [`AuthzRouter::route`](crate::AuthzRouter::route).
pub struct AuthzMethodRouter<S = ()> {
    pub(crate) entries: Vec<MethodEntry<S>>,
}

impl<S> fmt::Debug for AuthzMethodRouter<S> {
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

impl<S> AuthzMethodRouter<S> {
    /// The declared methods, in declaration order (`*` for `any`).
    pub fn methods(&self) -> impl Iterator<Item = &str> {
        self.entries
            .iter()
            .map(|e| e.method.as_ref().map_or("*", Method::as_str))
    }
}

/// Adds `handler` for `method` with the declaration of its `#[authorize]` companion.
#[doc(hidden)]
pub fn on<S, D, H, T>(
    router: Option<AuthzMethodRouter<S>>,
    method: Method,
    declared: &D,
    handler: H,
) -> Option<AuthzMethodRouter<S>>
where
    S: Clone + Send + Sync + 'static,
    D: Declared<S>,
    H: Handler<T, S>,
    T: 'static,
{
    let mut router = router.unwrap_or(AuthzMethodRouter {
        entries: Vec::new(),
    });
    let filter = filter_of(&method);
    router.entries.push(MethodEntry {
        method: Some(method),
        declaration: declared.declaration(),
        build: Box::new(move |layer, state| {
            axum::routing::on_service(filter, layer.layer(handler.with_state(state)))
        }),
    });
    Some(router)
}

/// Adds `handler` for every method (`any(handler)`, for [`AuthzRouter::fallback`]).
///
/// [`AuthzRouter::fallback`]: crate::AuthzRouter::fallback
#[doc(hidden)]
pub fn on_any<S, D, H, T>(
    router: Option<AuthzMethodRouter<S>>,
    declared: &D,
    handler: H,
) -> Option<AuthzMethodRouter<S>>
where
    S: Clone + Send + Sync + 'static,
    D: Declared<S>,
    H: Handler<T, S>,
    T: 'static,
{
    let mut router = router.unwrap_or(AuthzMethodRouter {
        entries: Vec::new(),
    });
    router.entries.push(MethodEntry {
        method: None,
        declaration: declared.declaration(),
        build: Box::new(move |layer, state| {
            axum::routing::any_service(layer.layer(handler.with_state(state)))
        }),
    });
    Some(router)
}

/// Ends a `routes!` expansion.
#[doc(hidden)]
pub fn finish<S>(router: Option<AuthzMethodRouter<S>>) -> AuthzMethodRouter<S> {
    router.unwrap_or(AuthzMethodRouter {
        entries: Vec::new(),
    })
}

fn filter_of(method: &Method) -> MethodFilter {
    match *method {
        Method::GET => MethodFilter::GET,
        Method::HEAD => MethodFilter::HEAD,
        Method::POST => MethodFilter::POST,
        Method::PUT => MethodFilter::PUT,
        Method::DELETE => MethodFilter::DELETE,
        Method::PATCH => MethodFilter::PATCH,
        Method::OPTIONS => MethodFilter::OPTIONS,
        Method::TRACE => MethodFilter::TRACE,
        _ => MethodFilter::CONNECT,
    }
}
