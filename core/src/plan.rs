//! Query planning: "on which resources of this kind may this principal do these actions?"
//! as a [`Filter`] over resource attributes (`query-plan.md`).
//!
//! ```
//! use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
//! use authz_core::plan::{Filter, PlanInput};
//!
//! let policies = PolicySet::from_sources([("doc.yaml", r#"
//! apiVersion: api.cerbos.dev/v1
//! resourcePolicy:
//!   resource: doc
//!   version: default
//!   rules:
//!     - actions: [read]
//!       effect: EFFECT_ALLOW
//!       roles: [user]
//!       condition:
//!         match:
//!           expr: R.attr.owner == P.id
//! "#)]).unwrap();
//! let engine = Engine::new(policies, EngineConfig::default());
//! let input = PlanInput::new(Principal::new("alice", ["user"]), Resource::new("doc", ""), ["read"]);
//! let plan = engine.plan(&input).unwrap();
//! assert_eq!(plan.filter.to_string(), r#"(eq request.resource.attr.owner "alice")"#);
//! ```
//!
//! # The guarantee
//!
//! For every resource `r` of the kind (with the known attributes of the request), the filter
//! evaluates to `true` exactly when [`Engine::check`](crate::Engine::check) allows the
//! action(s) on `r` — including condition failures (a missing attribute fails a condition,
//! which denies in strict mode) and the exact role order, deny rules, derived roles, scopes
//! and scope permissions of checks. Where the plan cannot say that faithfully, planning
//! returns a [`PlanError`] instead of a wider (or narrower) filter.
//!
//! Deliberate differences from Cerbos' planner, which is inexact in places:
//! - a conditional DENY under one role does not constrain another role's ALLOW (checks do
//!   not either);
//! - `has(R.attr.x)` on an attribute that was not supplied stays in the plan as `has`
//!   instead of becoming `true`;
//! - `x in []` becomes `false` only where it is tested for truth (its negation fails when
//!   `x` is missing, so it stays).

mod eval;
mod filter;
mod formula;
mod partial;
mod render;
mod walk;

use indexmap::IndexMap;
use serde_json::Value as Json;

pub use filter::{Expression, Filter, Operand};

use crate::compile::model::Compiled;
use crate::config::{EvaluationMode, Prepared, SchemaEnforcement};
use crate::decision::{ValidationError, ValidationSource};
use crate::eval::check::{non_empty, strip_dot, Chain, NO_MATCH};
use crate::eval::values;
use crate::names::sanitize;
use crate::request::{AuxData, Principal, Resource};

/// A plan request (`query-plan.md` §1).
#[derive(Debug, Clone)]
pub struct PlanInput {
    /// Correlates the plan with a request; echoed in the output.
    pub request_id: String,
    /// The actions (1 to 20, unique): the plan allows a resource when all of them are
    /// allowed.
    pub actions: Vec<String>,
    /// Who asks.
    pub principal: Principal,
    /// The resource kind, with its policy version, scope and the attributes already known
    /// (the id is ignored: it is unknown by definition).
    pub resource: Resource,
    /// Verified token claims.
    pub aux_data: AuxData,
}

impl PlanInput {
    /// A plan of `actions` by `principal` on resources like `resource`.
    pub fn new<A: Into<String>>(
        principal: Principal,
        resource: Resource,
        actions: impl IntoIterator<Item = A>,
    ) -> PlanInput {
        PlanInput {
            request_id: String::new(),
            actions: actions.into_iter().map(Into::into).collect(),
            principal,
            resource,
            aux_data: AuxData::default(),
        }
    }
}

/// A plan (`query-plan.md` §2).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOutput {
    /// Echoed from the request.
    pub request_id: String,
    /// Echoed from the request.
    pub actions: Vec<String>,
    /// The resource kind, as sent.
    pub resource_kind: String,
    /// The resource policy version, as sent (may be empty).
    pub policy_version: String,
    /// Which resources the actions are allowed on.
    pub filter: Filter,
    /// No policy matched any action: the filter is [`Filter::AlwaysDenied`] and
    /// `filterDebug` says `NO_MATCH`.
    pub no_match: bool,
    /// Per action, the leaf-most scope whose policies matched it (`""`: root or none).
    pub matched_scopes: IndexMap<String, String>,
    /// Schema violations of the principal (and of the known resource attributes).
    pub validation_errors: Vec<ValidationError>,
}

