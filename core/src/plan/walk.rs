//! The check algorithm of `policy-format.md` §12, followed symbolically: where a check
//! branches on a condition's outcome, the planner builds the formula of each branch.
//!
//! This mirrors `eval/check.rs` step for step (principal phase, per-role resource walks
//! leaf-first, role-policy narrowing, derived-role gates, rule order, scope permissions):
//! for every resource, the formula returned for an action is `true` exactly when the check
//! allows it. A condition that fails in strict mode ends the check with a deny, so a failing
//! condition is simply a branch no allow formula covers.

use std::sync::Arc;

use cel::common::value::Val;

use super::formula::{self, and, or, Fm, Tf, FALSE, TRUE};
use super::partial::{Edr, Partial};
use super::PlanError;
use crate::compile::model::{Compiled, Cond, Defs, DerivedRole, ResourcePolicy, ScopePerm};
use crate::compile::scoped::{ByScope, FastMap};
use crate::eval::check::{expand, Chain};
use crate::eval::values;
use crate::policy::doc::Effect as RuleEffect;

/// The three ways a walk can end without failing.
struct Ends {
    allow: Fm,
    deny: Fm,
    undecided: Fm,
}

/// Symbolic state of one plan request.
pub(crate) struct Walker<'a> {
    pub(crate) c: &'a Compiled,
    pub(crate) partial: Partial<'a>,
    pub(crate) strict: bool,
    pub(crate) roles: &'a [String],
    pub(crate) principal_id: &'a str,
    /// The resource scope (for role expansion).
    pub(crate) rs: &'a str,
    /// Derived-role outcomes per (scope, role).
    derived: ByScope<FastMap<*const DerivedRole, Tf>, &'a str>,
    /// Known `runtime.effectiveDerivedRoles` per scope (`None`: depends on the resource;
    /// `Some(None)`: a derived role failed).
    edr: ByScope<Option<Option<Box<dyn Val>>>, &'a str>,
    expanded_all: Option<Vec<&'a str>>,
    /// Some rule or role policy matched the action (else the plan says `NO_MATCH`).
    pub(crate) matched: bool,
    /// The leaf-most scope where a rule matched, per the last action planned.
    pub(crate) matched_scope: Option<&'a str>,
}

