//! What a check is asked about: principals, resources, auxiliary data and check inputs.
//!
//! ```
//! use authz_core::{Principal, Resource};
//! use serde_json::json;
//!
//! let alice = Principal::new("alice", ["user"]).with_attr("department", json!("sales"));
//! let report = Resource::new("expense", "e1").with_attr("owner", json!("alice"));
//! assert_eq!(alice.roles(), ["user"]);
//! assert_eq!(report.attr()["owner"], json!("alice"));
//! ```

use std::fmt;
use std::sync::OnceLock;

use cel::common::value::Val;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::eval::values;

/// Attributes: a JSON object.
pub type Attributes = Map<String, Json>;

/// Who is asking: an id, the roles the identity provider granted, and attributes.
///
/// Build with [`Principal::new`] and the `with_*` methods; the CEL view of the principal (`P`)
/// is built once, the first time a condition reads it, and reused for every resource of a batch.
#[derive(Serialize, Deserialize)]
#[serde(try_from = "PrincipalJson", into = "PrincipalJson")]
pub struct Principal {
    id: String,
    roles: Vec<String>,
    attr: Attributes,
    policy_version: String,
    scope: String,
    cel: OnceLock<Box<dyn Val>>,
}

/// What is acted upon: a kind (`expense`), an id and attributes.
#[derive(Serialize, Deserialize)]
#[serde(try_from = "ResourceJson", into = "ResourceJson")]
pub struct Resource {
    kind: String,
    id: String,
    attr: Attributes,
    policy_version: String,
    scope: String,
    cel: OnceLock<Box<dyn Val>>,
}

macro_rules! shared_accessors {
    ($ty:ident) => {
        impl $ty {
            /// Sets one attribute.
            #[must_use]
            pub fn with_attr(mut self, key: impl Into<String>, value: Json) -> Self {
                self.attr.insert(key.into(), value);
                self.cel = OnceLock::new();
                self
            }

            /// Replaces all attributes.
            #[must_use]
            pub fn with_attrs(mut self, attr: Attributes) -> Self {
                self.attr = attr;
                self.cel = OnceLock::new();
                self
            }

            /// Sets the policy version (`policyVersion`); empty means the engine default.
            #[must_use]
            pub fn with_policy_version(mut self, version: impl Into<String>) -> Self {
                self.policy_version = version.into();
                self.cel = OnceLock::new();
                self
            }

            /// Sets the scope (`a.b.c`); empty means the engine default, `.` the root.
            #[must_use]
            pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
                self.scope = scope.into();
                self.cel = OnceLock::new();
                self
            }

            /// The id.
            pub fn id(&self) -> &str {
                &self.id
            }

            /// The attributes.
            pub fn attr(&self) -> &Attributes {
                &self.attr
            }

            /// The policy version as sent (may be empty).
            pub fn policy_version(&self) -> &str {
                &self.policy_version
            }

            /// The scope as sent (may be empty).
            pub fn scope(&self) -> &str {
                &self.scope
            }
        }
    };
}

shared_accessors!(Principal);
shared_accessors!(Resource);

impl Clone for Principal {
    fn clone(&self) -> Self {
        Principal {
            id: self.id.clone(),
            roles: self.roles.clone(),
            attr: self.attr.clone(),
            policy_version: self.policy_version.clone(),
            scope: self.scope.clone(),
            cel: OnceLock::new(),
        }
    }
}

impl PartialEq for Principal {
    fn eq(&self, o: &Self) -> bool {
        (
            &self.id,
            &self.roles,
            &self.attr,
            &self.policy_version,
            &self.scope,
        ) == (&o.id, &o.roles, &o.attr, &o.policy_version, &o.scope)
    }
}

impl Clone for Resource {
    fn clone(&self) -> Self {
        Resource {
            kind: self.kind.clone(),
            id: self.id.clone(),
            attr: self.attr.clone(),
            policy_version: self.policy_version.clone(),
            scope: self.scope.clone(),
            cel: OnceLock::new(),
        }
    }
}

impl PartialEq for Resource {
    fn eq(&self, o: &Self) -> bool {
        (
            &self.kind,
            &self.id,
            &self.attr,
            &self.policy_version,
            &self.scope,
        ) == (&o.kind, &o.id, &o.attr, &o.policy_version, &o.scope)
    }
}

impl Principal {
    /// A principal with an id and roles, no attributes.
    pub fn new<R: Into<String>>(id: impl Into<String>, roles: impl IntoIterator<Item = R>) -> Self {
        Principal {
            id: id.into(),
            roles: roles.into_iter().map(Into::into).collect(),
            attr: Attributes::new(),
            policy_version: String::new(),
            scope: String::new(),
            cel: OnceLock::new(),
        }
    }

    /// The roles, in request order.
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// The CEL value of `P` / `request.principal`, built on first use.
    pub(crate) fn cel(&self) -> &dyn Val {
        &**self.cel.get_or_init(|| {
            values::message_val(
                &self.id,
                Some(&self.roles),
                None,
                &self.attr,
                &self.policy_version,
                strip_dot(&self.scope),
            )
        })
    }
}

