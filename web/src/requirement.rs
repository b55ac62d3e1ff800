//! What a route requires before its handler runs: no decision, a kind-level or an
//! instance-level check.
//!
//! ```
//! use authz_web::Requirement;
//! let r = Requirement::Kind { resource: "expense", action: "create" };
//! assert_eq!(r.to_string(), "expense:create");
//! assert_eq!(r.action(), Some(("expense", "create")));
//! assert_eq!(Requirement::Public.action(), None);
//! ```

use std::fmt;

/// The authorization a route declared with `#[authorize(...)]`, as the adapters list it.
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
