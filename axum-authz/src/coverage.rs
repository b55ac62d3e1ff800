//! The route table: every `(method, path)` of an app with its declared requirement, for
//! start-up and CI checks.
//!
//! ```
//! # use axum_authz::{authorize, routes, AuthzRouter, Requirement};
//! # use authz_core::{Engine, EngineConfig, PolicySet};
//! #[authorize(public)]
//! async fn health() {}
//! # let engine = Engine::new(PolicySet::from_sources::<&str, &str>([]).unwrap(), EngineConfig::default());
//! # let resolver = |_: &http::request::Parts, _: &()| async { Ok::<_, axum_authz::BoxError>(None) };
//! let app = AuthzRouter::new(engine, resolver).route("/health", routes!(get(health)));
//! let app = app.into_service().unwrap();
//! let route = &app.routes()[0];
//! assert_eq!((route.method.as_str(), route.path.as_str()), ("GET", "/health"));
//! assert_eq!(route.requirement, Requirement::Public);
//! ```

use authz_core::PolicySet;
use http::Method;

use crate::requirement::Requirement;

/// One declared route.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteInfo {
    /// The method (a `GET` route also answers `HEAD`).
    pub method: Method,
    /// The full path template, `{param}` syntax.
    pub path: String,
    /// What the route requires.
    pub requirement: Requirement,
}

/// The problem of a route whose `(resource, action)` is unknown to `policies`, if any
/// (the check shared with the other adapters).
pub(crate) fn unknown_action(
    method: &Method,
    path: &str,
    requirement: Requirement,
    policies: &PolicySet,
) -> Option<String> {
    authz_web::unknown_action(method.as_str(), path, requirement, policies)
}
