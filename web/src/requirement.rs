//! What a route requires before its handler runs: no decision, a kind-level or an
//! instance-level check, or a kind-level check plus a row filter for a list.
//!
//! ```
//! use authz_web::Requirement;
//! let r = Requirement::Kind { resource: "expense", action: "create" };
//! assert_eq!(r.to_string(), "expense:create");
//! assert_eq!(r.action(), Some(("expense", "create")));
//! assert_eq!(Requirement::Public.action(), None);
//! let list = Requirement::Filter { resource: "expense", action: "list", rows_action: "read" };
//! assert_eq!(list.to_string(), "expense:list (rows: read)");
//! assert_eq!(list.actions().collect::<Vec<_>>(), [("expense", "list"), ("expense", "read")]);
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
    /// `#[authorize(resource = "..", action = "..", filter = "..")]`: a list. `action` is
    /// checked on the resource kind like [`Requirement::Kind`]; then the engine plans which
    /// resources of the kind the principal may `rows_action`, and the handler receives that
    /// plan ([`RowFilter`](crate::RowFilter)) to query exactly those rows.
    Filter {
        /// The resource kind.
        resource: &'static str,
        /// The action checked on the kind before the handler (e.g. `list`).
        action: &'static str,
        /// The action each returned row must allow (e.g. `read`).
        rows_action: &'static str,
    },
}

impl Requirement {
    /// The `(resource kind, action)` checked before the handler, or `None` for
    /// [`Requirement::Public`].
    pub fn action(&self) -> Option<(&'static str, &'static str)> {
        match *self {
            Requirement::Public => None,
            Requirement::Kind { resource, action }
            | Requirement::Instance {
                resource, action, ..
            }
            | Requirement::Filter {
                resource, action, ..
            } => Some((resource, action)),
        }
    }

    /// Every `(resource kind, action)` the requirement names: the checked action and, for
    /// [`Requirement::Filter`], the rows action (what start-up checks must find in the
    /// policies).
    pub fn actions(&self) -> impl Iterator<Item = (&'static str, &'static str)> {
        let rows = match *self {
            Requirement::Filter {
                resource,
                rows_action,
                ..
            } => Some((resource, rows_action)),
            _ => None,
        };
        self.action().into_iter().chain(rows)
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
            Requirement::Filter {
                resource,
                action,
                rows_action,
            } => write!(f, "{resource}:{action} (rows: {rows_action})"),
        }
    }
}
