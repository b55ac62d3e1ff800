//! The check of a protected route, shared by the adapters: resolve the principal, load the
//! resource (instance-level), decide, and map every failure to a [`Denial`].
//!
//! An adapter implements [`Exchange`] over its request type and calls [`authorize`] before
//! the route's extractors and handler.
//!
//! ```
//! use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
//! use authz_web::{authorize, BoxError, Denial, Exchange, Requirement, Site};
//!
//! /// A request with a user header and one stored resource.
//! struct Fake { user: Option<&'static str> }
//!
//! impl Exchange for Fake {
//!     type Value = &'static str;
//!     async fn principal(&mut self) -> Result<Option<Principal>, BoxError> {
//!         Ok(self.user.map(|u| Principal::new(u, ["user"])))
//!     }
//!     async fn path_param(&mut self, _name: &str) -> Option<String> {
//!         Some("d1".into())
//!     }
//!     async fn load(&mut self, id: String) -> Result<Option<(Resource, Self::Value)>, BoxError> {
//!         Ok(Some((Resource::new("doc", id).with_attr("owner", "ann".into()), "the doc")))
//!     }
//!     fn request_id(&self) -> &str { "" }
//! }
//!
//! let engine = Engine::new(PolicySet::from_sources([("p.yaml", "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: R.attr.owner == P.id\n")]).unwrap(), EngineConfig::default());
//! let site = Site::new(&engine, Requirement::Instance { resource: "doc", action: "read", id_param: "id" });
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! let granted = authorize(&site, &mut Fake { user: Some("ann") }).await.unwrap();
//! assert_eq!((granted.principal.id(), granted.value), ("ann", Some("the doc")));
//! assert_eq!(authorize(&site, &mut Fake { user: Some("bob") }).await.unwrap_err(), Denial::Forbidden);
//! assert_eq!(authorize(&site, &mut Fake { user: None }).await.unwrap_err(), Denial::Unauthenticated);
//! # });
//! ```

use std::future::Future;

use authz_core::{Engine, Principal, Resource};

use crate::decision::decide;
use crate::problem::Denial;
use crate::requirement::Requirement;
#[cfg(doc)]
use crate::rows::plan_rows;
use crate::rows::{plan, RowFilter};
use crate::BoxError;

/// What an adapter supplies for one request.
pub trait Exchange {
    /// What the loader hands on to the handler (the adapter's typed slot).
    type Value;

    /// Resolves the principal: `Ok(None)` when nobody is logged in.
    fn principal(&mut self) -> impl Future<Output = Result<Option<Principal>, BoxError>>;

    /// The value of the path parameter `name` of the matched route.
    fn path_param(&mut self, name: &str) -> impl Future<Output = Option<String>>;

    /// Loads the resource with `id`: what the policies see, and the value for the handler.
    fn load(
        &mut self,
        id: String,
    ) -> impl Future<Output = Result<Option<(Resource, Self::Value)>, BoxError>>;

    /// The `x-request-id` of the request, `""` when it has none (for the decision event).
    fn request_id(&self) -> &str;
}

/// Where a check happens: the engine, the requirement, and names for the logs.
#[derive(Debug, Clone, Copy)]
pub struct Site<'a> {
    /// The engine deciding.
    pub engine: &'a Engine,
    /// What the route requires.
    pub requirement: Requirement,
    /// For a kind-level requirement, its resource (`Resource::new(kind, "")`) built once per
    /// route, so that a check builds nothing; `None`: built per check.
    pub kind_resource: Option<&'a Resource>,
    /// The request method, for logs.
    pub method: &'a str,
    /// The route template, for logs.
    pub route: &'a str,
    /// The level of the decision event.
    pub log_level: tracing::Level,
}

impl<'a> Site<'a> {
    /// A site with empty method and route and the decision event at `INFO`.
    pub fn new(engine: &'a Engine, requirement: Requirement) -> Self {
        Site {
            engine,
            requirement,
            kind_resource: None,
            method: "",
            route: "",
            log_level: tracing::Level::INFO,
        }
    }
}

/// What a granted check hands to the handler: the principal and, for instance-level
/// checks, the loaded value; for list routes, the rows the principal may see.
#[derive(Debug)]
#[non_exhaustive]
pub struct Granted<V> {
    /// Who is asking.
    pub principal: Principal,
    /// The loaded resource (instance-level checks only).
    pub value: Option<V>,
    /// The planned row filter ([`Requirement::Filter`] routes only).
    pub rows: Option<RowFilter>,
}

