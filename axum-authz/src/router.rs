//! [`AuthzRouter`]: the only way to register routes, so every route has a declaration.
//!
//! ```
//! # use axum_authz::{authorize, routes, AuthzRouter};
//! # use authz_core::{Engine, EngineConfig, PolicySet};
//! #[authorize(public)]
//! async fn health() {}
//! #[authorize(resource = "expense", action = "list")]
//! async fn list() {}
//! # let engine = Engine::new(PolicySet::from_sources::<&str, &str>([]).unwrap(), EngineConfig::default());
//! # let resolver = |_: &http::request::Parts, _: &()| async { Ok::<_, axum_authz::BoxError>(None) };
//! let api = AuthzRouter::new(engine.clone(), resolver).route("/expenses", routes!(get(list)));
//! let app = AuthzRouter::new(engine, resolver)
//!     .route("/health", routes!(get(health)))
//!     .nest("/api", api)
//!     .into_service()
//!     .unwrap();
//! assert_eq!(app.routes().len(), 2);
//! assert_eq!(app.routes()[0].path, "/api/expenses"); // sorted by path
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use authz_core::{Engine, PolicySet};
use axum::extract::Request;
use axum::routing::MethodRouter;
use http::{Method, StatusCode};

use crate::check::{CheckLayer, Mount, Options, Settings, Shared};
use crate::coverage::{unknown_action, RouteInfo};
use crate::guard::{AuthzService, Guard};
use crate::method_router::{AuthzMethodRouter, BuildFn};
use crate::principal::ResolvePrincipal;
use crate::problem::problem;
use crate::requirement::{Declaration, Requirement};

struct FallbackEntry<S> {
    declaration: Declaration<S>,
    settings: Arc<Settings<S>>,
    build: BuildFn<S>,
}

/// The fallback of a router nested at `prefix` (the full prefix, after every `nest`).
struct NestedFallback<S> {
    prefix: String,
    entry: FallbackEntry<S>,
}

/// The name of the catch-all parameter of a nested fallback's route, `prefix/{*__authz_rest}`.
const REST_PARAM: &str = "__authz_rest";

struct Pending<S> {
    path: String,
    method: Method,
    declaration: Declaration<S>,
    settings: Arc<Settings<S>>,
    build: BuildFn<S>,
}

/// A router whose routes all carry an `#[authorize]` declaration.
///
/// Routes are added with [`route`](Self::route) and [`routes!`](crate::routes), routers are
/// combined with [`merge`](Self::merge) and [`nest`](Self::nest) (only `AuthzRouter`s), and
/// [`into_service`](Self::into_service) finishes into an [`AuthzService`], to which nothing
/// can be added. Each route is checked with the engine and resolver of the router it was
/// declared on; the options (`strict_actions`, log level, undeclared status) of the router
/// that is finished apply to all routes.
pub struct AuthzRouter<S = ()> {
    settings: Arc<Settings<S>>,
    routes: Vec<Pending<S>>,
    fallback: Option<FallbackEntry<S>>,
    nested_fallbacks: Vec<NestedFallback<S>>,
    problems: Vec<String>,
    options: Options,
    strict_actions: bool,
}

impl<S> fmt::Debug for AuthzRouter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthzRouter")
            .field(
                "routes",
                &self
                    .routes
                    .iter()
                    .map(|r| (&r.method, &r.path, r.declaration.requirement))
                    .collect::<Vec<_>>(),
            )
            .field("options", &self.options)
            .field("strict_actions", &self.strict_actions)
            .finish_non_exhaustive()
    }
}

