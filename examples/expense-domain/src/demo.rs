//! DEMO-ONLY authentication: the `x-demo-user` header names one of the built-in principals.
//!
//! Anybody can send any header, so this authenticates nobody. A real service resolves the
//! principal from a verified session or token (`ResolvePrincipal` in either adapter).
//!
//! ```
//! use expense_domain::demo;
//! assert_eq!(demo::principal(Some(b"mia")).unwrap().id(), "mia");
//! assert!(demo::principal(Some(b"mallory")).is_none());
//! assert!(demo::principal(None).is_none());
//! ```

use authz_core::Principal;
use serde_json::json;

/// The request header that selects a demo principal (DEMO ONLY).
pub const HEADER: &str = "x-demo-user";

/// A built-in demo principal: the people of `policies/testdata/principals.yaml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoUser {
    /// The principal id, also the header value.
    pub id: &'static str,
    /// The roles.
    pub roles: &'static [&'static str],
    /// The `region` attribute, if any.
    pub region: Option<&'static str>,
}

/// Every demo principal.
pub const USERS: [DemoUser; 5] = [
    DemoUser {
        id: "ada",
        roles: &["admin"],
        region: None,
    },
    DemoUser {
        id: "alice",
        roles: &["user"],
        region: Some("eu"),
    },
    DemoUser {
        id: "bob",
        roles: &["user"],
        region: Some("us"),
    },
    DemoUser {
        id: "mia",
        roles: &["manager"],
        region: Some("eu"),
    },
    DemoUser {
        id: "max",
        roles: &["manager"],
        region: Some("us"),
    },
];

impl DemoUser {
    /// The demo user with `id`.
    pub fn find(id: &str) -> Option<DemoUser> {
        USERS.iter().find(|u| u.id == id).copied()
    }

    /// The principal the policies see.
    pub fn principal(&self) -> Principal {
        let p = Principal::new(self.id, self.roles.iter().copied());
        match self.region {
            Some(region) => p.with_attr("region", json!(region)),
            None => p,
        }
    }
}

/// The principal named by the value of the `x-demo-user` header; `None` (→ 401) when the
/// header is missing or names nobody. DEMO ONLY.
pub fn principal(header: Option<&[u8]>) -> Option<Principal> {
    let id = std::str::from_utf8(header?).ok()?;
    DemoUser::find(id).map(|u| u.principal())
}

/// The startup warning both services log.
pub fn warning() -> String {
    let users: Vec<&str> = USERS.iter().map(|u| u.id).collect();
    format!(
        "DEMO-ONLY authentication: the `{HEADER}` header picks a principal ({}); anyone can send it, do not deploy this",
        users.join(", ")
    )
}
