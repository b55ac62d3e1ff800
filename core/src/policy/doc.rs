//! Serde models of policy documents (`policy-format.md` §2–§10).

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value as Json;

/// A whole policy document: the envelope of §2.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PolicyDoc {
    #[serde(alias = "api_version")]
    pub(crate) api_version: String,
    #[serde(default)]
    #[expect(dead_code, reason = "free text, accepted and ignored")]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) disabled: bool,
    #[serde(default)]
    #[expect(dead_code, reason = "user data, accepted and ignored")]
    pub(crate) metadata: Option<Metadata>,
    /// Deprecated top-level variables: merged into `variables.local`.
    #[serde(default)]
    pub(crate) variables: Option<IndexMap<String, String>>,
    #[serde(default, rename = "$schema")]
    #[expect(dead_code, reason = "accepted and ignored")]
    pub(crate) schema: Option<String>,
    #[serde(default, alias = "resource_policy")]
    pub(crate) resource_policy: Option<ResourcePolicy>,
    #[serde(default, alias = "principal_policy")]
    pub(crate) principal_policy: Option<PrincipalPolicy>,
    #[serde(default, alias = "derived_roles")]
    pub(crate) derived_roles: Option<DerivedRoles>,
    #[serde(default, alias = "role_policy")]
    pub(crate) role_policy: Option<RolePolicy>,
    #[serde(default, alias = "export_variables")]
    pub(crate) export_variables: Option<ExportVariables>,
    #[serde(default, alias = "export_constants")]
    pub(crate) export_constants: Option<ExportConstants>,
}

/// `metadata`: accepted, mostly ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[expect(dead_code, reason = "accepted and ignored")]
pub(crate) struct Metadata {
    #[serde(default)]
    pub(crate) annotations: IndexMap<String, String>,
    #[serde(default, alias = "source_file")]
    pub(crate) source_file: Option<String>,
    #[serde(default)]
    pub(crate) hash: Option<Json>,
    #[serde(default, alias = "store_identifier", alias = "storeIdentifer")]
    pub(crate) store_identifier: Option<String>,
    #[serde(default, alias = "source_attributes")]
    pub(crate) source_attributes: Option<Json>,
}

/// `variables` inside a policy body (§9).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Variables {
    #[serde(default)]
    pub(crate) import: Vec<String>,
    #[serde(default)]
    pub(crate) local: IndexMap<String, String>,
}

/// `constants` inside a policy body (§9).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Constants {
    #[serde(default)]
    pub(crate) import: Vec<String>,
    #[serde(default)]
    pub(crate) local: IndexMap<String, Json>,
}

/// `resourcePolicy` (§5).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ResourcePolicy {
    pub(crate) resource: String,
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default, alias = "scope_permissions")]
    pub(crate) scope_permissions: Option<ScopePermissions>,
    #[serde(default, alias = "import_derived_roles")]
    pub(crate) import_derived_roles: Vec<String>,
    #[serde(default)]
    pub(crate) constants: Option<Constants>,
    #[serde(default)]
    pub(crate) variables: Option<Variables>,
    #[serde(default)]
    pub(crate) schemas: Option<Schemas>,
    #[serde(default)]
    pub(crate) rules: Vec<ResourceRule>,
}

/// `scopePermissions` values (§11.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum ScopePermissions {
    #[serde(rename = "SCOPE_PERMISSIONS_UNSPECIFIED", alias = "0")]
    Unspecified,
    #[serde(rename = "SCOPE_PERMISSIONS_OVERRIDE_PARENT", alias = "1")]
    OverrideParent,
    #[serde(
        rename = "SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS",
        alias = "2"
    )]
    RequireParentalConsentForAllows,
}

/// A rule of a resource policy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ResourceRule {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) actions: Vec<String>,
    pub(crate) effect: Effect,
    #[serde(default)]
    pub(crate) roles: Vec<String>,
    #[serde(default, alias = "derived_roles")]
    pub(crate) derived_roles: Vec<String>,
    #[serde(default)]
    pub(crate) condition: Option<Condition>,
    #[serde(default)]
    pub(crate) output: Option<Output>,
}

/// `EFFECT_ALLOW` / `EFFECT_DENY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub(crate) enum Effect {
    #[serde(rename = "EFFECT_ALLOW")]
    Allow,
    #[serde(rename = "EFFECT_DENY")]
    Deny,
}

