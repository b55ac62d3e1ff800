//! The CheckResources request (`json-io.md` §2): its JSON shape and its validation rules.

use authz_core::{CheckInput, Principal, Resource};
use serde::Deserialize;

use crate::error::FieldError;
use crate::fields::{self, AuxDataTokens, RequestContext};

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

impl CheckResourcesRequest {
    /// Every rule of §2 the request breaks, each naming its field. Empty when valid.
    pub(crate) fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        fields::principal("principal", &self.principal, &mut errors);

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
            fields::version(
                &at("resource.policyVersion"),
                r.policy_version(),
                &mut errors,
            );
            fields::scope(&at("resource.scope"), r.scope(), &mut errors);
            fields::attr(&at("resource.attr"), r.attr(), &mut errors);
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
            fields::unique_non_empty(&at("actions"), "action", &entry.actions, &mut errors);
        }

        fields::tokens(self.aux_data.as_ref(), &mut errors);
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
