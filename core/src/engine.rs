//! The engine handle: a policy set plus settings, cheap to clone, safe to share, swappable.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};

use crate::compile::model::Compiled;
use crate::config::{EngineConfig, Prepared};
use crate::decision::{ActionDecision, CheckOutput, Effect, EvaluationError};
use crate::eval::{
    self,
    check::{Clock, InputRef},
};
use crate::policy_set::PolicySet;
use crate::request::{AuxData, CheckInput, Principal, Resource};

/// The authorization engine: evaluates checks against the current policy set.
///
/// Clone it freely (an `Arc` inside) and share it between threads. [`Engine::swap`] replaces
/// the policy set atomically: checks in flight finish on the set they started with.
///
/// ```
/// use authz_core::{CheckInput, Engine, EngineConfig, PolicySet, Principal, Resource};
///
/// let set = PolicySet::from_sources([("p.yaml", r#"
/// apiVersion: api.cerbos.dev/v1
/// resourcePolicy:
///   resource: expense
///   version: default
///   rules:
///     - actions: [view]
///       effect: EFFECT_ALLOW
///       roles: [user]
///       condition:
///         match:
///           expr: R.attr.owner == P.id
/// "#)]).unwrap();
/// let engine = Engine::new(set, EngineConfig::default());
/// let alice = Principal::new("alice", ["user"]);
/// let mine = Resource::new("expense", "e1").with_attr("owner", "alice".into());
/// let out = engine.check(&CheckInput::new(alice, mine, ["view", "delete"]));
/// assert!(out.is_allowed("view"));
/// assert!(!out.is_allowed("delete"));
/// assert_eq!(out.actions["view"].policy, "resource.expense.vdefault");
/// ```
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    policies: ArcSwap<Compiled>,
    cfg: Prepared,
}

