//! What a route requires before its handler runs ([`Requirement`], shared with
//! `axum-authz` through `authz-web`), and the declaration `#[authorize]` attaches to a
//! handler.
//!
//! ```
//! use actix_authz::Requirement;
//! let r = Requirement::Instance { resource: "expense", action: "read", id_param: "id" };
//! assert_eq!(r.to_string(), "expense:read (id from path `id`)");
//! ```

use std::fmt;

pub use authz_web::Requirement;

use crate::load::LoaderFn;

/// A requirement plus, for the instance form, the type-erased loader of the resource.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Declaration {
    pub(crate) requirement: Requirement,
    pub(crate) loader: Option<LoaderFn>,
}

impl fmt::Debug for Declaration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Declaration")
            .field("requirement", &self.requirement)
            .finish_non_exhaustive()
    }
}

impl Declaration {
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
        loader: LoaderFn,
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
pub trait Declared {
    /// The declaration of the handler.
    fn declaration(&self) -> Declaration;
}
