//! DEMO-ONLY authentication: the `x-demo-user` header names one of the built-in principals.
//!
//! Anybody can send any header, so this authenticates nobody. A real service resolves the
//! principal from a verified session or token (see `axum_authz::ResolvePrincipal`).

use authz_core::Principal;
use axum::http::request::Parts;
use serde_json::json;

use crate::{AppState, BoxError};

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

/// The principal named by the `x-demo-user` header; `None` (→ 401) when the header is missing
/// or names nobody. DEMO ONLY.
pub fn resolve(
    parts: &Parts,
    _state: &AppState,
) -> impl std::future::Future<Output = Result<Option<Principal>, BoxError>> + Send + 'static {
    let user = parts
        .headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(DemoUser::find);
    std::future::ready(Ok(user.map(|u| u.principal())))
}