impl<'a> Walker<'a> {
    pub(crate) fn new(
        c: &'a Compiled,
        partial: Partial<'a>,
        strict: bool,
        roles: &'a [String],
        principal_id: &'a str,
        rs: &'a str,
    ) -> Walker<'a> {
        Walker {
            c,
            partial,
            strict,
            roles,
            principal_id,
            rs,
            derived: ByScope::default(),
            edr: ByScope::default(),
            expanded_all: None,
            matched: false,
            matched_scope: None,
        }
    }

    /// The formula under which `action` is allowed.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn decide(
        &mut self,
        action: &str,
        kind: &str,
        pv: &str,
        rv: &'a str,
        pc: &Chain<'a>,
        rc: &Chain<'a>,
    ) -> Result<Fm, PlanError> {
        self.matched_scope = None;
        let principal = if pv == rv {
            self.principal_walk(action, kind, pv, pc)?
        } else {
            Ends {
                allow: FALSE,
                deny: FALSE,
                undecided: TRUE,
            }
        };
        let mut resource_allow = FALSE;
        if !rc.is_empty() {
            // Roles in order: the first role whose walk allows decides; a deny lets the
            // next role try; a failure ends the check.
            let mut reach = TRUE;
            let roles = self.roles;
            for role in roles {
                if reach.is_false() {
                    break;
                }
                let expanded = expand(self.c, role, self.rs);
                let e = self.resource_walk(action, kind, rv, rc, expanded.as_slice())?;
                resource_allow = or(resource_allow, and(reach.clone(), e.allow));
                reach = and(reach, or(e.deny, e.undecided));
            }
        }
        Ok(or(
            principal.allow,
            and(principal.undecided, resource_allow),
        ))
    }

    fn note_match(&mut self, s: &'a str) {
        self.matched = true;
        if self.matched_scope.is_none() {
            self.matched_scope = Some(s);
        }
    }

    fn principal_walk(
        &mut self,
        action: &str,
        kind: &str,
        pv: &str,
        pc: &Chain<'a>,
    ) -> Result<Ends, PlanError> {
        let c = self.c;
        let mut ends = Ends {
            allow: FALSE,
            deny: FALSE,
            undecided: TRUE,
        };
        for s in pc.iter() {
            if ends.undecided.is_false() {
                break;
            }
            let Some(pol) = c.principal(self.principal_id, pv, s) else {
                continue;
            };
            let mut st = ScopeState::new(ends.undecided.clone());
            for row in &pol.rows {
                if !row.resource.matches(kind) || !row.action.matches(action) {
                    continue;
                }
                self.note_match(s);
                let tf = self.row(row.cond.as_ref(), row.negated, &pol.defs, Edr::Empty)?;
                st.rule(row.effect, row.consent_only, &tf, &mut ends.deny);
            }
            st.finish(c.perm(s), &mut ends);
        }
        Ok(ends)
    }

    fn resource_walk(
        &mut self,
        action: &str,
        kind: &str,
        rv: &str,
        rc: &Chain<'a>,
        roles: &[&'a str],
    ) -> Result<Ends, PlanError> {
        let c = self.c;
        let mut ends = Ends {
            allow: FALSE,
            deny: FALSE,
            undecided: TRUE,
        };
        for s in rc.iter() {
            if ends.undecided.is_false() {
                break;
            }
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
                        self.note_match(s);
                        let mut matched = false;
                        for rule in &rp.rules {
                            if !rule.resource.matches(kind)
                                || !rule.allow.iter().any(|p| p.matches(action))
                            {
                                continue;
                            }
                            matched = true;
                            let Some(cond) = &rule.cond else { continue };
                            let tf = self.cond(cond, &rp.defs, Edr::Empty)?;
                            // Not met: the role policy denies; failed: the check fails.
                            ends.deny = or(ends.deny, and(ends.undecided.clone(), tf.f));
                            ends.undecided = and(ends.undecided, tf.t);
                        }
                        if !matched {
                            ends.deny = or(ends.deny, ends.undecided);
                            ends.undecided = FALSE;
                        }
                    }
                }
            }
            let Some(pol) = c.resource(kind, rv, s) else {
                continue;
            };
            let pol: &'a ResourcePolicy = pol;
            let mut st = ScopeState::new(ends.undecided.clone());
            for i in pol.index.rules_for(action) {
                let Some(rule) = pol.rules.get(i as usize) else {
                    continue;
                };
                let direct = rule
                    .roles
                    .iter()
                    .any(|p| roles.iter().any(|r| p.matches(r)));
                let gate = if direct {
                    Tf { t: TRUE, f: FALSE }
                } else {
                    // A derived-role gate: true if one of them is active, false if all are
                    // inactive, failed otherwise.
                    let mut any_match = false;
                    let mut t = FALSE;
                    let mut f = TRUE;
                    for &d in &rule.derived {
                        let Some(dr) = pol.derived.get(d) else {
                            continue;
                        };
                        if !roles.iter().any(|r| dr.has_parent(r)) {
                            continue;
                        }
                        any_match = true;
                        let o = self.derived_role(s, dr)?;
                        t = or(t, o.t);
                        f = and(f, o.f);
                    }
                    if !any_match {
                        continue;
                    }
                    Tf { t, f }
                };
                self.note_match(s);
                if gate.t.is_false() && gate.f.is_true() {
                    continue;
                }
                let edr_val = self.edr_at(s, pol)?;
                let edr = match &edr_val {
                    Some(v) => Edr::Known(v.as_deref()),
                    None => Edr::Open,
                };
                let row = self.row(rule.cond.as_ref(), rule.negated, &pol.defs, edr)?;
                let tf = Tf {
                    t: and(gate.t.clone(), row.t),
                    // Skipped (gate false) or not met.
                    f: or(gate.f, and(gate.t, row.f)),
                };
                st.rule(rule.effect, rule.consent_only, &tf, &mut ends.deny);
            }
            st.finish(c.perm(s), &mut ends);
        }
        Ok(ends)
    }

    /// A row's condition (negated by consent rewrites); no condition holds.
    fn row(
        &mut self,
        cond: Option<&Cond>,
        negated: bool,
        defs: &Defs,
        edr: Edr<'_>,
    ) -> Result<Tf, PlanError> {
        let tf = match cond {
            None => Tf { t: TRUE, f: FALSE },
            Some(c) => self.cond(c, defs, edr)?,
        };
        Ok(if negated { Tf { t: tf.f, f: tf.t } } else { tf })
    }

    /// A condition tree, evaluated left to right with short-circuits as checks do.
    fn cond(&mut self, cond: &Cond, defs: &Defs, edr: Edr<'_>) -> Result<Tf, PlanError> {
        match cond {
            Cond::Expr(e) => {
                let pe = self.partial.pe(&e.ast, defs, edr, &mut Vec::new())?;
                let tf = formula::condition(&pe);
                if self.strict {
                    Ok(tf)
                } else {
                    // Lenient: a failing condition is false. "Not true" has no form in a
                    // three-valued filter unless the outcome is known.
                    let f = match &tf.t {
                        Fm::Const(b) => Fm::Const(!b),
                        _ => Fm::Unsupported(format!(
                            "lenient evaluation cannot plan the negation of `{}`",
                            e.source
                        )),
                    };
                    Ok(Tf { t: tf.t, f })
                }
            }
            Cond::All(items) => {
                let mut t = TRUE;
                let mut f = FALSE;
                for i in items {
                    let o = self.cond(i, defs, edr)?;
                    f = or(f, and(t.clone(), o.f));
                    t = and(t, o.t);
                }
                Ok(Tf { t, f })
            }
            Cond::Any(items) | Cond::None(items) => {
                // `t`: some item holds (all before it false); `f`: every item false.
                let mut hit = FALSE;
                let mut miss = TRUE;
                for i in items {
                    let o = self.cond(i, defs, edr)?;
                    hit = or(hit, and(miss.clone(), o.t));
                    miss = and(miss, o.f);
                }
                Ok(if matches!(cond, Cond::Any(_)) {
                    Tf { t: hit, f: miss }
                } else {
                    Tf { t: miss, f: hit }
                })
            }
        }
    }

    fn ensure_expanded_all(&mut self) -> &[&'a str] {
        if self.expanded_all.is_none() {
            let mut all: Vec<&'a str> = Vec::new();
            for r in self.roles {
                for x in expand(self.c, r, self.rs).as_slice() {
                    if !all.contains(x) {
                        all.push(x);
                    }
                }
            }
            self.expanded_all = Some(all);
        }
        self.expanded_all.as_deref().unwrap_or(&[])
    }

    /// Whether derived role `dr` is active at scope `s`.
    fn derived_role(&mut self, s: &'a str, dr: &Arc<DerivedRole>) -> Result<Tf, PlanError> {
        let key = Arc::as_ptr(dr);
        if let Some(tf) = self.derived.get(s).and_then(|at| at.get(&key)) {
            return Ok(tf.clone());
        }
        let parent_ok = self.ensure_expanded_all().iter().any(|r| dr.has_parent(r));
        let tf = match (&dr.cond, parent_ok) {
            (_, false) => Tf { t: FALSE, f: TRUE },
            (None, true) => Tf { t: TRUE, f: FALSE },
            (Some(cond), true) => self.cond(cond, &dr.defs, Edr::Empty)?,
        };
        self.derived
            .get_or_insert_with(s, FastMap::default)
            .insert(key, tf.clone());
        Ok(tf)
    }

    /// `runtime.effectiveDerivedRoles` at `s`, when every derived role's outcome is known.
    /// `Ok(None)`: it depends on the resource.
    fn edr_at(
        &mut self,
        s: &'a str,
        pol: &'a ResourcePolicy,
    ) -> Result<Option<Option<Box<dyn Val>>>, PlanError> {
        if !pol.uses_edr {
            return Ok(Some(None));
        }
        if !self.edr.contains(s) {
            let mut active: Vec<&str> = Vec::new();
            let mut failed = false;
            let mut open = false;
            for dr in &pol.derived {
                let o = self.derived_role(s, dr)?;
                match (&o.t, &o.f) {
                    (Fm::Const(true), _) => active.push(&dr.name),
                    (Fm::Const(false), Fm::Const(true)) => {}
                    (Fm::Const(false), Fm::Const(false)) => failed = true,
                    _ => open = true,
                }
            }
            active.sort_unstable();
            let v = if open {
                None
            } else {
                Some((!failed).then(|| values::string_list_val(active.iter().copied())))
            };
            self.edr.insert(s, v);
        }
        Ok(match self.edr.get(s) {
            Some(Some(v)) => Some(v.as_ref().map(|b| b.clone_as_boxed())),
            _ => None,
        })
    }
}