impl Resource {
    /// A resource of `kind` with `id`, no attributes.
    pub fn new(kind: impl Into<String>, id: impl Into<String>) -> Self {
        Resource {
            kind: kind.into(),
            id: id.into(),
            attr: Attributes::new(),
            policy_version: String::new(),
            scope: String::new(),
            cel: OnceLock::new(),
        }
    }

    /// The kind, as sent (not sanitised).
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The CEL value of `R` / `request.resource`, built on first use.
    pub(crate) fn cel(&self) -> &dyn Val {
        &**self.cel.get_or_init(|| {
            values::message_val(
                &self.id,
                None,
                Some(&self.kind),
                &self.attr,
                &self.policy_version,
                strip_dot(&self.scope),
            )
        })
    }
}

fn strip_dot(s: &str) -> &str {
    s.strip_prefix('.').unwrap_or(s)
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("id", &self.id)
            .field("roles", &self.roles)
            .field("attr", &self.attr)
            .field("policy_version", &self.policy_version)
            .field("scope", &self.scope)
            .finish()
    }
}

impl fmt::Debug for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resource")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("attr", &self.attr)
            .field("policy_version", &self.policy_version)
            .field("scope", &self.scope)
            .finish()
    }
}

/// The JSON shape of a principal (`json-io.md` §2), with snake_case aliases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PrincipalJson {
    id: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    attr: Attributes,
    #[serde(
        default,
        alias = "policy_version",
        skip_serializing_if = "String::is_empty"
    )]
    policy_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    scope: String,
}

/// The JSON shape of a resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ResourceJson {
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    attr: Attributes,
    #[serde(
        default,
        alias = "policy_version",
        skip_serializing_if = "String::is_empty"
    )]
    policy_version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    scope: String,
}

impl From<Principal> for PrincipalJson {
    fn from(p: Principal) -> Self {
        PrincipalJson {
            id: p.id,
            roles: p.roles,
            attr: p.attr,
            policy_version: p.policy_version,
            scope: p.scope,
        }
    }
}

impl TryFrom<PrincipalJson> for Principal {
    type Error = String;
    fn try_from(p: PrincipalJson) -> Result<Self, String> {
        Ok(Principal {
            id: p.id,
            roles: p.roles,
            attr: p.attr,
            policy_version: p.policy_version,
            scope: p.scope,
            cel: OnceLock::new(),
        })
    }
}

impl From<Resource> for ResourceJson {
    fn from(r: Resource) -> Self {
        ResourceJson {
            kind: r.kind,
            id: r.id,
            attr: r.attr,
            policy_version: r.policy_version,
            scope: r.scope,
        }
    }
}

impl TryFrom<ResourceJson> for Resource {
    type Error = String;
    fn try_from(r: ResourceJson) -> Result<Self, String> {
        Ok(Resource {
            kind: r.kind,
            id: r.id,
            attr: r.attr,
            policy_version: r.policy_version,
            scope: r.scope,
            cel: OnceLock::new(),
        })
    }
}

/// Claims of already-verified tokens (`request.auxData`).
///
/// The engine never verifies tokens: pass claims an authentication layer already checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuxData {
    /// Claims of the default token: `request.auxData.jwt`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub jwt: Attributes,
    /// Named tokens: `request.auxData.jwts.<name>.claims`.
    #[serde(default, skip_serializing_if = "indexmap::IndexMap::is_empty")]
    pub jwts: indexmap::IndexMap<String, NamedClaims>,
}

/// Claims of one named token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedClaims {
    /// The verified claims.
    #[serde(default)]
    pub claims: Attributes,
}

impl AuxData {
    /// Whether there are no claims at all.
    pub fn is_empty(&self) -> bool {
        self.jwt.is_empty() && self.jwts.is_empty()
    }
}

/// One check: a principal, one resource, the actions to decide, and optional aux data
/// (`CheckInput` of `json-io.md` §4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckInput {
    /// Correlates the decision with a request; echoed in the output.
    #[serde(
        default,
        alias = "request_id",
        skip_serializing_if = "String::is_empty"
    )]
    pub request_id: String,
    /// Who asks.
    pub principal: Principal,
    /// What is acted upon.
    pub resource: Resource,
    /// The actions to decide, in order.
    pub actions: Vec<String>,
    /// Verified token claims.
    #[serde(default, alias = "aux_data", skip_serializing_if = "AuxData::is_empty")]
    pub aux_data: AuxData,
}

impl CheckInput {
    /// A check of `actions` by `principal` on `resource`.
    pub fn new<A: Into<String>>(
        principal: Principal,
        resource: Resource,
        actions: impl IntoIterator<Item = A>,
    ) -> Self {
        CheckInput {
            request_id: String::new(),
            principal,
            resource,
            actions: actions.into_iter().map(Into::into).collect(),
            aux_data: AuxData::default(),
        }
    }
}