impl PlanOutput {
    /// `meta.filterDebug` (§8).
    pub fn filter_debug(&self) -> String {
        if self.no_match {
            NO_MATCH.to_string()
        } else {
            self.filter.to_string()
        }
    }

    /// Whether a resource can pass at all (the filter is not [`Filter::AlwaysDenied`]).
    pub fn may_allow(&self) -> bool {
        self.filter != Filter::AlwaysDenied
    }
}

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// Part of the policies cannot be expressed as a filter that is exactly as permissive as
    /// checks: planning refuses rather than return a wider or narrower filter.
    #[error("cannot plan {action}faithfully: {reason}")]
    Unsupported {
        /// The action being planned (`action `x` ` prefix in the message), if known.
        action: String,
        /// What could not be expressed.
        reason: String,
    },
    /// The request is malformed (no actions, duplicate actions, missing kind).
    #[error("invalid plan request: {0}")]
    InvalidInput(String),
    /// A bug in the planner (including a caught panic); details are logged.
    #[error("internal planner error: {0}")]
    Internal(String),
}

impl PlanError {
    pub(crate) fn unsupported(reason: impl Into<String>) -> PlanError {
        PlanError::Unsupported {
            action: String::new(),
            reason: reason.into(),
        }
    }

    pub(crate) fn internal(reason: impl Into<String>) -> PlanError {
        PlanError::Internal(reason.into())
    }

    fn for_action(self, a: &str) -> PlanError {
        match self {
            PlanError::Unsupported { reason, .. } => PlanError::Unsupported {
                action: format!("action `{a}` "),
                reason,
            },
            other => other,
        }
    }
}

/// The most actions one plan request may carry.
const MAX_ACTIONS: usize = 20;

/// Plans `input` against compiled policies.
pub(crate) fn plan(
    c: &Compiled,
    cfg: &Prepared,
    now: Option<chrono::DateTime<chrono::Utc>>,
    input: &PlanInput,
) -> Result<PlanOutput, PlanError> {
    validate_input(input)?;
    let p = &input.principal;
    let r = &input.resource;
    let dv = cfg.cfg.default_policy_version.as_str();
    let pv = non_empty(p.policy_version(), dv);
    let rv = non_empty(r.policy_version(), dv);
    let ds = cfg.cfg.default_scope.as_str();
    let ps = strip_dot(non_empty(p.scope(), ds));
    let rs = strip_dot(non_empty(r.scope(), ds));
    let kind = sanitize(r.kind());
    let lenient = cfg.cfg.lenient_scope_search;
    let pc = Chain::new(ps, &c.principal_scopes, lenient);
    let rc = Chain::new(rs, &c.resource_scopes, lenient);

    let mut out = PlanOutput {
        request_id: input.request_id.clone(),
        actions: input.actions.clone(),
        resource_kind: r.kind().to_string(),
        policy_version: r.policy_version().to_string(),
        filter: Filter::AlwaysDenied,
        no_match: false,
        matched_scopes: IndexMap::new(),
        validation_errors: Vec::new(),
    };
    if pc.is_empty() && rc.is_empty() {
        out.no_match = true;
        return Ok(out);
    }
    if cfg.cfg.schema_enforcement != SchemaEnforcement::None {
        let rejected = schemas(c, cfg, &kind, rv, input, &mut out.validation_errors)?;
        if rejected {
            return Ok(out);
        }
    }

    let now_val = now.map(values::timestamp_val);
    let inputs = partial::Inputs {
        principal: p,
        resource: r,
        globals: &*cfg.globals,
        aux: &input.aux_data,
        now: now_val.as_deref(),
    };
    let mut walker = walk::Walker::new(
        c,
        partial::Partial::new(&inputs),
        cfg.cfg.evaluation_mode == EvaluationMode::Strict,
        p.roles(),
        p.id(),
        rs,
    );
    let mut conditions: Vec<Operand> = Vec::new();
    let mut denied = false;
    for action in &input.actions {
        let f = walker
            .decide(action, &kind, pv, rv, &pc, &rc)
            .map_err(|e| e.for_action(action))?;
        out.matched_scopes.insert(
            action.clone(),
            walker.matched_scope.unwrap_or("").to_string(),
        );
        match render::fold_atoms(f) {
            formula::Fm::Const(true) => {}
            formula::Fm::Const(false) => denied = true,
            // Once an action is denied outright, the others only matter for the metadata.
            _ if denied => {}
            f => {
                let o = render::formula(&f).map_err(|e| e.for_action(action))?;
                if !conditions.iter().any(|c| c.to_string() == o.to_string()) {
                    conditions.push(o);
                }
            }
        }
    }
    if denied {
        out.no_match = !walker.matched;
        return Ok(out);
    }
    out.filter = match conditions.len() {
        0 => Filter::AlwaysAllowed,
        1 => Filter::Conditional(conditions.remove(0)),
        _ => {
            conditions.sort_by_key(|c| c.to_string());
            Filter::Conditional(Operand::expr("and", conditions))
        }
    };
    Ok(out)
}