impl fmt::Debug for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.cfg.cfg)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over `policies` with `config`.
    pub fn new(policies: PolicySet, config: EngineConfig) -> Engine {
        Engine {
            inner: Arc::new(Inner {
                policies: ArcSwap::new(policies.inner),
                cfg: Prepared::new(config),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> &EngineConfig {
        &self.inner.cfg.cfg
    }

    /// The policy set currently in service.
    pub fn policies(&self) -> PolicySet {
        PolicySet {
            inner: self.inner.policies.load_full(),
        }
    }

    /// Replaces the policy set atomically. Checks already running finish on the old set.
    pub fn swap(&self, policies: PolicySet) {
        self.inner.policies.store(policies.inner);
    }

    /// Decides every action of `input`, with `now()` the current time.
    pub fn check(&self, input: &CheckInput) -> CheckOutput {
        self.check_at(std::slice::from_ref(input), Utc::now())
            .pop()
            .unwrap_or_default()
    }

    /// Decides a batch with one shared `now()`: one output per input, in order.
    pub fn check_batch(&self, inputs: &[CheckInput]) -> Vec<CheckOutput> {
        self.check_at(inputs, Utc::now())
    }

    /// Decides a batch with `now()` fixed to `now`.
    pub fn check_at(&self, inputs: &[CheckInput], now: DateTime<Utc>) -> Vec<CheckOutput> {
        let set = self.inner.policies.load();
        let now = Clock::new(Some(now));
        inputs
            .iter()
            .map(|i| {
                let input = InputRef {
                    request_id: &i.request_id,
                    principal: &i.principal,
                    resource: &i.resource,
                    actions: &i.actions,
                    aux_data: &i.aux_data,
                };
                guarded(&set, &self.inner.cfg, &now, input).output
            })
            .collect()
    }

    /// One principal, many resources (each with its actions), one shared `now()`: the batch
    /// form for list pages. The principal's CEL view is built once for the whole batch.
    pub fn check_resources<'r>(
        &self,
        principal: &Principal,
        resources: impl IntoIterator<Item = (&'r Resource, &'r [String])>,
        aux_data: &AuxData,
    ) -> Vec<CheckOutput> {
        let set = self.inner.policies.load();
        let now = Clock::new(Some(Utc::now()));
        resources
            .into_iter()
            .map(|(resource, actions)| {
                let input = InputRef {
                    request_id: "",
                    principal,
                    resource,
                    actions,
                    aux_data,
                };
                guarded(&set, &self.inner.cfg, &now, input).output
            })
            .collect()
    }

    /// Decides a single action without building a [`CheckOutput`]: the request-path entry for
    /// web adapters. `f` receives the decision with names borrowed from the policy set, so the
    /// common path (no outputs, no errors) allocates nothing. Returns what `f` returns.
    ///
    /// ```
    /// use authz_core::{AuxData, Effect, Engine, EngineConfig, PolicySet, Principal, Resource};
    /// let set = PolicySet::from_sources([("p.yaml", "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [user]\n")]).unwrap();
    /// let engine = Engine::new(set, EngineConfig::default());
    /// let (p, r) = (Principal::new("u1", ["user"]), Resource::new("doc", "d1"));
    /// let allowed = engine.decide_with(&p, &r, "read", &AuxData::default(), |d| {
    ///     assert_eq!(d.policy, "resource.doc.vdefault");
    ///     d.effect == Effect::Allow
    /// });
    /// assert!(allowed);
    /// ```
    pub fn decide_with<R>(
        &self,
        principal: &Principal,
        resource: &Resource,
        action: &str,
        aux_data: &AuxData,
        f: impl FnOnce(DecisionRef<'_>) -> R,
    ) -> R {
        let set = self.inner.policies.load();
        let now = Clock::system();
        let input = InputRef {
            request_id: "",
            principal,
            resource,
            actions: &[],
            aux_data,
        };
        let mut f = Some(f);
        let mut result: Option<R> = None;
        let run = catch_unwind(AssertUnwindSafe(|| {
            eval::check::run(
                &set,
                &self.inner.cfg,
                &now,
                input,
                std::iter::once(action),
                true,
                |_, o, progress| {
                    self.inner.cfg.log_errors(resource.id(), progress.errors);
                    if let Some(f) = f.take() {
                        result = Some(f(DecisionRef {
                            effect: o.effect,
                            policy: o.policy,
                            scope: o.scope,
                            rule: o.rule,
                            outputs: progress.outputs,
                            evaluation_errors: progress.errors,
                        }));
                    }
                },
            )
        }));
        if run.is_err() {
            tracing::error!(
                resource = resource.id(),
                "policy evaluation panicked; denying"
            );
        }
        match (result, f.take()) {
            (Some(r), _) => r,
            (None, Some(f)) => f(DecisionRef {
                effect: Effect::Deny,
                policy: eval::check::NO_MATCH,
                scope: "",
                rule: None,
                outputs: &[],
                evaluation_errors: &[],
            }),
            // `f` was called but panicked before returning: the panic was caught above;
            // there is no value to return, so re-raise it as a deny is impossible.
            (None, None) => std::panic::resume_unwind(Box::new("decision callback panicked")),
        }
    }

    /// Whether `principal` may do `action` on `resource` (no aux data).
    pub fn is_allowed(&self, principal: &Principal, resource: &Resource, action: &str) -> bool {
        self.decide_with(principal, resource, action, &AuxData::default(), |d| {
            d.effect == Effect::Allow
        })
    }

    /// Plans which resources `input.principal` may do `input.actions` on, with `now()` the
    /// current time: see [`crate::plan`].
    ///
    /// The filter is `true` for a resource exactly when [`Engine::check`] allows; where that
    /// cannot be expressed, the result is a [`PlanError`](crate::plan::PlanError), never a
    /// wider filter. A panic inside the planner is caught and reported as
    /// [`PlanError::Internal`](crate::plan::PlanError::Internal).
    pub fn plan(
        &self,
        input: &crate::plan::PlanInput,
    ) -> Result<crate::plan::PlanOutput, crate::plan::PlanError> {
        self.plan_at(input, Utc::now())
    }

    /// [`Engine::plan`] with `now()` fixed to `now`.
    pub fn plan_at(
        &self,
        input: &crate::plan::PlanInput,
        now: DateTime<Utc>,
    ) -> Result<crate::plan::PlanOutput, crate::plan::PlanError> {
        let set = self.inner.policies.load();
        Self::plan_with(&set, &self.inner.cfg, Some(now), input)
    }

    pub(crate) fn plan_with(
        set: &Compiled,
        cfg: &Prepared,
        now: Option<DateTime<Utc>>,
        input: &crate::plan::PlanInput,
    ) -> Result<crate::plan::PlanOutput, crate::plan::PlanError> {
        match catch_unwind(AssertUnwindSafe(|| crate::plan::plan(set, cfg, now, input))) {
            Ok(r) => r,
            Err(_) => {
                tracing::error!(kind = input.resource.kind(), "query planning panicked");
                Err(crate::plan::PlanError::Internal(
                    "the planner panicked".to_string(),
                ))
            }
        }
    }

    /// Checks with explicit settings and an optional `now` (the test-suite runner's entry).
    pub(crate) fn check_with(
        set: &PolicySet,
        cfg: &Prepared,
        now: Option<DateTime<Utc>>,
        input: &CheckInput,
    ) -> eval::check::Checked {
        let now = Clock::new(now);
        let input = InputRef {
            request_id: &input.request_id,
            principal: &input.principal,
            resource: &input.resource,
            actions: &input.actions,
            aux_data: &input.aux_data,
        };
        guarded(&set.inner, cfg, &now, input)
    }
}

/// A single-action decision, borrowed (see [`Engine::decide_with`]).
#[derive(Debug, Clone, Copy)]
pub struct DecisionRef<'a> {
    /// Allow or deny.
    pub effect: Effect,
    /// The deciding policy's key, or `NO_MATCH`.
    pub policy: &'a str,
    /// The deciding scope (empty for the root).
    pub scope: &'a str,
    /// The deciding rule reference, when a rule decided.
    pub rule: Option<&'a str>,
    /// Rule outputs emitted while deciding.
    pub outputs: &'a [crate::decision::OutputEntry],
    /// Runtime errors met while deciding.
    pub evaluation_errors: &'a [EvaluationError],
}

/// Evaluates, turning a panic anywhere below into a deny of every action.
fn guarded(
    set: &Compiled,
    cfg: &Prepared,
    now: &Clock,
    input: InputRef<'_>,
) -> eval::check::Checked {
    match catch_unwind(AssertUnwindSafe(|| eval::check(set, cfg, now, input))) {
        Ok(c) => {
            cfg.log_errors(input.resource.id(), &c.output.evaluation_errors);
            c
        }
        Err(_) => {
            tracing::error!(
                resource = input.resource.id(),
                "policy evaluation panicked; denying"
            );
            let mut out = CheckOutput {
                request_id: input.request_id.to_string(),
                resource_id: input.resource.id().to_string(),
                ..CheckOutput::default()
            };
            for a in input.actions {
                out.actions.insert(
                    a.clone(),
                    ActionDecision {
                        effect: Effect::Deny,
                        policy: eval::check::NO_MATCH.to_string(),
                        scope: String::new(),
                        rule: None,
                    },
                );
            }
            out.evaluation_errors.push(EvaluationError {
                expression: String::new(),
                message: "internal error during evaluation".to_string(),
            });
            eval::check::Checked {
                output: out,
                missing_now: false,
            }
        }
    }
}
