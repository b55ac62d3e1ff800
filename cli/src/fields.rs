//! Request rules shared by CheckResources and PlanResources requests (`json-io.md` §2,
//! `query-plan.md` §1): each broken rule becomes a [`FieldError`] naming its field.

use std::collections::HashSet;

use authz_core::{Attributes, Principal};
use indexmap::IndexMap;
use serde::Deserialize;

use crate::error::FieldError;
use crate::flags::{is_scope, is_version};

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
    #[expect(dead_code, reason = "tokens are rejected: the CLI has no key set")]
    pub(crate) token: String,
    #[expect(dead_code, reason = "tokens are rejected: the CLI has no key set")]
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

/// The principal rules: a non-empty id, at least one role, unique non-empty roles, a valid
/// policy version and scope, no empty attribute name. `at` prefixes the field paths
/// (`principal`, `inputs[0].principal`).
pub(crate) fn principal(at: &str, p: &Principal, errors: &mut Vec<FieldError>) {
    if p.id().is_empty() {
        errors.push(FieldError::new(format!("{at}.id"), "must not be empty"));
    }
    if p.roles().is_empty() {
        errors.push(FieldError::new(
            format!("{at}.roles"),
            "at least one role is required",
        ));
    }
    unique_non_empty(&format!("{at}.roles"), "role", p.roles(), errors);
    version(&format!("{at}.policyVersion"), p.policy_version(), errors);
    scope(&format!("{at}.scope"), p.scope(), errors);
    attr(&format!("{at}.attr"), p.attr(), errors);
}

/// `auxData` of a request carries tokens, never claims: both forms at once is an error, and
/// any token is refused because the CLI has no key set to verify it with (fail closed).
pub(crate) fn tokens(aux: Option<&AuxDataTokens>, errors: &mut Vec<FieldError>) {
    let Some(aux) = aux else { return };
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

fn no_key_set(field: &str) -> FieldError {
    FieldError::new(
        field,
        "cannot verify the token: no key set is configured, and unverified tokens are rejected \
         (to evaluate with known claims, use `--engine` with `auxData.jwt` claims)",
    )
}

/// Every item non-empty and none repeated.
pub(crate) fn unique_non_empty(
    field: &str,
    what: &str,
    items: &[String],
    errors: &mut Vec<FieldError>,
) {
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

/// `^\w*$`.
pub(crate) fn version(field: &str, v: &str, errors: &mut Vec<FieldError>) {
    if !is_version(v) {
        errors.push(FieldError::new(
            field,
            format!("`{v}` is not a policy version: use only `A-Z`, `a-z`, `0-9` and `_`"),
        ));
    }
}

/// The scope pattern of `policy-format.md` §3.4.
pub(crate) fn scope(field: &str, s: &str, errors: &mut Vec<FieldError>) {
    if !is_scope(s) {
        errors.push(FieldError::new(
            field,
            format!(
                "`{s}` is not a scope: use dot-separated names of `A-Z`, `a-z`, `0-9`, `_` and `-`"
            ),
        ));
    }
}

/// No empty attribute name.
pub(crate) fn attr(field: &str, attr: &Attributes, errors: &mut Vec<FieldError>) {
    if attr.contains_key("") {
        errors.push(FieldError::new(field, "attribute names must not be empty"));
    }
}
