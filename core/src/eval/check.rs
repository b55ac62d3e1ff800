//! The check algorithm of §12 for one check input.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use cel::common::value::Val;
use cel::{ExecutionError, Value};

use super::activation::Activation;
use super::values;
use crate::cel_env;
use crate::compile::expr::{CompiledExpr, VAR_PREFIX};
use crate::compile::model::{
    Compiled, Cond, Defs, DerivedRole, Outputs, ResourcePolicy, ScopePerm,
};
use crate::compile::scoped::{ByScope, FastMap, ScopeSet};
use crate::config::{EvaluationMode, Prepared, SchemaEnforcement};
use crate::decision::{
    ActionDecision, CheckOutput, Effect, EvaluationError, OutputEntry, ValidationError,
    ValidationSource,
};
use crate::names::sanitize;
use crate::policy::doc::Effect as RuleEffect;
use crate::request::{AuxData, Principal, Resource};

/// A borrowed check input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InputRef<'a> {
    pub(crate) request_id: &'a str,
    pub(crate) principal: &'a Principal,
    pub(crate) resource: &'a Resource,
    pub(crate) actions: &'a [String],
    pub(crate) aux_data: &'a AuxData,
}

/// The policy name reported when nothing matched.
pub(crate) const NO_MATCH: &str = "NO_MATCH";

/// A check's output plus what the test runner needs to know.
#[derive(Debug)]
pub(crate) struct Checked {
    pub(crate) output: CheckOutput,
    /// A condition read `now()` while no time was provided.
    pub(crate) missing_now: bool,
}

/// The request time, converted to a CEL value only if a condition reads it.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    at: When,
    val: std::sync::OnceLock<Option<Box<dyn Val>>>,
}

/// Where a [`Clock`] takes its time from.
#[derive(Debug)]
enum When {
    /// A fixed time (`None`: no time available, as in tests without `now`).
    Fixed(Option<chrono::DateTime<chrono::Utc>>),
    /// The system clock, read when a condition first asks (most checks never do).
    System,
}

impl Default for When {
    fn default() -> Self {
        When::Fixed(None)
    }
}

impl Clock {
    /// A clock fixed at `at` (`None`: no time available, as in tests without `now`).
    pub(crate) fn new(at: Option<chrono::DateTime<chrono::Utc>>) -> Clock {
        Clock {
            at: When::Fixed(at),
            val: std::sync::OnceLock::new(),
        }
    }

    /// A clock that reads the system time once, on first use: every `now()` of one check
    /// sees the same instant.
    pub(crate) fn system() -> Clock {
        Clock {
            at: When::System,
            val: std::sync::OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&dyn Val> {
        self.val
            .get_or_init(|| {
                let at = match self.at {
                    When::Fixed(at) => at,
                    When::System => Some(chrono::Utc::now()),
                };
                at.map(values::timestamp_val)
            })
            .as_deref()
    }
}

/// The decision for one action, borrowing its names from the policy set or the request.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Outcome<'x> {
    pub(crate) effect: Effect,
    pub(crate) policy: &'x str,
    pub(crate) scope: &'x str,
    pub(crate) rule: Option<&'x str>,
}

/// Outputs and errors recorded so far, seen by the per-action callback.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Progress<'p> {
    pub(crate) outputs: &'p [OutputEntry],
    pub(crate) errors: &'p [EvaluationError],
}

impl Progress<'_> {
    const EMPTY: Progress<'static> = Progress {
        outputs: &[],
        errors: &[],
    };
}

/// What a run leaves besides per-action outcomes.
pub(crate) struct RunRest {
    pub(crate) validation_errors: Vec<ValidationError>,
    pub(crate) effective_derived_roles: BTreeSet<String>,
    pub(crate) outputs: Vec<OutputEntry>,
    pub(crate) errors: Vec<EvaluationError>,
    pub(crate) missing_now: bool,
}