impl<S> AuthzRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// An empty router checking with `engine`, finding principals with `resolver`.
    pub fn new(engine: Engine, resolver: impl ResolvePrincipal<S>) -> Self {
        AuthzRouter {
            settings: Arc::new(Settings {
                engine,
                resolver: Arc::new(resolver),
            }),
            routes: Vec::new(),
            fallback: None,
            nested_fallbacks: Vec::new(),
            problems: Vec::new(),
            options: Options {
                decision_log_level: tracing::Level::INFO,
                undeclared_status: StatusCode::FORBIDDEN,
            },
            strict_actions: false,
        }
    }

    /// Adds the handlers of `path` (built with [`routes!`](crate::routes)).
    ///
    /// Problems (a method declared twice for a path, a bad path) are reported by
    /// [`into_service`](Self::into_service).
    #[must_use]
    pub fn route(mut self, path: &str, methods: AuthzMethodRouter<S>) -> Self {
        if methods.entries.is_empty() {
            self.problems
                .push(format!("{path}: `routes!` declared no method"));
        }
        for e in methods.entries {
            let Some(method) = e.method else {
                self.problems.push(format!(
                    "{path}: `any(..)` is only for `fallback`; list the methods"
                ));
                continue;
            };
            self.routes.push(Pending {
                path: path.to_owned(),
                method,
                declaration: e.declaration,
                settings: Arc::clone(&self.settings),
                build: e.build,
            });
        }
        self
    }

    /// Sets the handler of requests no route matches: `.fallback(routes!(any(not_found)))`.
    /// Its `#[authorize]` must be `public` or kind-level (a fallback has no path parameters).
    /// Without a fallback, unknown paths get a 404 problem response before routing.
    ///
    /// When this router is [nested](Self::nest) at a prefix, its fallback gets the unmatched
    /// paths under the prefix (the prefix itself and `prefix/...`), as with `axum::Router::nest`;
    /// it is routed as `prefix/{*__authz_rest}`, so a route with a catch-all at the same place
    /// is a conflict reported by `into_service`.
    #[must_use]
    pub fn fallback(mut self, handler: AuthzMethodRouter<S>) -> Self {
        let mut entries = handler.entries.into_iter();
        match (entries.next(), entries.next()) {
            (Some(e), None) if e.method.is_none() => {
                if let Requirement::Instance { .. } = e.declaration.requirement {
                    self.problems.push(
                        "fallback: a fallback has no path parameters, so it cannot have an instance-level check".to_owned(),
                    );
                }
                self.set_fallback(FallbackEntry {
                    declaration: e.declaration,
                    settings: Arc::clone(&self.settings),
                    build: e.build,
                });
            }
            _ => self
                .problems
                .push("fallback: expected `routes!(any(handler))`".to_owned()),
        }
        self
    }

    fn set_fallback(&mut self, fallback: FallbackEntry<S>) {
        if self.fallback.is_some() {
            self.problems
                .push("fallback: declared more than once".to_owned());
        } else {
            self.fallback = Some(fallback);
        }
    }

    /// Adds every route of `other` (which keeps its engine and resolver).
    #[must_use]
    pub fn merge(mut self, other: AuthzRouter<S>) -> Self {
        self.routes.extend(other.routes);
        self.nested_fallbacks.extend(other.nested_fallbacks);
        self.problems.extend(other.problems);
        if let Some(f) = other.fallback {
            self.set_fallback(f);
        }
        self
    }

    /// Adds every route of `other` under `prefix` (`/api` + `/expenses` = `/api/expenses`,
    /// `/api` + `/` = `/api`). Unlike `axum::Router::nest`, the prefix is not stripped from the
    /// URI the handler sees. A [fallback](Self::fallback) of `other` gets the unmatched paths
    /// under `prefix`.
    #[must_use]
    pub fn nest(mut self, prefix: &str, other: AuthzRouter<S>) -> Self {
        if !prefix.starts_with('/') || prefix == "/" || prefix.contains(['{', '}', '*']) {
            self.problems.push(format!(
                "nest prefix `{prefix}` must start with `/`, not be `/` and have no parameters"
            ));
        }
        let prefix = prefix.trim_end_matches('/');
        for mut r in other.routes {
            r.path = if r.path == "/" {
                prefix.to_owned()
            } else {
                format!("{prefix}{}", r.path)
            };
            self.routes.push(r);
        }
        self.problems.extend(other.problems);
        if let Some(entry) = other.fallback {
            self.nested_fallbacks.push(NestedFallback {
                prefix: prefix.to_owned(),
                entry,
            });
        }
        for mut f in other.nested_fallbacks {
            f.prefix = format!("{prefix}{}", f.prefix);
            self.nested_fallbacks.push(f);
        }
        self
    }

    /// With `true`, [`into_service`](Self::into_service) fails when a route declares a
    /// `(resource, action)` that no policy of its engine knows. Default `false`.
    #[must_use]
    pub fn strict_actions(mut self, strict: bool) -> Self {
        self.strict_actions = strict;
        self
    }

    /// The level of the one `tracing` event logged per decision. Default `INFO`.
    #[must_use]
    pub fn decision_log_level(mut self, level: tracing::Level) -> Self {
        self.options.decision_log_level = level;
        self
    }

    /// The status answered when a request reaches a route without a declaration (which the
    /// builder makes impossible; this is the last line of defence). Default 403.
    #[must_use]
    pub fn undeclared_status(mut self, status: StatusCode) -> Self {
        self.options.undeclared_status = status;
        self
    }

    /// Every declared `(resource, action)` that `policies` does not know, one message each.
    ///
    /// # Errors
    /// The messages, when there is at least one.
    pub fn check_actions(&self, policies: &PolicySet) -> Result<(), Vec<String>> {
        let fallback = self.fallback.iter().map(|f| {
            (
                &Method::GET,
                "<fallback>".to_owned(),
                f.declaration.requirement,
            )
        });
        let nested = self.nested_fallbacks.iter().map(|f| {
            (
                &Method::GET,
                format!("{}/* (fallback)", f.prefix),
                f.entry.declaration.requirement,
            )
        });
        let problems: Vec<String> = self
            .routes
            .iter()
            .map(|r| (&r.method, r.path.clone(), r.declaration.requirement))
            .chain(fallback)
            .chain(nested)
            .filter_map(|(m, p, r)| unknown_action(m, &p, r, policies))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// Gives the router its state; finish with [`ReadyRouter::into_service`].
    pub fn with_state(self, state: S) -> ReadyRouter<S> {
        ReadyRouter {
            router: self,
            state,
        }
    }

    fn finish(self, state: S) -> Result<AuthzService, RouterError> {
        let mut problems = self.problems;
        let mut by_path: BTreeMap<String, Vec<Pending<S>>> = BTreeMap::new();
        for r in self.routes {
            by_path.entry(r.path.clone()).or_default().push(r);
        }
        let mut infos = Vec::new();
        for (path, routes) in &by_path {
            if let Err(p) = validate_path(path) {
                problems.push(p);
            }
            for (i, r) in routes.iter().enumerate() {
                if routes[..i].iter().any(|o| o.method == r.method) {
                    problems.push(format!("{} {path}: declared more than once", r.method));
                }
                if let Requirement::Instance { id_param, .. } = r.declaration.requirement {
                    if !path.contains(&format!("{{{id_param}}}")) {
                        problems.push(format!(
                            "{} {path}: the resource id comes from path parameter `{id_param}`, which the path does not have",
                            r.method
                        ));
                    }
                }
                if self.strict_actions {
                    problems.extend(unknown_action(
                        &r.method,
                        path,
                        r.declaration.requirement,
                        &r.settings.engine.policies(),
                    ));
                }
                infos.push(RouteInfo {
                    method: r.method.clone(),
                    path: path.clone(),
                    requirement: r.declaration.requirement,
                });
            }
        }
        if let (true, Some(f)) = (self.strict_actions, &self.fallback) {
            problems.extend(unknown_action(
                &Method::GET,
                "<fallback>",
                f.declaration.requirement,
                &f.settings.engine.policies(),
            ));
        }
        // Each nested fallback: its prefix, its catch-all route, and whether it also serves the
        // prefix itself (when no route is declared there).
        let mut nested = Vec::new();
        for (i, f) in self.nested_fallbacks.iter().enumerate() {
            if self.nested_fallbacks[..i]
                .iter()
                .any(|o| o.prefix == f.prefix)
            {
                problems.push(format!(
                    "nest `{}`: two nested routers with a fallback at the same prefix",
                    f.prefix
                ));
            }
            if self.strict_actions {
                problems.extend(unknown_action(
                    &Method::GET,
                    &format!("{}/* (fallback)", f.prefix),
                    f.entry.declaration.requirement,
                    &f.entry.settings.engine.policies(),
                ));
            }
            let tail = format!("{}/{{*{REST_PARAM}}}", f.prefix);
            let serves_prefix = !by_path.contains_key(&f.prefix);
            nested.push((tail, serves_prefix));
        }
        let nested_paths =
            self.nested_fallbacks
                .iter()
                .zip(&nested)
                .flat_map(|(f, (tail, serves_prefix))| {
                    let prefix = serves_prefix.then_some((f.prefix.as_str(), None));
                    [Some((tail.as_str(), None)), prefix].into_iter().flatten()
                });
        let guard = Guard::new(
            self.fallback.is_some(),
            by_path
                .iter()
                .map(|(p, rs)| {
                    (
                        p.as_str(),
                        Some(rs.iter().map(|r| r.method.clone()).collect()),
                    )
                })
                .chain(nested_paths),
        );
        let guard = match guard {
            Ok(g) => g,
            Err(mut e) => {
                problems.append(&mut e);
                return Err(RouterError { problems });
            }
        };
        if !problems.is_empty() {
            return Err(RouterError { problems });
        }

        let options = self.options;
        let shared = Arc::new(Shared {
            state: state.clone(),
            options,
        });
        let mut router = axum::Router::<S>::new();
        for (path, routes) in by_path {
            let template: Arc<str> = Arc::from(path.as_str());
            let mut methods: Option<MethodRouter<S>> = None;
            for r in routes {
                let layer = CheckLayer::new(
                    Some(r.method),
                    Mount::Route(Arc::clone(&template)),
                    r.declaration,
                    r.settings,
                    Arc::clone(&shared),
                );
                let built = (r.build)(layer, state.clone());
                methods = Some(match methods {
                    None => built,
                    Some(m) => m.merge(built),
                });
            }
            if let Some(m) = methods {
                router = router.route(&path, m);
            }
        }
        let mut nested_infos = Vec::new();
        for (f, (tail, serves_prefix)) in self.nested_fallbacks.into_iter().zip(nested) {
            nested_infos.push((f.prefix.clone(), f.entry.declaration.requirement));
            let prefix: Arc<str> = Arc::from(f.prefix.as_str());
            let methods = (f.entry.build)(
                CheckLayer::new(
                    None,
                    Mount::NestedFallback {
                        prefix: Arc::clone(&prefix),
                        tail: Arc::from(tail.as_str()),
                    },
                    f.entry.declaration,
                    f.entry.settings,
                    Arc::clone(&shared),
                ),
                state.clone(),
            );
            if serves_prefix {
                router = router.route(&prefix, methods.clone());
            }
            router = router.route(&tail, methods);
        }
        let fallback = self.fallback.as_ref().map(|f| f.declaration.requirement);
        let router = match self.fallback {
            Some(f) => router.fallback((f.build)(
                CheckLayer::new(
                    None,
                    Mount::Fallback,
                    f.declaration,
                    f.settings,
                    Arc::clone(&shared),
                ),
                state.clone(),
            )),
            None => router.fallback(move |req: Request| async move {
                tracing::error!(
                    method = %req.method(),
                    path = req.uri().path(),
                    "request reached a route without an authz declaration; refusing"
                );
                problem(options.undeclared_status, None)
            }),
        };
        Ok(AuthzService::new(
            router.with_state(state),
            guard,
            infos,
            fallback,
            nested_infos,
        ))
    }
}

