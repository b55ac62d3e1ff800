//! [`AuthzRoutes`]: declared routes with their paths, to register on an `App`, a `Scope` or a
//! `ServiceConfig` (it is an [`HttpServiceFactory`]), to list, and to check at start-up.
//!
//! ```
//! use actix_authz::{authorize, routes, AuthzRoutes};
//! #[authorize(public)]
//! async fn health() -> &'static str { "ok" }
//! #[authorize(resource = "expense", action = "list")]
//! async fn list() -> &'static str { "[]" }
//! let api = AuthzRoutes::new().route("/expenses", routes!(get(list)));
//! let all = AuthzRoutes::new().route("/health", routes!(get(health))).nest("/api", api);
//! assert!(all.check(None).is_ok());
//! assert_eq!(all.routes()[0].path, "/api/expenses"); // sorted by path
//! // App::new().wrap(Authorize::new(engine, resolver)).service(all)
//! ```

use std::fmt;

use actix_web::dev::{AppService, HttpServiceFactory};
use actix_web::http::Method;
use actix_web::web;
use authz_core::PolicySet;
use authz_web::{missing_id_param, unknown_action};

use crate::coverage::RouteInfo;
use crate::route::AuthzRoute;

/// Declared routes by path: [`route`](Self::route) adds the handlers of a path (built with
/// [`routes!`](crate::routes)), [`nest`](Self::nest) adds another `AuthzRoutes` under a
/// prefix. Registering it (`App::service`, `Scope::service`, `ServiceConfig::service`) adds
/// one actix-web resource per path; the handlers of a path declared in several calls are
/// merged into one resource.
///
/// Build it in a function: the `App` factory of `HttpServer::new` runs once per worker, and
/// the start-up checks ([`check`](Self::check), [`routes`](Self::routes)) want their own copy.
#[derive(Default)]
pub struct AuthzRoutes {
    paths: Vec<(String, AuthzRoute)>,
    problems: Vec<String>,
}

impl fmt::Debug for AuthzRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthzRoutes")
            .field("routes", &self.routes())
            .field("problems", &self.problems)
            .finish()
    }
}

impl AuthzRoutes {
    /// No routes.
    pub fn new() -> Self {
        AuthzRoutes::default()
    }

    /// Adds the handlers of `path` (an actix-web pattern: `/expenses/{id}`).
    #[must_use]
    pub fn route(mut self, path: &str, route: AuthzRoute) -> Self {
        if route.entries.is_empty() {
            self.problems
                .push(format!("{path}: `routes!` declared no method"));
        }
        match self.paths.iter_mut().find(|(p, _)| p == path) {
            Some((_, existing)) => existing.entries.extend(route.entries),
            None => self.paths.push((path.to_owned(), route)),
        }
        self
    }

    /// Adds every route of `other` under `prefix` (`/api` + `/expenses` = `/api/expenses`,
    /// `/api` + `/` = `/api`).
    #[must_use]
    pub fn nest(mut self, prefix: &str, other: AuthzRoutes) -> Self {
        if !prefix.starts_with('/') || prefix == "/" || prefix.contains(['{', '}', '*']) {
            self.problems.push(format!(
                "nest prefix `{prefix}` must start with `/`, not be `/` and have no parameters"
            ));
        }
        let prefix = prefix.trim_end_matches('/');
        self.problems.extend(other.problems);
        for (path, route) in other.paths {
            let full = if path == "/" {
                prefix.to_owned()
            } else {
                format!("{prefix}{path}")
            };
            self = self.route(&full, route);
        }
        self
    }

    /// Every declared route with its requirement, sorted by path (methods in declaration
    /// order).
    pub fn routes(&self) -> Vec<RouteInfo> {
        let mut paths: Vec<&(String, AuthzRoute)> = self.paths.iter().collect();
        paths.sort_by(|a, b| a.0.cmp(&b.0));
        paths
            .into_iter()
            .flat_map(|(path, route)| {
                route.entries.iter().map(move |e| RouteInfo {
                    method: e
                        .method
                        .clone()
                        .unwrap_or_else(|| Method::from_bytes(b"*").unwrap_or(Method::GET)),
                    path: path.clone(),
                    requirement: e.declaration.requirement,
                })
            })
            .collect()
    }

    /// Checks the table: paths start with `/`, no method is declared twice for a path, an
    /// instance-level route's path has its id parameter, and with `policies`, every declared
    /// `(resource, action)` is known to them.
    ///
    /// Registering does not check: call this at start-up (or in a test).
    ///
    /// # Errors
    /// Every problem found, one message each.
    pub fn check(&self, policies: Option<&PolicySet>) -> Result<(), RoutesError> {
        let mut problems = self.problems.clone();
        for (path, route) in &self.paths {
            if !path.starts_with('/') {
                problems.push(format!("path `{path}` must start with `/`"));
            }
            for (i, e) in route.entries.iter().enumerate() {
                let method = e.method.as_ref().map_or("*", Method::as_str);
                if route.entries[..i].iter().any(|o| o.method == e.method) {
                    problems.push(format!("{method} {path}: declared more than once"));
                }
                let requirement = e.declaration.requirement;
                problems.extend(missing_id_param(method, path, requirement));
                if let Some(policies) = policies {
                    problems.extend(unknown_action(method, path, requirement, policies));
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(RoutesError { problems })
        }
    }
}

impl HttpServiceFactory for AuthzRoutes {
    fn register(self, config: &mut AppService) {
        for (path, route) in self.paths {
            web::resource(path).route(route.into()).register(config);
        }
    }
}

/// Why [`AuthzRoutes::check`] failed: every problem found, one message each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutesError {
    problems: Vec<String>,
}

impl RoutesError {
    /// The problems.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for RoutesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid authz routes: {}", self.problems.join("; "))
    }
}

impl std::error::Error for RoutesError {}
