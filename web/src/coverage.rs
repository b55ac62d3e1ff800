//! Start-up checks of a route table: declared actions the policies do not know, instance
//! routes whose path lacks the id parameter.
//!
//! ```
//! use authz_core::PolicySet;
//! use authz_web::{missing_id_param, unknown_action, Requirement};
//! let policies = PolicySet::from_sources::<&str, &str>([]).unwrap();
//! let r = Requirement::Kind { resource: "expense", action: "create" };
//! assert_eq!(
//!     unknown_action("POST", "/expenses", r, &policies).unwrap(),
//!     "POST /expenses: action `create` on resource `expense` is not known to the policies"
//! );
//! let list = Requirement::Filter { resource: "expense", action: "list", rows_action: "read" };
//! assert_eq!(
//!     unknown_action("GET", "/expenses", list, &policies).unwrap(),
//!     "GET /expenses: action `list` on resource `expense` is not known to the policies"
//! );
//! let i = Requirement::Instance { resource: "expense", action: "read", id_param: "id" };
//! assert!(missing_id_param("GET", "/expenses/{id}", i).is_none());
//! assert!(missing_id_param("GET", "/expenses/{id:e[0-9]+}", i).is_none());
//! assert!(missing_id_param("GET", "/expenses/{other}", i).is_some());
//! assert!(missing_id_param("GET", "/expenses/{idx}", i).is_some());
//! ```

use authz_core::PolicySet;

use crate::requirement::Requirement;

/// The problem of a route that names a `(resource, action)` unknown to `policies` (the
/// checked action, or a list's rows action), if any: the first one unknown.
pub fn unknown_action(
    method: &str,
    path: &str,
    requirement: Requirement,
    policies: &PolicySet,
) -> Option<String> {
    let (kind, action) = requirement
        .actions()
        .find(|(kind, action)| !policies.knows_action(kind, action))?;
    Some(format!(
        "{method} {path}: action `{action}` on resource `{kind}` is not known to the policies"
    ))
}

/// The problem of an instance-level route whose path template has no parameter for the
/// resource id (`{id}`, or actix-web's `{id:regex}`), if any.
pub fn missing_id_param(method: &str, path: &str, requirement: Requirement) -> Option<String> {
    let Requirement::Instance { id_param, .. } = requirement else {
        return None;
    };
    let plain = format!("{{{id_param}}}");
    let with_regex = format!("{{{id_param}:");
    (!path.contains(&plain) && !path.contains(&with_regex)).then(|| {
        format!(
            "{method} {path}: the resource id comes from path parameter `{id_param}`, which the path does not have"
        )
    })
}