/// Runs §12 for `actions` of `input`, handing each action's outcome to `on_action`.
pub(crate) fn run<'a>(
    c: &'a Compiled,
    cfg: &'a Prepared,
    now: &'a Clock,
    input: InputRef<'a>,
    actions: impl Iterator<Item = &'a str> + Clone,
    lazy_derived: bool,
    mut on_action: impl FnMut(&'a str, Outcome<'_>, Progress<'_>),
) -> RunRest {
    let p = input.principal;
    let r = input.resource;
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
    let mut rest = RunRest {
        validation_errors: Vec::new(),
        effective_derived_roles: BTreeSet::new(),
        outputs: Vec::new(),
        errors: Vec::new(),
        missing_now: false,
    };
    let deny = |policy| Outcome {
        effect: Effect::Deny,
        policy,
        scope: "",
        rule: None,
    };
    if pc.is_empty() && rc.is_empty() {
        for a in actions {
            on_action(a, deny(NO_MATCH), Progress::EMPTY);
        }
        return rest;
    }
    // Leaf keys (§11.2): borrowed from the policy at the leaf when it exists.
    let r_pols = c.resources_of(&kind, rv);
    let r_leaf: Option<Cow<'a, str>> = rc.leaf().map(|s| match r_pols.and_then(|m| m.get(s)) {
        Some(pol) => Cow::Borrowed(pol.key.as_str()),
        None => Cow::Owned(leaf_key("resource", &kind, rv, s)),
    });
    let p_leaf: Option<Cow<'a, str>> = pc.leaf().map(|s| match c.principal(p.id(), pv, s) {
        Some(pol) => Cow::Borrowed(pol.key.as_str()),
        None => Cow::Owned(leaf_key("principal", &sanitize(p.id()), pv, s)),
    });
    let default_policy: &str = r_leaf.as_deref().unwrap_or(NO_MATCH);

    // Schemas (§10).
    if cfg.cfg.schema_enforcement != SchemaEnforcement::None {
        validate_schemas(c, &kind, rv, input, &mut rest.validation_errors);
        if cfg.cfg.schema_enforcement == SchemaEnforcement::Reject
            && !rest.validation_errors.is_empty()
        {
            for a in actions {
                on_action(a, deny(default_policy), Progress::EMPTY);
            }
            return rest;
        }
    }

    let mut st = State {
        c,
        r_pols,
        cfg,
        input,
        now,
        strict: cfg.cfg.evaluation_mode == EvaluationMode::Strict,
        vars: FastMap::default(),
        aux: None,
        request: None,
        outputs: Vec::new(),
        errors: Vec::new(),
        edr_all: BTreeSet::new(),
        derived: ByScope::default(),
        edr_at: ByScope::default(),
        expanded_all: None,
        missing_now: false,
        empty_list: None,
        lazy_derived,
    };
    for action in actions {
        let outcome = st.decide(
            action,
            &kind,
            pv,
            rv,
            rs,
            &pc,
            &rc,
            p_leaf.as_deref(),
            r_leaf.as_deref(),
            default_policy,
        );
        on_action(
            action,
            outcome,
            Progress {
                outputs: &st.outputs,
                errors: &st.errors,
            },
        );
    }
    rest.effective_derived_roles = st.edr_all;
    rest.outputs = st.outputs;
    rest.errors = st.errors;
    rest.missing_now = st.missing_now;
    rest
}

/// Evaluates one check input into a full [`CheckOutput`].
pub(crate) fn check(c: &Compiled, cfg: &Prepared, now: &Clock, input: InputRef<'_>) -> Checked {
    let mut actions = indexmap::IndexMap::with_capacity(input.actions.len());
    let rest = run(
        c,
        cfg,
        now,
        input,
        input.actions.iter().map(String::as_str),
        false,
        |a, o, _| {
            actions.insert(
                a.to_string(),
                ActionDecision {
                    effect: o.effect,
                    policy: o.policy.to_string(),
                    scope: o.scope.to_string(),
                    rule: o.rule.map(str::to_string),
                },
            );
        },
    );
    Checked {
        output: CheckOutput {
            request_id: input.request_id.to_string(),
            resource_id: input.resource.id().to_string(),
            actions,
            effective_derived_roles: rest.effective_derived_roles.into_iter().collect(),
            validation_errors: rest.validation_errors,
            outputs: rest.outputs,
            evaluation_errors: rest.errors,
        },
        missing_now: rest.missing_now,
    }
}

pub(crate) fn non_empty<'a>(v: &'a str, default: &'a str) -> &'a str {
    if v.is_empty() {
        default
    } else {
        v
    }
}

pub(crate) fn strip_dot(s: &str) -> &str {
    s.strip_prefix('.').unwrap_or(s)
}

pub(crate) fn leaf_key(prefix: &str, name: &str, version: &str, scope: &str) -> String {
    let mut k = format!("{prefix}.{name}.v{}", sanitize(version));
    if !scope.is_empty() {
        k.push('/');
        k.push_str(scope);
    }
    k
}

