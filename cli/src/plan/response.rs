//! The PlanResources response (`query-plan.md` §2) and the engine-level PlanResourcesOutput
//! (`json-io.md` §4), built from [`PlanOutput`]s.

use authz_core::plan::PlanOutput;
use authz_core::ValidationError;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value as Json;

use super::request::PlanResource;

/// The response to one PlanResources request.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PlanResourcesResponse {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) request_id: String,
    /// Echo of the deprecated `action`, when the request used it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) action: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) actions: Option<Vec<String>>,
    pub(crate) resource_kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) policy_version: String,
    /// `{kind, condition}`.
    pub(crate) filter: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) meta: Option<Meta>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) validation_errors: Vec<ValidationError>,
    pub(crate) cerbos_call_id: String,
}

/// `includeMeta`: the filter as an S-expression and where the actions matched.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta {
    pub(crate) filter_debug: String,
    /// Per action (requests with `actions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) matched_scopes: Option<IndexMap<String, String>>,
    /// The one action's scope (requests with `action`); the root is omitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) matched_scope: Option<String>,
}

impl PlanResourcesResponse {
    /// The response for `output`; `single` is the deprecated `action` the request used.
    pub(crate) fn new(
        output: PlanOutput,
        single: Option<String>,
        include_meta: bool,
        cerbos_call_id: String,
    ) -> Self {
        let meta = include_meta.then(|| {
            let filter_debug = output.filter_debug();
            match &single {
                Some(a) => Meta {
                    filter_debug,
                    matched_scopes: None,
                    matched_scope: output
                        .matched_scopes
                        .get(a)
                        .filter(|s| !s.is_empty())
                        .cloned(),
                },
                None => Meta {
                    filter_debug,
                    matched_scopes: Some(output.matched_scopes.clone()),
                    matched_scope: None,
                },
            }
        });
        let actions = single.is_none().then(|| output.actions.clone());
        PlanResourcesResponse {
            request_id: output.request_id,
            action: single,
            actions,
            resource_kind: output.resource_kind,
            policy_version: output.policy_version,
            filter: output.filter.to_json(),
            meta,
            validation_errors: output.validation_errors,
            cerbos_call_id,
        }
    }
}

/// One PlanResourcesOutput of `--engine` mode.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnginePlanOutput {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) request_id: String,
    pub(crate) actions: Vec<String>,
    pub(crate) kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) policy_version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) scope: String,
    pub(crate) filter: Json,
    pub(crate) filter_debug: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) validation_errors: Vec<ValidationError>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    pub(crate) matched_scopes: IndexMap<String, String>,
}

impl EnginePlanOutput {
    /// The record for `output`, planned for `resource`.
    pub(crate) fn new(output: PlanOutput, resource: &PlanResource) -> Self {
        EnginePlanOutput {
            filter_debug: output.filter_debug(),
            filter: output.filter.to_json(),
            request_id: output.request_id,
            actions: output.actions,
            kind: output.resource_kind,
            policy_version: output.policy_version,
            scope: resource.scope.clone(),
            validation_errors: output.validation_errors,
            matched_scopes: output.matched_scopes,
        }
    }
}
