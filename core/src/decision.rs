//! What a check answers: per action an effect and the policy that decided it, plus outputs and
//! diagnostics (`CheckOutput` of `json-io.md` §4).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Effect {
    /// The action is permitted.
    #[serde(rename = "EFFECT_ALLOW", alias = "1")]
    Allow,
    /// The action is refused (also the default when nothing allows).
    #[serde(rename = "EFFECT_DENY", alias = "2")]
    Deny,
}

impl Effect {
    /// `EFFECT_ALLOW` or `EFFECT_DENY`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "EFFECT_ALLOW",
            Effect::Deny => "EFFECT_DENY",
        }
    }
}

/// The decision for one action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionDecision {
    /// Allow or deny.
    pub effect: Effect,
    /// Key of the deciding policy (`resource.expense.vdefault`), or `NO_MATCH`.
    pub policy: String,
    /// The scope whose rule decided; empty for the root.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub scope: String,
    /// The rule reference (`<policy key>#<rule name>`) that decided, when a rule did.
    /// Not part of Cerbos's JSON shape: kept for logs and explanations.
    #[serde(default, skip)]
    pub rule: Option<String>,
}

/// One output entry of a rule (§13).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputEntry {
    /// Rule reference: `<policy key>#<rule name>`.
    pub src: String,
    /// The requested action the rule was evaluated for.
    pub action: String,
    /// The value of the output expression, absent when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val: Option<Json>,
    /// The evaluation error of the output expression, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A runtime error met while evaluating a condition (§14.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EvaluationError {
    /// The source text of the failing expression.
    pub expression: String,
    /// What went wrong.
    pub message: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CelErrorJson {
    cel_error: CelErrorBody,
}

#[derive(Serialize, Deserialize)]
struct CelErrorBody {
    expression: String,
    message: String,
}

impl Serialize for EvaluationError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        CelErrorJson {
            cel_error: CelErrorBody {
                expression: self.expression.clone(),
                message: self.message.clone(),
            },
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for EvaluationError {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let j = CelErrorJson::deserialize(d)?;
        Ok(EvaluationError {
            expression: j.cel_error.expression,
            message: j.cel_error.message,
        })
    }
}

/// Which attributes a schema violation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValidationSource {
    /// `principal.attr`.
    #[serde(rename = "SOURCE_PRINCIPAL")]
    Principal,
    /// `resource.attr`.
    #[serde(rename = "SOURCE_RESOURCE")]
    Resource,
}

/// A schema violation (§10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationError {
    /// JSON pointer into the attributes, e.g. `/budget`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// Principal or resource.
    pub source: ValidationSource,
}

/// The result of one [`CheckInput`](crate::CheckInput).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckOutput {
    /// Echo of the input's request id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub request_id: String,
    /// Echo of the resource id.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub resource_id: String,
    /// Every requested action, in request order.
    pub actions: IndexMap<String, ActionDecision>,
    /// Derived roles found active (§12.6), ascending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effective_derived_roles: Vec<String>,
    /// Schema violations (§10).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub validation_errors: Vec<ValidationError>,
    /// Rule outputs in evaluation order (§13).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<OutputEntry>,
    /// Runtime errors met, deduplicated (§14.3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evaluation_errors: Vec<EvaluationError>,
}

impl CheckOutput {
    /// Whether `action` was requested and allowed. Unknown actions are not allowed.
    pub fn is_allowed(&self, action: &str) -> bool {
        self.actions
            .get(action)
            .is_some_and(|d| d.effect == Effect::Allow)
    }

    /// The effect for `action`; [`Effect::Deny`] for an action that was not requested.
    pub fn effect(&self, action: &str) -> Effect {
        self.actions.get(action).map_or(Effect::Deny, |d| d.effect)
    }
}