/// Leaf-to-root candidates of a scope: `a.b` → `a.b`, `a`, ``.
fn ancestry(scope: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(scope), |s| {
        if s.is_empty() {
            None
        } else {
            Some(s.rfind('.').map_or("", |i| &s[..i]))
        }
    })
}

/// A scope chain (§11.2), iterated without allocating.
pub(crate) struct Chain<'a> {
    scope: &'a str,
    present: &'a ScopeSet,
    empty: bool,
}

impl<'a> Chain<'a> {
    pub(crate) fn new(scope: &'a str, present: &'a ScopeSet, lenient: bool) -> Chain<'a> {
        let empty = if lenient {
            !ancestry(scope).any(|s| present.contains(s))
        } else {
            !present.contains(scope)
        };
        Chain {
            scope,
            present,
            empty,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.empty
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + '_ {
        let present = self.present;
        ancestry(self.scope)
            .filter(move |s| present.contains(s))
            .take(if self.empty { 0 } else { usize::MAX })
    }

    pub(crate) fn leaf(&self) -> Option<&'a str> {
        self.iter().next()
    }
}

/// How a scope walk ended.
enum Walk<'a> {
    Undecided,
    Allow {
        scope: &'a str,
        src: &'a str,
    },
    Deny {
        scope: &'a str,
        src: &'a str,
        policy: Option<&'a str>,
    },
    Failed {
        policy: &'a str,
        scope: &'a str,
    },
}

/// How one row's condition came out.
enum Row {
    Holds,
    NotMet,
    Failed,
}

/// A role set `E(r)`: usually just `r`.
pub(crate) enum Expanded<'a> {
    One([&'a str; 1]),
    Many(Vec<&'a str>),
}

impl<'a> Expanded<'a> {
    pub(crate) fn as_slice(&self) -> &[&'a str] {
        match self {
            Expanded::One(a) => a,
            Expanded::Many(v) => v,
        }
    }
}

/// Variable values of one definitions table: computed flags and values (unset on error).
type VarSlots = (Vec<bool>, Vec<Option<Box<dyn Val>>>);

/// Per-scope state of derived roles: name → active (Err: its condition failed).
type DerivedAt = Vec<(*const DerivedRole, Result<bool, ()>)>;

struct State<'a> {
    c: &'a Compiled,
    /// The resource policies of the request's kind and version, by scope.
    r_pols: Option<&'a ByScope<Arc<ResourcePolicy>>>,
    cfg: &'a Prepared,
    input: InputRef<'a>,
    now: &'a Clock,
    strict: bool,
    /// Variable values per definitions id: computed flags and values.
    vars: FastMap<usize, VarSlots>,
    aux: Option<Box<dyn Val>>,
    request: Option<Box<dyn Val>>,
    outputs: Vec<OutputEntry>,
    errors: Vec<EvaluationError>,
    edr_all: BTreeSet<String>,
    derived: ByScope<DerivedAt, &'a str>,
    /// `runtime.effectiveDerivedRoles` per scope; `None` when a derived role failed there.
    edr_at: ByScope<Option<Box<dyn Val>>, &'a str>,
    expanded_all: Option<Vec<&'a str>>,
    missing_now: bool,
    empty_list: Option<Box<dyn Val>>,
    /// Evaluate derived roles only when a rule's gate consults them (single-action request
    /// path), instead of all of a scope's on arrival (full outputs list every active one).
    lazy_derived: bool,
}

/// Which `runtime.effectiveDerivedRoles` an expression sees.
#[derive(Clone, Copy)]
enum EdrCx<'a> {
    /// Outside a resource policy: the empty list.
    Empty,
    /// In the resource policy of this scope.
    At(&'a str),
}

impl<'a> State<'a> {
    #[allow(clippy::too_many_arguments)]
    fn decide<'x>(
        &mut self,
        action: &'a str,
        kind: &str,
        pv: &str,
        rv: &'a str,
        rs: &'a str,
        pc: &Chain<'a>,
        rc: &Chain<'a>,
        p_leaf: Option<&'x str>,
        r_leaf: Option<&'x str>,
        default_policy: &'x str,
    ) -> Outcome<'x>
    where
        'a: 'x,
    {
        let decided = |effect, policy: &'x str, scope: &'x str, rule: Option<&'x str>| Outcome {
            effect,
            policy,
            scope,
            rule,
        };
        // Principal phase.
        if pv == rv {
            match self.principal_walk(action, kind, pv, pc) {
                Walk::Undecided => {}
                Walk::Allow { scope, src } => {
                    return decided(Effect::Allow, p_leaf.unwrap_or(NO_MATCH), scope, Some(src))
                }
                Walk::Deny { scope, src, .. } => {
                    return decided(Effect::Deny, p_leaf.unwrap_or(NO_MATCH), scope, Some(src))
                }
                Walk::Failed { policy, scope } => {
                    return decided(Effect::Deny, policy, scope, None)
                }
            }
        }
        // Resource phase.
        if !rc.is_empty() {
            let mut first_deny: Option<Outcome<'x>> = None;
            let principal: &'a Principal = self.input.principal;
            for role in principal.roles() {
                let e = self.expand(role, rs);
                match self.resource_walk(action, kind, rv, rc, e.as_slice()) {
                    Walk::Undecided => {}
                    Walk::Allow { scope, src } => {
                        return decided(Effect::Allow, r_leaf.unwrap_or(NO_MATCH), scope, Some(src))
                    }
                    Walk::Deny { scope, src, policy } => {
                        if first_deny.is_none() {
                            let policy = policy.or(r_leaf).unwrap_or(NO_MATCH);
                            first_deny = Some(decided(Effect::Deny, policy, scope, Some(src)));
                        }
                    }
                    Walk::Failed { policy, scope } => {
                        return decided(Effect::Deny, policy, scope, None)
                    }
                }
            }
            if let Some(d) = first_deny {
                return d;
            }
        }
        decided(Effect::Deny, default_policy, "", None)
    }

    /// `E(r)`: `r` plus its role-policy parents at the resource scope, recursively.
    fn expand(&self, role: &'a str, rs: &str) -> Expanded<'a> {
        expand(self.c, role, rs)
    }
}

