//! The CheckResources response (`json-io.md` §3), built from engine outputs.

use authz_core::{CheckOutput, Effect, OutputEntry, Resource, ValidationError};
use indexmap::IndexMap;
use serde::Serialize;

/// The response to one CheckResources request.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CheckResourcesResponse {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) request_id: String,
    pub(crate) cerbos_call_id: String,
    pub(crate) results: Vec<ResultEntry>,
}

/// The decisions for one resource entry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResultEntry {
    pub(crate) resource: ResourceEcho,
    pub(crate) actions: IndexMap<String, Effect>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) meta: Option<Meta>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) outputs: Vec<OutputEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) validation_errors: Vec<ValidationError>,
}

/// The resource as sent, without defaults applied.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ResourceEcho {
    pub(crate) id: String,
    pub(crate) kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) policy_version: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) scope: String,
}

/// What decided (`includeMeta`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Meta {
    pub(crate) actions: IndexMap<String, ActionMeta>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) effective_derived_roles: Vec<String>,
}

/// The deciding policy and scope of one action.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ActionMeta {
    pub(crate) matched_policy: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub(crate) matched_scope: String,
}

impl ResultEntry {
    /// The result for `resource` from its engine output. Evaluation errors are dropped: they
    /// never appear in responses (§3).
    pub(crate) fn new(resource: &Resource, output: CheckOutput, include_meta: bool) -> Self {
        let CheckOutput {
            actions: decisions,
            effective_derived_roles,
            validation_errors,
            outputs,
            ..
        } = output;
        let actions = decisions
            .iter()
            .map(|(a, d)| (a.clone(), d.effect))
            .collect();
        let meta = include_meta.then(|| Meta {
            actions: decisions
                .into_iter()
                .map(|(a, d)| {
                    (
                        a,
                        ActionMeta {
                            matched_policy: d.policy,
                            matched_scope: d.scope,
                        },
                    )
                })
                .collect(),
            effective_derived_roles,
        });
        ResultEntry {
            resource: ResourceEcho {
                id: resource.id().to_string(),
                kind: resource.kind().to_string(),
                policy_version: resource.policy_version().to_string(),
                scope: resource.scope().to_string(),
            },
            actions,
            meta,
            outputs,
            validation_errors,
        }
    }
}
