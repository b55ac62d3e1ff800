//! The CheckResources request (`json-io.md` §2): its JSON shape and its validation rules.

use std::collections::HashSet;

use authz_core::{Attributes, CheckInput, Principal, Resource};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::error::FieldError;
use crate::flags::{is_scope, is_version};

/// Most resource entries in one request (§15 request limits).
pub(crate) const MAX_RESOURCES: usize = 50;
/// Most actions per resource entry.
pub(crate) const MAX_ACTIONS: usize = 50;

/// A CheckResources request as sent; snake_case names are accepted too.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CheckResourcesRequest {
    #[serde(default, alias = "request_id")]
    pub(crate) request_id: String,
    #[serde(default, alias = "include_meta")]
    pub(crate) include_meta: bool,
    pub(crate) principal: Principal,
    pub(crate) resources: Vec<ResourceEntry>,
    #[serde(default, alias = "aux_data")]
    pub(crate) aux_data: Option<AuxDataTokens>,
    #[expect(
        dead_code,
        reason = "accepted and validated; the CLI writes no decision log"
    )]
    #[serde(default, alias = "request_context")]
    pub(crate) request_context: Option<RequestContext>,
}

/// One resource and the actions to decide on it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceEntry {
    pub(crate) resource: Resource,
    pub(crate) actions: Vec<String>,
}

/// Tokens to verify: `jwt` or `jwts`, not both.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AuxDataTokens {
    #[serde(default)]
    pub(crate) jwt: Option<Token>,
    #[serde(default)]
    pub(crate) jwts: Option<IndexMap<String, Token>>,
}

/// A compact JWS and the key set to verify it with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Token {
    #[expect(dead_code, reason = "tokens are rejected: this command has no key set")]
    pub(crate) token: String,
    #[expect(dead_code, reason = "tokens are rejected: this command has no key set")]
    #[serde(default, alias = "key_set_id")]
    pub(crate) key_set_id: String,
}

/// Annotations for the decision log.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestContext {
    #[expect(
        dead_code,
        reason = "accepted and validated; the CLI writes no decision log"
    )]
    #[serde(default)]
    pub(crate) annotations: Attributes,
}

impl CheckResourcesRequest {
    /// Every rule of §2 the request breaks, each naming its field. Empty when valid.
    pub(crate) fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let p = &self.principal;
        if p.id().is_empty() {
            errors.push(FieldError::new("principal.id", "must not be empty"));
        }
        if p.roles().is_empty() {
            errors.push(FieldError::new(
                "principal.roles",
                "at least one role is required",
            ));
        }
        unique_non_empty("principal.roles", "role", p.roles(), &mut errors);
        version("principal.policyVersion", p.policy_version(), &mut errors);
        scope("principal.scope", p.scope(), &mut errors);
        attr("principal.attr", p.attr(), &mut errors);

        match self.resources.len() {
            0 => errors.push(FieldError::new(
                "resources",
                "at least one resource is required",
            )),
            n if n > MAX_RESOURCES => errors.push(FieldError::new(
                "resources",
                format!("at most {MAX_RESOURCES} resources are allowed, got {n}"),
            )),
            _ => {}
        }
        for (i, entry) in self.resources.iter().enumerate() {
            let r = &entry.resource;
            let at = |f: &str| format!("resources[{i}].{f}");
            if r.kind().is_empty() {
                errors.push(FieldError::new(at("resource.kind"), "must not be empty"));
            }
            if r.id().is_empty() {
                errors.push(FieldError::new(at("resource.id"), "must not be empty"));
            }
            version(
                &at("resource.policyVersion"),
                r.policy_version(),
                &mut errors,
            );
            scope(&at("resource.scope"), r.scope(), &mut errors);
            attr(&at("resource.attr"), r.attr(), &mut errors);
            match entry.actions.len() {
                0 => errors.push(FieldError::new(
                    at("actions"),
                    "at least one action is required",
                )),
                n if n > MAX_ACTIONS => errors.push(FieldError::new(
                    at("actions"),
                    format!("at most {MAX_ACTIONS} actions are allowed, got {n}"),
                )),
                _ => {}
            }
            unique_non_empty(&at("actions"), "action", &entry.actions, &mut errors);
        }

        if let Some(aux) = &self.aux_data {
            match (&aux.jwt, &aux.jwts) {
                (Some(_), Some(_)) => {
                    errors.push(FieldError::new("auxData", "set `jwt` or `jwts`, not both"))
                }
                (Some(_), None) => errors.push(no_key_set("auxData.jwt")),
                (None, Some(named)) => {
                    for name in named.keys() {
                        errors.push(no_key_set(&format!("auxData.jwts.{name}")));
                    }
                }
                (None, None) => {}
            }
        }
        errors
    }

    /// One check input per resource entry, sharing the principal (§2).
    pub(crate) fn into_inputs(self) -> Vec<CheckInput> {
        let CheckResourcesRequest {
            request_id,
            principal,
            resources,
            ..
        } = self;
        resources
            .into_iter()
            .map(|e| CheckInput {
                request_id: request_id.clone(),
                ..CheckInput::new(principal.clone(), e.resource, e.actions)
            })
            .collect()
    }
}

fn no_key_set(field: &str) -> FieldError {
    FieldError::new(
        field,
        "cannot verify the token: no key set is configured, and unverified tokens are rejected \
         (to evaluate with known claims, use `check --engine` with `auxData.jwt` claims)",
    )
}

fn unique_non_empty(field: &str, what: &str, items: &[String], errors: &mut Vec<FieldError>) {
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        if item.is_empty() {
            errors.push(FieldError::new(
                format!("{field}[{i}]"),
                "must not be empty",
            ));
        } else if !seen.insert(item.as_str()) {
            errors.push(FieldError::new(
                format!("{field}[{i}]"),
                format!("duplicate {what} `{item}`"),
            ));
        }
    }
}

fn version(field: &str, v: &str, errors: &mut Vec<FieldError>) {
    if !is_version(v) {
        errors.push(FieldError::new(
            field,
            format!("`{v}` is not a policy version: use only `A-Z`, `a-z`, `0-9` and `_`"),
        ));
    }
}

fn scope(field: &str, s: &str, errors: &mut Vec<FieldError>) {
    if !is_scope(s) {
        errors.push(FieldError::new(
            field,
            format!(
                "`{s}` is not a scope: use dot-separated names of `A-Z`, `a-z`, `0-9`, `_` and `-`"
            ),
        ));
    }
}

fn attr(field: &str, attr: &Attributes, errors: &mut Vec<FieldError>) {
    if attr.contains_key("") {
        errors.push(FieldError::new(field, "attribute names must not be empty"));
    }
}