/// Runs the check of `site` for the request behind `ex`.
///
/// - no principal: [`Denial::Unauthenticated`]; resolver error: [`Denial::Internal`]
/// - instance-level: path parameter missing, loader error or a resource of another kind:
///   [`Denial::Internal`]; nothing loaded: [`Denial::NotFound`]
/// - denied by the policies: [`Denial::Forbidden`] (one decision event either way)
/// - a list ([`Requirement::Filter`]), once its action is allowed: the rows action is planned
///   as by [`plan_rows`] (one plan event) into [`Granted::rows`]; a plan the engine refuses:
///   [`Denial::Internal`] (one `ERROR` event `authz plan refused` with the method, route and
///   the planner's reason). A denied action is never planned.
///
/// Errors are logged here, with the method and route, and never put in a response. A
/// [`Requirement::Public`] site is not checked: adapters skip the call; if one is made anyway,
/// the answer is [`Denial::Internal`].
///
/// # Errors
/// The denial, as listed above.
pub async fn authorize<E: Exchange>(
    site: &Site<'_>,
    ex: &mut E,
) -> Result<Granted<E::Value>, Denial> {
    let Some((kind, action)) = site.requirement.action() else {
        tracing::error!(
            method = site.method,
            route = site.route,
            "a public route was sent to the check; refusing"
        );
        return Err(Denial::Internal);
    };
    let principal = match ex.principal().await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(Denial::Unauthenticated),
        Err(error) => {
            tracing::error!(
                method = site.method,
                route = site.route,
                %error,
                "principal resolver failed"
            );
            return Err(Denial::Internal);
        }
    };
    let built;
    let (resource, value) = match site.requirement {
        Requirement::Instance { id_param, .. } => {
            let Some(id) = ex.path_param(id_param).await else {
                tracing::error!(
                    method = site.method,
                    route = site.route,
                    id_param,
                    "path parameter of the resource id is missing"
                );
                return Err(Denial::Internal);
            };
            match ex.load(id).await {
                Ok(Some((resource, value))) if resource.kind() == kind => {
                    built = resource;
                    (&built, Some(value))
                }
                Ok(Some((resource, _))) => {
                    tracing::error!(
                        declared = kind,
                        loaded = resource.kind(),
                        route = site.route,
                        "loader returned a resource of another kind"
                    );
                    return Err(Denial::Internal);
                }
                Ok(None) => return Err(Denial::NotFound),
                Err(error) => {
                    tracing::error!(
                        method = site.method,
                        route = site.route,
                        resource = kind,
                        %error,
                        "resource loader failed"
                    );
                    return Err(Denial::Internal);
                }
            }
        }
        _ => match site.kind_resource {
            Some(r) if r.kind() == kind => (r, None),
            _ => {
                built = Resource::new(kind, "");
                (&built, None)
            }
        },
    };
    let allowed = decide(
        site.engine,
        &principal,
        resource,
        action,
        || ex.request_id(),
        site.log_level,
    );
    if !allowed {
        return Err(Denial::Forbidden);
    }
    let rows = match site.requirement {
        Requirement::Filter { rows_action, .. } => {
            let request_id = || ex.request_id();
            match plan(
                site.engine,
                &principal,
                kind,
                rows_action,
                &request_id,
                site.log_level,
            ) {
                Ok(rows) => Some(rows),
                Err(error) => {
                    tracing::error!(
                        method = site.method,
                        route = site.route,
                        principal = principal.id(),
                        resource.kind = kind,
                        action = rows_action,
                        request_id = request_id(),
                        %error,
                        "authz plan refused"
                    );
                    return Err(Denial::Internal);
                }
            }
        }
        _ => None,
    };
    Ok(Granted {
        principal,
        value,
        rows,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]
mod tests {
    use authz_core::plan::Filter;
    use authz_core::{EngineConfig, PolicySet};

    use super::*;

    /// `list` for every role but `guest`; `read` of own docs (user), of none (viewer), and
    /// through a condition the planner refuses (tagger). Shared with the adapters' list tests.
    const POLICY: &str = include_str!("../tests/fixtures/rows_policy.yaml");

    struct Fake(Option<&'static str>);

    impl Exchange for Fake {
        type Value = ();
        async fn principal(&mut self) -> Result<Option<Principal>, BoxError> {
            Ok(self.0.map(|role| Principal::new("ann", [role])))
        }
        async fn path_param(&mut self, _: &str) -> Option<String> {
            panic!("a list route reads no path parameter")
        }
        async fn load(&mut self, _: String) -> Result<Option<(Resource, ())>, BoxError> {
            panic!("a list route loads nothing")
        }
        fn request_id(&self) -> &str {
            "req-7"
        }
    }

    fn run(role: Option<&'static str>) -> Result<Granted<()>, Denial> {
        let engine = Engine::new(
            PolicySet::from_sources([("doc.yaml", POLICY)]).unwrap(),
            EngineConfig::default(),
        );
        let list = Requirement::Filter {
            resource: "doc",
            action: "list",
            rows_action: "read",
        };
        let site = Site::new(&engine, list);
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(authorize(&site, &mut Fake(role)))
    }

    #[test]
    fn a_list_route_plans_its_rows_once_the_action_is_allowed() {
        let user = run(Some("user")).unwrap();
        let rows = user.rows.unwrap();
        let Filter::Conditional(_) = rows.filter() else {
            panic!("{rows:?}")
        };
        assert_eq!(rows.output().actions, ["read"]);
        assert_eq!(rows.output().request_id, "req-7");
        let viewer = run(Some("viewer")).unwrap();
        assert_eq!(viewer.rows.unwrap().filter(), &Filter::AlwaysDenied);
    }

    #[test]
    fn a_list_route_fails_closed() {
        assert_eq!(run(Some("guest")).unwrap_err(), Denial::Forbidden);
        assert_eq!(run(None).unwrap_err(), Denial::Unauthenticated);
        assert_eq!(run(Some("tagger")).unwrap_err(), Denial::Internal);
    }

    #[test]
    fn other_routes_plan_nothing() {
        let engine = Engine::new(
            PolicySet::from_sources([("doc.yaml", POLICY)]).unwrap(),
            EngineConfig::default(),
        );
        let kind = Requirement::Kind {
            resource: "doc",
            action: "list",
        };
        let granted = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(authorize(
                &Site::new(&engine, kind),
                &mut Fake(Some("user")),
            ))
            .unwrap();
        assert!(granted.rows.is_none());
    }
}