fn validate_input(input: &PlanInput) -> Result<(), PlanError> {
    if input.resource.kind().is_empty() {
        return Err(PlanError::InvalidInput("`resource.kind` is empty".into()));
    }
    if input.actions.is_empty() || input.actions.len() > MAX_ACTIONS {
        return Err(PlanError::InvalidInput(format!(
            "`actions` must hold 1 to {MAX_ACTIONS} actions"
        )));
    }
    for (i, a) in input.actions.iter().enumerate() {
        if a.is_empty() {
            return Err(PlanError::InvalidInput(format!("`actions[{i}]` is empty")));
        }
        if input.actions[..i].contains(a) {
            return Err(PlanError::InvalidInput(format!(
                "`actions[{i}]` repeats `{a}`"
            )));
        }
    }
    Ok(())
}

/// Validates the principal and the known resource attributes against the policy's schemas.
/// Returns whether the plan is denied outright (`reject` with violations). A resource schema
/// under `reject` cannot be planned: whether a row conforms is not something the filter says.
fn schemas(
    c: &Compiled,
    cfg: &Prepared,
    kind: &str,
    rv: &str,
    input: &PlanInput,
    out: &mut Vec<ValidationError>,
) -> Result<bool, PlanError> {
    let Some(root) = c.resource(kind, rv, "") else {
        return Ok(false);
    };
    let Some(schemas) = &root.schemas else {
        return Ok(false);
    };
    let reject = cfg.cfg.schema_enforcement == SchemaEnforcement::Reject;
    let ignored = |ignore_when: &[crate::names::Pattern]| {
        input
            .actions
            .iter()
            .all(|a| ignore_when.iter().any(|p| p.matches(a)))
    };
    if let Some(sref) = &schemas.resource {
        if reject && !ignored(&sref.ignore_when) {
            return Err(PlanError::unsupported(
                "schema enforcement `reject` with a resource schema: whether each resource \
                 conforms cannot be part of the filter",
            ));
        }
    }
    for (sref, source, attr, partial) in [
        (
            &schemas.principal,
            ValidationSource::Principal,
            input.principal.attr(),
            false,
        ),
        (
            &schemas.resource,
            ValidationSource::Resource,
            input.resource.attr(),
            true,
        ),
    ] {
        let Some(sref) = sref else { continue };
        if ignored(&sref.ignore_when) {
            continue;
        }
        let Some(schema) = c.schemas.get(&sref.url) else {
            continue;
        };
        for (path, message) in schema.validate(&Json::Object(attr.clone()), partial) {
            out.push(ValidationError {
                path,
                message,
                source,
            });
        }
    }
    Ok(reject && !out.is_empty())
}