impl AuthzRouter<()> {
    /// Finishes a router without state: see [`ReadyRouter::into_service`].
    ///
    /// # Errors
    /// Every problem of the route table (see [`RouterError`]).
    pub fn into_service(self) -> Result<AuthzService, RouterError> {
        self.finish(())
    }
}

/// An [`AuthzRouter`] with its state, ready to finish.
pub struct ReadyRouter<S> {
    router: AuthzRouter<S>,
    state: S,
}

impl<S> fmt::Debug for ReadyRouter<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadyRouter")
            .field("router", &self.router)
            .finish_non_exhaustive()
    }
}

impl<S: Clone + Send + Sync + 'static> ReadyRouter<S> {
    /// Builds the service: the axum router with a check on every declared method, behind a
    /// guard that refuses undeclared paths (404) and methods (405) before routing.
    ///
    /// # Errors
    /// Every problem found: bad or conflicting paths, a method declared twice for a path, an
    /// instance-level route whose path lacks the id parameter, and with
    /// [`strict_actions`](AuthzRouter::strict_actions) unknown actions.
    pub fn into_service(self) -> Result<AuthzService, RouterError> {
        self.router.finish(self.state)
    }
}

/// Why a router could not be finished: every problem found, one message each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterError {
    problems: Vec<String>,
}

impl RouterError {
    /// The problems.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }
}

impl fmt::Display for RouterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid authz router: {}", self.problems.join("; "))
    }
}

impl std::error::Error for RouterError {}

fn validate_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!("path `{path}` must start with `/`"));
    }
    if path
        .split('/')
        .any(|seg| seg.starts_with(':') || seg.starts_with('*'))
    {
        return Err(format!(
            "path `{path}`: use `{{param}}` and `{{*rest}}` for captures, not `:param` or `*rest`"
        ));
    }
    Ok(())
}
