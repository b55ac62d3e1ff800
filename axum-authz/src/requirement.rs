//! What a route requires before its handler runs: no decision, a kind-level or an
//! instance-level check.
//!
//! ```
//! use axum_authz::Requirement;
//! let r = Requirement::Kind { resource: "expense", action: "create" };
//! assert_eq!(r.to_string(), "expense:create");
//! ```

use std::fmt;

use crate::load::LoaderFn;

/// The authorization a route declared with `#[authorize(...)]`, as listed by
/// [`AuthzService::routes`](crate::AuthzService::routes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Requirement {
    /// `#[authorize(public)]`: no principal is resolved and no decision is made.
    Public,
    /// `#[authorize(resource = "..", action = "..")]`: checked on the resource kind, with an
    /// empty id and no attributes.
    Kind {
        /// The resource kind.
        resource: &'static str,
        /// The action.
        action: &'static str,
    },
    /// `#[authorize(resource = "..", action = "..", id = path(".."))]`: the resource is loaded
    /// by its [`Load`](crate::Load) implementation and checked with its attributes.
    Instance {
        /// The resource kind.
        resource: &'static str,
        /// The action.
        action: &'static str,
        /// The path parameter holding the resource id.
        id_param: &'static str,
    },
}

impl Requirement {
    /// The `(resource kind, action)` checked, or `None` for [`Requirement::Public`].
    pub fn action(&self) -> Option<(&'static str, &'static str)> {
        match *self {
            Requirement::Public => None,
            Requirement::Kind { resource, action }
            | Requirement::Instance {
                resource, action, ..
            } => Some((resource, action)),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Public => f.write_str("public"),
            Requirement::Kind { resource, action } => write!(f, "{resource}:{action}"),
            Requirement::Instance {
                resource,
                action,
                id_param,
            } => write!(f, "{resource}:{action} (id from path `{id_param}`)"),
        }
    }
}

/// A requirement plus, for the instance form, the type-erased loader of the resource.
#[doc(hidden)]
pub struct Declaration<S> {
    pub(crate) requirement: Requirement,
    pub(crate) loader: Option<LoaderFn<S>>,
}

impl<S> Clone for Declaration<S> {
    fn clone(&self) -> Self {
        Declaration {
            requirement: self.requirement,
            loader: self.loader,
        }
    }
}

impl<S> fmt::Debug for Declaration<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Declaration")
            .field("requirement", &self.requirement)
            .finish_non_exhaustive()
    }
}

impl<S> Declaration<S> {
    /// `#[authorize(public)]`.
    pub fn public() -> Self {
        Declaration {
            requirement: Requirement::Public,
            loader: None,
        }
    }

    /// `#[authorize(resource = .., action = ..)]`.
    pub fn kind(resource: &'static str, action: &'static str) -> Self {
        Declaration {
            requirement: Requirement::Kind { resource, action },
            loader: None,
        }
    }

    /// `#[authorize(resource = .., action = .., id = path(..))]`.
    pub fn instance(
        resource: &'static str,
        action: &'static str,
        id_param: &'static str,
        loader: LoaderFn<S>,
    ) -> Self {
        Declaration {
            requirement: Requirement::Instance {
                resource,
                action,
                id_param,
            },
            loader: Some(loader),
        }
    }
}

/// Implemented by the hidden companion struct `__authz_<handler>` that `#[authorize]` emits.
#[doc(hidden)]
pub trait Declared<S> {
    /// The declaration of the handler.
    fn declaration(&self) -> Declaration<S>;
}
