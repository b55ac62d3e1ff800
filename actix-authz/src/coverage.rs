//! The route table of an [`AuthzRoutes`](crate::AuthzRoutes): every `(method, path)` with its
//! declared requirement, for start-up and CI checks.
//!
//! ```
//! use actix_authz::{authorize, routes, AuthzRoutes, Requirement};
//! #[authorize(public)]
//! async fn health() -> &'static str { "ok" }
//! let routes = AuthzRoutes::new().route("/health", routes!(get(health)));
//! let table = routes.routes();
//! assert_eq!((table[0].method.as_str(), table[0].path.as_str()), ("GET", "/health"));
//! assert_eq!(table[0].requirement, Requirement::Public);
//! ```

use actix_web::http::Method;

use crate::requirement::Requirement;

/// One declared route.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteInfo {
    /// The method (a `GET` route also answers `HEAD`; `*` for `any`).
    pub method: Method,
    /// The path template, `{param}` syntax, relative to where the routes are mounted.
    pub path: String,
    /// What the route requires.
    pub requirement: Requirement,
}
