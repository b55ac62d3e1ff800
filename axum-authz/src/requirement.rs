//! What a route requires before its handler runs: no decision, a kind-level or an
//! instance-level check ([`Requirement`], shared with the other adapters through
//! `authz-web`).
//!
//! ```
//! use axum_authz::Requirement;
//! let r = Requirement::Kind { resource: "expense", action: "create" };
//! assert_eq!(r.to_string(), "expense:create");
//! ```

use std::fmt;

pub use authz_web::Requirement;

use crate::load::LoaderFn;

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

    /// `#[authorize(resource = .., action = .., filter = ..)]`.
    pub fn filter(resource: &'static str, action: &'static str, rows_action: &'static str) -> Self {
        Declaration {
            requirement: Requirement::Filter {
                resource,
                action,
                rows_action,
            },
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