/// `condition` (§4).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Condition {
    #[serde(default, rename = "match")]
    pub(crate) match_: Option<Match>,
    #[serde(default)]
    pub(crate) script: Option<String>,
}

/// A `match` node: exactly one of `expr`, `all`, `any`, `none`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Match {
    #[serde(default)]
    pub(crate) expr: Option<String>,
    #[serde(default)]
    pub(crate) all: Option<MatchList>,
    #[serde(default)]
    pub(crate) any: Option<MatchList>,
    #[serde(default)]
    pub(crate) none: Option<MatchList>,
}

/// `{of: [match...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MatchList {
    #[serde(default)]
    pub(crate) of: Vec<Match>,
}

/// `output` of a rule (§13).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Output {
    #[serde(default)]
    pub(crate) expr: Option<String>,
    #[serde(default)]
    pub(crate) when: Option<OutputWhen>,
}

/// `output.when`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct OutputWhen {
    #[serde(default, alias = "rule_activated")]
    pub(crate) rule_activated: Option<String>,
    #[serde(default, alias = "condition_not_met")]
    pub(crate) condition_not_met: Option<String>,
}

/// `schemas` of a resource policy (§10).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Schemas {
    #[serde(default, alias = "principal_schema")]
    pub(crate) principal_schema: Option<SchemaRef>,
    #[serde(default, alias = "resource_schema")]
    pub(crate) resource_schema: Option<SchemaRef>,
}

/// A schema reference with its `ignoreWhen`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SchemaRef {
    #[serde(rename = "ref")]
    pub(crate) ref_: String,
    #[serde(default, alias = "ignore_when")]
    pub(crate) ignore_when: Option<IgnoreWhen>,
}

/// `ignoreWhen`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IgnoreWhen {
    #[serde(default)]
    pub(crate) actions: Vec<String>,
}

/// `derivedRoles` (§6).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DerivedRoles {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) definitions: Vec<DerivedRoleDef>,
    #[serde(default)]
    pub(crate) constants: Option<Constants>,
    #[serde(default)]
    pub(crate) variables: Option<Variables>,
}

/// One derived role definition.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct DerivedRoleDef {
    pub(crate) name: String,
    #[serde(default, alias = "parent_roles")]
    pub(crate) parent_roles: Vec<String>,
    #[serde(default)]
    pub(crate) condition: Option<Condition>,
}

/// `principalPolicy` (§7).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PrincipalPolicy {
    pub(crate) principal: String,
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default, alias = "scope_permissions")]
    pub(crate) scope_permissions: Option<ScopePermissions>,
    #[serde(default)]
    pub(crate) constants: Option<Constants>,
    #[serde(default)]
    pub(crate) variables: Option<Variables>,
    #[serde(default)]
    pub(crate) rules: Vec<PrincipalRule>,
}

/// A principal-policy rule: a kind pattern and its actions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrincipalRule {
    pub(crate) resource: String,
    #[serde(default)]
    pub(crate) actions: Vec<PrincipalAction>,
}

/// One action of a principal rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrincipalAction {
    pub(crate) action: String,
    pub(crate) effect: Effect,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) condition: Option<Condition>,
    #[serde(default)]
    pub(crate) output: Option<Output>,
}

/// `rolePolicy` (§8).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RolePolicy {
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default, alias = "parent_roles")]
    pub(crate) parent_roles: Vec<String>,
    #[serde(default)]
    pub(crate) constants: Option<Constants>,
    #[serde(default)]
    pub(crate) variables: Option<Variables>,
    #[serde(default, alias = "scope_permissions")]
    pub(crate) scope_permissions: Option<ScopePermissions>,
    #[serde(default)]
    pub(crate) rules: Vec<RoleRule>,
}

/// A role-policy rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RoleRule {
    pub(crate) resource: String,
    #[serde(default, alias = "allow_actions")]
    pub(crate) allow_actions: Vec<String>,
    #[serde(default)]
    pub(crate) condition: Option<Condition>,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) output: Option<Output>,
}

/// `exportVariables`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportVariables {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) definitions: IndexMap<String, String>,
}

/// `exportConstants`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportConstants {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) definitions: IndexMap<String, Json>,
}