/// `E(r)`: `r` plus its role-policy parents at the resource scope `rs`, recursively.
pub(crate) fn expand<'a>(c: &'a Compiled, role: &'a str, rs: &str) -> Expanded<'a> {
    {
        let Some(roles) = c.roles.get(rs) else {
            return Expanded::One([role]);
        };
        if !roles.contains_key(role) {
            return Expanded::One([role]);
        }
        let mut out: Vec<&'a str> = vec![role];
        let mut i = 0;
        while i < out.len() {
            if let Some(policies) = roles.get(out[i]) {
                for rp in policies {
                    for parent in &rp.parents {
                        let parent: &'a str = parent;
                        if !out.contains(&parent) {
                            out.push(parent);
                        }
                    }
                }
            }
            i += 1;
        }
        Expanded::Many(out)
    }
}

impl<'a> State<'a> {
    fn principal_walk(
        &mut self,
        action: &'a str,
        kind: &str,
        pv: &str,
        pc: &Chain<'a>,
    ) -> Walk<'a> {
        let c: &'a Compiled = self.c;
        let principal: &'a Principal = self.input.principal;
        let pid = principal.id();
        for s in pc.iter() {
            let Some(pol) = c.principal(pid, pv, s) else {
                continue;
            };
            let mut has_allow = false;
            for row in &pol.rows {
                if !row.resource.matches(kind) || !row.action.matches(action) {
                    continue;
                }
                match self.row(
                    row.cond.as_ref(),
                    row.negated,
                    &pol.defs,
                    EdrCx::Empty,
                    row.output.as_ref(),
                    &row.src,
                    action,
                ) {
                    Row::Holds => {
                        if row.effect == RuleEffect::Deny {
                            return Walk::Deny {
                                scope: s,
                                src: &row.src,
                                policy: None,
                            };
                        }
                        if !row.consent_only {
                            has_allow = true;
                        }
                    }
                    Row::NotMet => {}
                    Row::Failed => {
                        return Walk::Failed {
                            policy: &pol.key,
                            scope: s,
                        }
                    }
                }
            }
            if has_allow && c.perm(s) == ScopePerm::OverrideParent {
                return Walk::Allow {
                    scope: s,
                    src: first_allow_src(pol, action, kind),
                };
            }
        }
        Walk::Undecided
    }

    fn resource_walk(
        &mut self,
        action: &'a str,
        kind: &str,
        rv: &str,
        rc: &Chain<'a>,
        roles: &[&'a str],
    ) -> Walk<'a> {
        let c: &'a Compiled = self.c;
        for s in rc.iter() {
            // Role-policy synthetic DENYs first.
            if let Some(by_role) = c.roles.get(s) {
                for x in roles {
                    let Some(policies) = by_role.get(*x) else {
                        continue;
                    };
                    for rp in policies {
                        if rp.version != rv || rp.rules.is_empty() {
                            continue;
                        }
                        let mut matched = false;
                        for rule in &rp.rules {
                            if !rule.resource.matches(kind)
                                || !rule.allow.iter().any(|p| p.matches(action))
                            {
                                continue;
                            }
                            matched = true;
                            let Some(cond) = &rule.cond else {
                                self.emit(
                                    rule.output.as_ref(),
                                    true,
                                    &rp.defs,
                                    EdrCx::Empty,
                                    &rule.src,
                                    action,
                                );
                                continue;
                            };
                            match self.cond(cond, &rp.defs, EdrCx::Empty) {
                                Ok(true) => self.emit(
                                    rule.output.as_ref(),
                                    true,
                                    &rp.defs,
                                    EdrCx::Empty,
                                    &rule.src,
                                    action,
                                ),
                                Ok(false) => {
                                    self.emit(
                                        rule.output.as_ref(),
                                        false,
                                        &rp.defs,
                                        EdrCx::Empty,
                                        &rule.src,
                                        action,
                                    );
                                    return Walk::Deny {
                                        scope: s,
                                        src: &rule.src,
                                        policy: Some(&rp.key),
                                    };
                                }
                                Err(()) if self.strict => {
                                    return Walk::Failed {
                                        policy: &rp.key,
                                        scope: s,
                                    }
                                }
                                Err(()) => {
                                    return Walk::Deny {
                                        scope: s,
                                        src: &rule.src,
                                        policy: Some(&rp.key),
                                    }
                                }
                            }
                        }
                        if !matched {
                            return Walk::Deny {
                                scope: s,
                                src: &rp.key,
                                policy: Some(&rp.key),
                            };
                        }
                    }
                }
            }
            // The resource policy of this scope.
            let Some(pol) = self.r_pols.and_then(|m| m.get(s)) else {
                continue;
            };
            if !pol.derived.is_empty() && (!self.lazy_derived || pol.uses_edr) {
                self.compute_derived(pol, s);
            }
            let mut has_allow = false;
            let mut allow_src: &'a str = "";
            for i in pol.index.rules_for(action) {
                let Some(rule) = pol.rules.get(i as usize) else {
                    continue;
                };
                let direct = rule
                    .roles
                    .iter()
                    .any(|p| roles.iter().any(|r| p.matches(r)));
                if !direct {
                    // Derived-role match: the gate is whether one of them is active here.
                    let mut any_match = false;
                    let mut gate: Result<bool, ()> = Ok(false);
                    for &d in &rule.derived {
                        let Some(dr) = pol.derived.get(d) else {
                            continue;
                        };
                        if !roles.iter().any(|r| dr.has_parent(r)) {
                            continue;
                        }
                        any_match = true;
                        match self.derived_active(s, dr) {
                            Ok(true) => {
                                gate = Ok(true);
                                break;
                            }
                            Ok(false) => {}
                            Err(()) => gate = Err(()),
                        }
                    }
                    if !any_match {
                        continue;
                    }
                    match gate {
                        Ok(true) => {}
                        Ok(false) => continue,
                        Err(()) if self.strict => {
                            return Walk::Failed {
                                policy: &pol.key,
                                scope: s,
                            }
                        }
                        Err(()) => continue,
                    }
                }
                match self.row(
                    rule.cond.as_ref(),
                    rule.negated,
                    &pol.defs,
                    EdrCx::At(s),
                    rule.output.as_ref(),
                    &rule.src,
                    action,
                ) {
                    Row::Holds => {
                        if rule.effect == RuleEffect::Deny {
                            return Walk::Deny {
                                scope: s,
                                src: &rule.src,
                                policy: None,
                            };
                        }
                        if !rule.consent_only && !has_allow {
                            has_allow = true;
                            allow_src = &rule.src;
                        }
                    }
                    Row::NotMet => {}
                    Row::Failed => {
                        return Walk::Failed {
                            policy: &pol.key,
                            scope: s,
                        }
                    }
                }
            }
            if has_allow && c.perm(s) == ScopePerm::OverrideParent {
                return Walk::Allow {
                    scope: s,
                    src: allow_src,
                };
            }
        }
        Walk::Undecided
    }

    /// Evaluates the derived roles of `pol` at scope `s`, once per check input.
    fn compute_derived(&mut self, pol: &'a ResourcePolicy, s: &'a str) {
        if self.derived.contains(s) {
            return;
        }
        self.ensure_expanded_all();
        let mut at: DerivedAt = Vec::with_capacity(pol.derived.len());
        let mut failed = false;
        let mut active: Vec<&str> = Vec::new();
        for dr in &pol.derived {
            let parent_ok = self
                .expanded_all
                .as_ref()
                .is_some_and(|all| all.iter().any(|r| dr.has_parent(r)));
            let result = if !parent_ok {
                Ok(false)
            } else {
                match &dr.cond {
                    None => Ok(true),
                    Some(cond) => self.cond(cond, &dr.defs, EdrCx::Empty),
                }
            };
            match result {
                Ok(true) => active.push(&dr.name),
                Err(()) => failed = true,
                Ok(false) => {}
            }
            at.push((Arc::as_ptr(dr), result));
        }
        active.sort_unstable();
        for a in &active {
            self.edr_all.insert((*a).to_string());
        }
        let edr = (!failed).then(|| values::string_list_val(active.iter().copied()));
        self.edr_at.insert(s, edr);
        self.derived.insert(s, at);
    }

    /// The expanded role set (union of every `E(r)`), computed once per check input.
    fn ensure_expanded_all(&mut self) {
        if self.expanded_all.is_some() {
            return;
        }
        let rs = strip_dot(non_empty(
            self.input.resource.scope(),
            &self.cfg.cfg.default_scope,
        ));
        let mut all: Vec<&'a str> = Vec::new();
        let principal: &'a Principal = self.input.principal;
        for r in principal.roles() {
            for x in self.expand(r, rs).as_slice() {
                if !all.contains(x) {
                    all.push(x);
                }
            }
        }
        self.expanded_all = Some(all);
    }

    /// Whether `dr` is active at `s`. With `lazy_derived`, a role not evaluated yet is
    /// evaluated now, alone, and remembered.
    fn derived_active(&mut self, s: &'a str, dr: &Arc<DerivedRole>) -> Result<bool, ()> {
        let ptr = Arc::as_ptr(dr);
        if let Some((_, r)) = self
            .derived
            .get(s)
            .and_then(|v| v.iter().find(|(p, _)| *p == ptr))
        {
            return *r;
        }
        if !self.lazy_derived {
            return Ok(false);
        }
        self.ensure_expanded_all();
        let parent_ok = self
            .expanded_all
            .as_ref()
            .is_some_and(|all| all.iter().any(|r| dr.has_parent(r)));
        let result = match (&dr.cond, parent_ok) {
            (_, false) => Ok(false),
            (None, true) => Ok(true),
            (Some(cond), true) => self.cond(cond, &dr.defs, EdrCx::Empty),
        };
        if result == Ok(true) {
            self.edr_all.insert(dr.name.clone());
        }
        self.derived
            .get_or_insert_with(s, Vec::new)
            .push((ptr, result));
        result
    }

    /// Evaluates a row's condition (negated for consent rewrites) and emits its output.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        cond: Option<&Cond>,
        negated: bool,
        defs: &Defs,
        edr: EdrCx<'a>,
        output: Option<&Outputs>,
        src: &str,
        action: &str,
    ) -> Row {
        let holds = match cond {
            None => Ok(true),
            Some(c) => self.cond(c, defs, edr),
        };
        let holds = match (holds, negated) {
            (Ok(v), false) => v,
            (Ok(v), true) => !v,
            (Err(()), _) if self.strict => return Row::Failed,
            // Lenient: the erroring condition is false; `none` around it is then true.
            (Err(()), neg) => neg,
        };
        self.emit(output, holds, defs, edr, src, action);
        if holds {
            Row::Holds
        } else {
            Row::NotMet
        }
    }

    fn emit(
        &mut self,
        output: Option<&Outputs>,
        activated: bool,
        defs: &Defs,
        edr: EdrCx<'a>,
        src: &str,
        action: &str,
    ) {
        let Some(o) = output else { return };
        let expr = if activated {
            &o.rule_activated
        } else {
            &o.condition_not_met
        };
        let Some(e) = expr else { return };
        let entry = match self.eval(e, defs, edr) {
            Ok(v) => OutputEntry {
                src: src.to_string(),
                action: action.to_string(),
                val: Some(cel_env::value_to_json(&v)),
                error: None,
            },
            Err(m) => OutputEntry {
                src: src.to_string(),
                action: action.to_string(),
                val: None,
                error: Some(m),
            },
        };
        self.outputs.push(entry);
    }

    /// Evaluates a condition tree. `Err` only in strict mode (the error is recorded).
    fn cond(&mut self, cond: &Cond, defs: &Defs, edr: EdrCx<'a>) -> Result<bool, ()> {
        match cond {
            Cond::Expr(e) => match self.eval(e, defs, edr) {
                Ok(Value::Bool(b)) => Ok(b),
                Ok(_) => Ok(false),
                Err(m) => {
                    self.record(&e.source, m);
                    if self.strict {
                        Err(())
                    } else {
                        Ok(false)
                    }
                }
            },
            Cond::All(items) => {
                for i in items {
                    if !self.cond(i, defs, edr)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Cond::Any(items) => {
                for i in items {
                    if self.cond(i, defs, edr)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Cond::None(items) => {
                for i in items {
                    if self.cond(i, defs, edr)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
        }
    }

    fn record(&mut self, expression: &str, message: String) {
        if !self
            .errors
            .iter()
            .any(|e| e.expression == expression && e.message == message)
        {
            self.errors.push(EvaluationError {
                expression: expression.to_string(),
                message,
            });
        }
    }

    /// Computes variable `i` of `defs` (and what it needs) if not done yet for this input.
    fn ensure_var(&mut self, defs: &Defs, i: usize, edr: EdrCx<'a>) {
        let n = defs.vars.len();
        let entry = self
            .vars
            .entry(defs.id)
            .or_insert_with(|| (vec![false; n], (0..n).map(|_| None).collect()));
        if entry.0.get(i).copied().unwrap_or(true) {
            return;
        }
        entry.0[i] = true;
        let Some(e) = defs.vars.get(i) else { return };
        match self.eval(e, defs, edr) {
            Ok(v) => {
                let val = values::value_val(v);
                if let Some(slot) = self
                    .vars
                    .get_mut(&defs.id)
                    .and_then(|(_, vals)| vals.get_mut(i))
                {
                    *slot = val;
                }
            }
            Err(m) => self.record(&e.source, m),
        }
    }

    /// Evaluates one expression.
    fn eval(&mut self, e: &CompiledExpr, defs: &Defs, edr: EdrCx<'a>) -> Result<Value, String> {
        for &v in &e.vars {
            self.ensure_var(defs, v, edr);
        }
        let now = if e.uses_now { self.now.get() } else { None };
        if e.uses_now && now.is_none() {
            self.missing_now = true;
            return Err("now() is not available: no request time was provided".to_string());
        }
        if e.uses_aux && self.aux.is_none() {
            self.aux = Some(values::aux_val(self.input.aux_data));
        }
        if e.uses_request && self.request.is_none() {
            self.request = Some(values::request_val(
                self.input.principal,
                self.input.resource,
                self.input.aux_data,
            ));
        }
        let edr_val: Option<&dyn Val> = match edr {
            EdrCx::Empty => Some(
                &**self
                    .empty_list
                    .get_or_insert_with(|| values::string_list_val(std::iter::empty())),
            ),
            EdrCx::At(s) => self.edr_at.get(s).and_then(|v| v.as_deref()),
        };
        let no_vars: &[Option<Box<dyn Val>>] = &[];
        let act = Activation {
            p: self.input.principal.cel(),
            r: self.input.resource.cel(),
            g: &*self.cfg.globals,
            consts: &defs.consts,
            vars: self
                .vars
                .get(&defs.id)
                .map_or(no_vars, |(_, v)| v.as_slice()),
            aux: self.aux.as_deref(),
            edr: edr_val,
            now,
            request: self.request.as_deref(),
        };
        let root = cel_env::root();
        let mut ctx = root.new_inner_scope();
        ctx.set_variable_resolver(&act);
        Value::resolve(&e.ast, &ctx).map_err(|err| describe(&err, defs))
    }
}

/// A user-facing message for an evaluation error.
fn describe(err: &ExecutionError, defs: &Defs) -> String {
    let msg = match err {
        ExecutionError::NoSuchKey(k) => format!("no such key: {k}"),
        ExecutionError::UndeclaredReference(name) => {
            if let Some(i) = name
                .strip_prefix(VAR_PREFIX)
                .and_then(|s| s.parse::<usize>().ok())
            {
                let var = defs.var_names.get(i).map_or("?", String::as_str);
                format!("variable `{var}` is unset: its evaluation failed")
            } else if name.as_str() == crate::compile::expr::EDR {
                "runtime.effectiveDerivedRoles is unavailable: a derived role condition failed"
                    .to_string()
            } else {
                format!("undeclared reference to '{name}'")
            }
        }
        ExecutionError::UnsupportedBinaryOperator(op, a, b) => format!(
            "no such overload: {op} applied to ({}, {})",
            type_name(a),
            type_name(b)
        ),
        // Never copy attribute values into messages (they reach logs): name their types.
        ExecutionError::ValuesNotComparable(a, b) => {
            format!(
                "no such overload: cannot compare {} with {}",
                type_name(a),
                type_name(b)
            )
        }
        ExecutionError::UnsupportedTargetType { target } => {
            format!("unsupported target type: {}", type_name(target))
        }
        ExecutionError::NotSupportedAsMethod { method, target } => {
            format!("no such overload: `{method}` on {}", type_name(target))
        }
        ExecutionError::UnsupportedKeyType(k) => {
            format!("unsupported map key type: {}", type_name(k))
        }
        ExecutionError::UnsupportedIndex(i, c) => {
            format!(
                "no such overload: index {} with {}",
                type_name(c),
                type_name(i)
            )
        }
        ExecutionError::DivisionByZero(_) => "division by zero".to_string(),
        ExecutionError::RemainderByZero(_) => "modulus by zero".to_string(),
        ExecutionError::Overflow(op, a, b) => {
            format!(
                "overflow: {op} applied to ({}, {})",
                type_name(a),
                type_name(b)
            )
        }
        ExecutionError::IndexOutOfBounds(_) => "index out of range".to_string(),
        ExecutionError::DuplicateKey(_) => "repeated key in map literal".to_string(),
        other => other.to_string(),
    };
    let mut chars = msg.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => msg,
    }
}

/// The CEL type name of a value, as cel-go prints it.
fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "list",
        Value::Map(_) => "map",
        Value::Function(..) => "function",
        Value::Int(_) => "int",
        Value::UInt(_) => "uint",
        Value::Float(_) => "double",
        Value::String(_) => "string",
        Value::Bytes(_) => "bytes",
        Value::Bool(_) => "bool",
        Value::Duration(_) => "google.protobuf.Duration",
        Value::Timestamp(_) => "google.protobuf.Timestamp",
        Value::Null => "null_type",
        _ => "dyn",
    }
}

/// The first satisfied ALLOW row's source, for explanations (principal phase).
fn first_allow_src<'p>(
    pol: &'p crate::compile::model::PrincipalPolicy,
    action: &str,
    kind: &str,
) -> &'p str {
    pol.rows
        .iter()
        .find(|r| {
            r.effect == RuleEffect::Allow && r.resource.matches(kind) && r.action.matches(action)
        })
        .map_or("", |r| r.src.as_str())
}

fn validate_schemas(
    c: &Compiled,
    kind: &str,
    rv: &str,
    input: InputRef<'_>,
    out: &mut Vec<ValidationError>,
) {
    let Some(root) = c.resource(kind, rv, "") else {
        return;
    };
    let Some(schemas) = &root.schemas else { return };
    let attrs = |m: &crate::request::Attributes| serde_json::Value::Object(m.clone());
    for (sref, source, attr) in [
        (
            &schemas.principal,
            ValidationSource::Principal,
            attrs(input.principal.attr()),
        ),
        (
            &schemas.resource,
            ValidationSource::Resource,
            attrs(input.resource.attr()),
        ),
    ] {
        let Some(sref) = sref else { continue };
        let all_ignored = !input.actions.is_empty()
            && input
                .actions
                .iter()
                .all(|a| sref.ignore_when.iter().any(|p| p.matches(a)));
        if all_ignored {
            continue;
        }
        let Some(schema) = c.schemas.get(&sref.url) else {
            continue;
        };
        for (path, message) in schema.validate(&attr, false) {
            out.push(ValidationError {
                path,
                message,
                source,
            });
        }
    }
}
