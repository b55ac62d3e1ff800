//! The PlanResources request (`query-plan.md` §1) and the engine-level PlanResourcesInput
//! (`json-io.md` §4): their JSON shapes and validation rules.

use authz_core::plan::PlanInput;
use authz_core::{Attributes, AuxData, Principal, Resource};
use serde::Deserialize;
use serde_json::Value as Json;

use crate::error::FieldError;
use crate::fields::{self, AuxDataTokens, RequestContext};

/// Most actions in one plan request (`query-plan.md` §1).
pub(crate) const MAX_ACTIONS: usize = 20;

/// A PlanResources request as sent; snake_case names are accepted too.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PlanResourcesRequest {
    #[serde(default, alias = "request_id")]
    pub(crate) request_id: String,
    #[serde(default)]
    pub(crate) actions: Option<Vec<String>>,
    /// The deprecated single action; exactly one of `action` and `actions` is present.
    #[serde(default)]
    pub(crate) action: Option<String>,
    #[serde(default, alias = "include_meta")]
    pub(crate) include_meta: bool,
    pub(crate) principal: Principal,
    pub(crate) resource: PlanResource,
    #[serde(default, alias = "aux_data")]
    pub(crate) aux_data: Option<AuxDataTokens>,
    #[expect(
        dead_code,
        reason = "accepted and validated; the CLI writes no decision log"
    )]
    #[serde(default, alias = "request_context")]
    pub(crate) request_context: Option<RequestContext>,
}

/// One PlanResourcesInput of `--engine` mode: `auxData` holds verified claims.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct EnginePlanInput {
    #[serde(default, alias = "request_id")]
    pub(crate) request_id: String,
    #[serde(default)]
    pub(crate) actions: Option<Vec<String>>,
    /// The deprecated single action, as in older decision logs.
    #[serde(default)]
    pub(crate) action: Option<String>,
    pub(crate) principal: Principal,
    pub(crate) resource: PlanResource,
    #[serde(default, alias = "aux_data")]
    pub(crate) aux_data: AuxData,
    /// Accepted for compatibility: engine outputs always carry `filterDebug` and
    /// `matchedScopes`.
    #[expect(dead_code, reason = "engine outputs always carry their metadata")]
    #[serde(default, alias = "include_meta")]
    pub(crate) include_meta: bool,
}

/// The resource of a plan request: a kind and what is already known, never an id.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PlanResource {
    #[serde(default)]
    pub(crate) kind: Option<String>,
    #[serde(default, alias = "policy_version")]
    pub(crate) policy_version: String,
    #[serde(default)]
    pub(crate) scope: String,
    #[serde(default)]
    pub(crate) attr: Attributes,
    /// Read only to refuse it with a clear message.
    #[serde(default)]
    pub(crate) id: Option<Json>,
}

impl PlanResourcesRequest {
    /// Every rule of §1 the request breaks, each naming its field. Empty when valid.
    pub(crate) fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        validate(
            "",
            self.actions.as_deref(),
            self.action.as_deref(),
            &self.principal,
            &self.resource,
            &mut errors,
        );
        fields::tokens(self.aux_data.as_ref(), &mut errors);
        errors
    }

    /// The engine's plan input (the request's `auxData` carries no claims once validated).
    pub(crate) fn to_input(&self) -> PlanInput {
        plan_input(
            &self.request_id,
            self.actions.as_deref(),
            self.action.as_deref(),
            &self.principal,
            &self.resource,
            AuxData::default(),
        )
    }
}

impl EnginePlanInput {
    /// Every rule the input breaks, fields prefixed with `at` (`inputs[0]`).
    pub(crate) fn validate(&self, at: &str, errors: &mut Vec<FieldError>) {
        validate(
            at,
            self.actions.as_deref(),
            self.action.as_deref(),
            &self.principal,
            &self.resource,
            errors,
        );
    }

    /// The engine's plan input.
    pub(crate) fn to_input(&self) -> PlanInput {
        plan_input(
            &self.request_id,
            self.actions.as_deref(),
            self.action.as_deref(),
            &self.principal,
            &self.resource,
            self.aux_data.clone(),
        )
    }
}

fn plan_input(
    request_id: &str,
    actions: Option<&[String]>,
    action: Option<&str>,
    principal: &Principal,
    resource: &PlanResource,
    aux_data: AuxData,
) -> PlanInput {
    let actions: Vec<String> = match (actions, action) {
        (Some(list), _) => list.to_vec(),
        (None, Some(one)) => vec![one.to_string()],
        (None, None) => Vec::new(),
    };
    let resource = Resource::new(resource.kind.clone().unwrap_or_default(), "")
        .with_policy_version(resource.policy_version.clone())
        .with_scope(resource.scope.clone())
        .with_attrs(resource.attr.clone());
    PlanInput {
        request_id: request_id.to_string(),
        aux_data,
        ..PlanInput::new(principal.clone(), resource, actions)
    }
}

/// The rules shared by requests and engine inputs; `at` prefixes field paths.
fn validate(
    at: &str,
    actions: Option<&[String]>,
    action: Option<&str>,
    principal: &Principal,
    resource: &PlanResource,
    errors: &mut Vec<FieldError>,
) {
    let path = |f: &str| {
        if at.is_empty() {
            f.to_string()
        } else {
            format!("{at}.{f}")
        }
    };
    match (actions, action) {
        (Some(_), Some(_)) => errors.push(FieldError::new(
            path("action"),
            "set `actions` or the deprecated `action`, not both",
        )),
        (None, None) => errors.push(FieldError::new(
            path("actions"),
            "at least one action is required (or the deprecated `action`)",
        )),
        (None, Some(a)) => {
            if a.is_empty() {
                errors.push(FieldError::new(path("action"), "must not be empty"));
            }
        }
        (Some(list), None) => {
            match list.len() {
                0 => errors.push(FieldError::new(
                    path("actions"),
                    "at least one action is required",
                )),
                n if n > MAX_ACTIONS => errors.push(FieldError::new(
                    path("actions"),
                    format!("at most {MAX_ACTIONS} actions are allowed, got {n}"),
                )),
                _ => {}
            }
            fields::unique_non_empty(&path("actions"), "action", list, errors);
        }
    }
    fields::principal(&path("principal"), principal, errors);
    match resource.kind.as_deref() {
        None => errors.push(FieldError::new(path("resource.kind"), "is required")),
        Some("") => errors.push(FieldError::new(path("resource.kind"), "must not be empty")),
        Some(_) => {}
    }
    if resource.id.is_some() {
        errors.push(FieldError::new(
            path("resource.id"),
            "a plan request has no resource id: the plan covers every resource of the kind",
        ));
    }
    fields::version(
        &path("resource.policyVersion"),
        &resource.policy_version,
        errors,
    );
    fields::scope(&path("resource.scope"), &resource.scope, errors);
    fields::attr(&path("resource.attr"), &resource.attr, errors);
}