/// The rules of one policy at one scope, in order: `noallow`/`hasallow` are the formulas of
/// reaching the current rule without / with a holding ALLOW so far.
struct ScopeState {
    noallow: Fm,
    hasallow: Fm,
}

impl ScopeState {
    fn new(reach: Fm) -> ScopeState {
        ScopeState {
            noallow: reach,
            hasallow: FALSE,
        }
    }

    /// One rule whose outcome is `tf` (`t`: holds; `f`: does not hold or skipped).
    fn rule(&mut self, effect: RuleEffect, consent_only: bool, tf: &Tf, deny: &mut Fm) {
        let reach = or(self.noallow.clone(), self.hasallow.clone());
        let ok = or(tf.t.clone(), tf.f.clone());
        match effect {
            RuleEffect::Deny => {
                *deny = or(deny.clone(), and(reach, tf.t.clone()));
                self.noallow = and(self.noallow.clone(), tf.f.clone());
                self.hasallow = and(self.hasallow.clone(), tf.f.clone());
            }
            RuleEffect::Allow if consent_only => {
                self.noallow = and(self.noallow.clone(), ok.clone());
                self.hasallow = and(self.hasallow.clone(), ok);
            }
            RuleEffect::Allow => {
                self.hasallow = or(
                    and(self.hasallow.clone(), ok),
                    and(self.noallow.clone(), tf.t.clone()),
                );
                self.noallow = and(self.noallow.clone(), tf.f.clone());
            }
        }
    }

    /// The end of the scope: an ALLOW decides under `OVERRIDE_PARENT`; otherwise the walk
    /// goes on to the parent.
    fn finish(self, perm: ScopePerm, ends: &mut Ends) {
        if perm == ScopePerm::OverrideParent {
            ends.allow = or(ends.allow.clone(), self.hasallow);
            ends.undecided = self.noallow;
        } else {
            ends.undecided = or(self.noallow, self.hasallow);
        }
    }
}
