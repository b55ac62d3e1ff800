//! Serde models of test suite files and fixture files (`policy-format.md` §16.1–§16.2).
//!
//! Field names are camelCase with snake_case aliases; unknown fields are errors, reported by
//! [`crate::load::parse_document`] at `file:line:col`.

use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_json::Value as Json;

use crate::decision::Effect;
use crate::request::{Attributes, AuxData, Principal, Resource};

/// A whole `*_test.yaml` file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct SuiteDoc {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) skip: bool,
    #[serde(default, alias = "skip_reason")]
    pub(crate) skip_reason: String,
    #[serde(default)]
    pub(crate) options: Option<Options>,
    #[serde(default)]
    pub(crate) principals: IndexMap<String, Principal>,
    #[serde(default)]
    pub(crate) resources: IndexMap<String, Resource>,
    #[serde(default, alias = "aux_data")]
    pub(crate) aux_data: IndexMap<String, AuxData>,
    #[serde(default, alias = "principal_groups")]
    pub(crate) principal_groups: IndexMap<String, PrincipalGroup>,
    #[serde(default, alias = "resource_groups")]
    pub(crate) resource_groups: IndexMap<String, ResourceGroup>,
    pub(crate) tests: Vec<TestDef>,
    #[serde(default, rename = "$schema")]
    #[expect(dead_code, reason = "accepted and ignored")]
    pub(crate) schema: Option<String>,
}

/// Suite or test options. A test's own options replace the suite's entirely.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Options {
    /// What `now()` returns.
    #[serde(default, deserialize_with = "rfc3339")]
    pub(crate) now: Option<DateTime<Utc>>,
    #[serde(default, alias = "strict_evaluation")]
    pub(crate) strict_evaluation: Option<bool>,
    #[serde(default, alias = "default_policy_version")]
    pub(crate) default_policy_version: Option<String>,
    #[serde(default, alias = "default_scope")]
    pub(crate) default_scope: Option<String>,
    #[serde(default, alias = "lenient_scope_search")]
    pub(crate) lenient_scope_search: Option<bool>,
    #[serde(default)]
    pub(crate) globals: Option<Attributes>,
}

/// Parses an optional RFC 3339 timestamp.
fn rfc3339<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(&text)
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|e| {
            serde::de::Error::custom(format!(
                "invalid timestamp `{text}`: {e} (expected RFC 3339, e.g. `2031-03-01T09:00:00Z`)"
            ))
        })
}

/// `principalGroups.<name>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PrincipalGroup {
    pub(crate) principals: Vec<String>,
}

/// `resourceGroups.<name>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceGroup {
    pub(crate) resources: Vec<String>,
}

/// One entry of `tests`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct TestDef {
    pub(crate) name: String,
    #[serde(default)]
    #[expect(dead_code, reason = "free text, not part of the results")]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) skip: bool,
    #[serde(default, alias = "skip_reason")]
    pub(crate) skip_reason: String,
    #[serde(default)]
    pub(crate) options: Option<Options>,
    pub(crate) input: Input,
    #[serde(default)]
    pub(crate) expected: Vec<Expectation>,
}

/// `tests[].input`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Input {
    #[serde(default)]
    pub(crate) principals: Vec<String>,
    #[serde(default, alias = "principal_groups")]
    pub(crate) principal_groups: Vec<String>,
    #[serde(default)]
    pub(crate) resources: Vec<String>,
    #[serde(default, alias = "resource_groups")]
    pub(crate) resource_groups: Vec<String>,
    #[serde(default)]
    pub(crate) actions: Vec<String>,
    #[serde(default, alias = "aux_data")]
    pub(crate) aux_data: Option<String>,
}

/// `tests[].expected[]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Expectation {
    #[serde(default)]
    pub(crate) principal: Option<String>,
    #[serde(default)]
    pub(crate) principals: Option<Vec<String>>,
    #[serde(default, alias = "principal_groups")]
    pub(crate) principal_groups: Vec<String>,
    #[serde(default)]
    pub(crate) resource: Option<String>,
    #[serde(default)]
    pub(crate) resources: Option<Vec<String>>,
    #[serde(default, alias = "resource_groups")]
    pub(crate) resource_groups: Vec<String>,
    #[serde(default)]
    pub(crate) actions: IndexMap<String, Effect>,
    #[serde(default)]
    pub(crate) outputs: Vec<OutputExpectation>,
}

/// `expected[].outputs[]`: the outputs expected for one action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OutputExpectation {
    pub(crate) action: String,
    pub(crate) expected: Vec<ExpectedOutput>,
}

/// One expected output entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExpectedOutput {
    pub(crate) src: String,
    pub(crate) val: Json,
}

/// `testdata/principals.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct PrincipalsFixture {
    #[serde(default)]
    pub(crate) principals: IndexMap<String, Principal>,
    #[serde(default, alias = "principal_groups")]
    pub(crate) principal_groups: IndexMap<String, PrincipalGroup>,
    #[serde(default, rename = "$schema")]
    #[expect(dead_code, reason = "accepted and ignored")]
    pub(crate) schema: Option<String>,
}

/// `testdata/resources.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct ResourcesFixture {
    #[serde(default)]
    pub(crate) resources: IndexMap<String, Resource>,
    #[serde(default, alias = "resource_groups")]
    pub(crate) resource_groups: IndexMap<String, ResourceGroup>,
    #[serde(default, rename = "$schema")]
    #[expect(dead_code, reason = "accepted and ignored")]
    pub(crate) schema: Option<String>,
}

/// `testdata/auxdata.*`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct AuxDataFixture {
    #[serde(default, alias = "aux_data")]
    pub(crate) aux_data: IndexMap<String, AuxData>,
    #[serde(default, rename = "$schema")]
    #[expect(dead_code, reason = "accepted and ignored")]
    pub(crate) schema: Option<String>,
}
