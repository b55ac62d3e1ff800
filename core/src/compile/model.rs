//! The compiled, indexed form of a policy set: what evaluation reads.

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::value::Val;

use super::expr::CompiledExpr;
use super::scoped::{ByScope, FastMap, ScopeSet};
use crate::names::Pattern;
use crate::policy::doc::Effect;

/// A condition tree (§4) with compiled leaves.
#[derive(Debug)]
pub(crate) enum Cond {
    /// One expression.
    Expr(Arc<CompiledExpr>),
    /// Every entry holds.
    All(Vec<Cond>),
    /// Some entry holds.
    Any(Vec<Cond>),
    /// No entry holds.
    None(Vec<Cond>),
}

/// Output expressions of a rule (§13).
#[derive(Debug, Default)]
pub(crate) struct Outputs {
    pub(crate) rule_activated: Option<CompiledExpr>,
    pub(crate) condition_not_met: Option<CompiledExpr>,
}

/// The variables and constants visible in one policy (or derived-roles set).
#[derive(Debug, Default)]
pub(crate) struct Defs {
    /// Unique id, used to cache variable values per check input.
    pub(crate) id: usize,
    /// Variable names, by slot.
    pub(crate) var_names: Vec<String>,
    /// Variable expressions, by slot.
    pub(crate) vars: Vec<CompiledExpr>,
    /// Constant names, by slot.
    pub(crate) const_names: Vec<String>,
    /// Constant values, by slot.
    pub(crate) consts: Vec<Box<dyn Val>>,
}

/// `scopePermissions` in force at a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ScopePerm {
    #[default]
    OverrideParent,
    RequireParentalConsent,
}

/// A derived role referenced by a resource policy.
#[derive(Debug)]
pub(crate) struct DerivedRole {
    pub(crate) name: String,
    pub(crate) any_parent: bool,
    pub(crate) parents: Vec<String>,
    pub(crate) cond: Option<Cond>,
    pub(crate) defs: Arc<Defs>,
}

impl Cond {
    /// Whether some expression of the tree satisfies `f`.
    pub(crate) fn any_expr(&self, f: &impl Fn(&CompiledExpr) -> bool) -> bool {
        match self {
            Cond::Expr(e) => f(e),
            Cond::All(v) | Cond::Any(v) | Cond::None(v) => v.iter().any(|c| c.any_expr(f)),
        }
    }
}

impl DerivedRole {
    /// Whether role `r` is one of the parent roles.
    pub(crate) fn has_parent(&self, r: &str) -> bool {
        self.any_parent || self.parents.iter().any(|p| p == r)
    }
}

/// A rule of a resource policy.
#[derive(Debug)]
pub(crate) struct ResourceRule {
    pub(crate) src: String,
    pub(crate) effect: Effect,
    pub(crate) roles: Vec<Pattern>,
    /// Indexes into [`ResourcePolicy::derived`].
    pub(crate) derived: Vec<usize>,
    pub(crate) cond: Option<Cond>,
    /// An ALLOW with a condition rewritten to DENY `none(cond)` by consent mode.
    pub(crate) negated: bool,
    /// An unconditional ALLOW at a consent scope: never decides.
    pub(crate) consent_only: bool,
    pub(crate) output: Option<Outputs>,
}

/// Action index of a policy's rules.
#[derive(Debug, Default)]
pub(crate) struct ActionIndex {
    /// For each literal action named by some rule: every rule matching it, in order.
    pub(crate) by_action: FastMap<String, Vec<u32>>,
    /// Rules with glob actions, in order, with their patterns.
    pub(crate) globs: Vec<(u32, Vec<Pattern>)>,
}

impl ActionIndex {
    /// Rule indexes matching `action`, in rule order.
    pub(crate) fn rules_for<'a>(&'a self, action: &'a str) -> RulesFor<'a> {
        match self.by_action.get(action) {
            Some(list) => RulesFor::Listed(list.iter()),
            None => RulesFor::Globs(self.globs.iter(), action),
        }
    }

    /// Builds the index from each rule's action patterns.
    pub(crate) fn build(rules: &[Vec<Pattern>]) -> ActionIndex {
        let mut idx = ActionIndex::default();
        for (i, pats) in rules.iter().enumerate() {
            let i = i as u32;
            let mut has_glob = false;
            for p in pats {
                match p.is_literal() {
                    Some(lit) => {
                        let list = idx.by_action.entry(lit.to_string()).or_default();
                        if list.last() != Some(&i) {
                            list.push(i);
                        }
                    }
                    None => has_glob = true,
                }
            }
            if has_glob {
                idx.globs.push((i, pats.clone()));
            }
        }
        // Literal entries also need the glob rules that match them, in rule order.
        for (action, list) in idx.by_action.iter_mut() {
            for (i, pats) in &idx.globs {
                if pats.iter().any(|p| p.matches(action)) && !list.contains(i) {
                    list.push(*i);
                }
            }
            list.sort_unstable();
        }
        idx
    }
}

/// Iterator over the rules matching an action.
#[derive(Debug)]
pub(crate) enum RulesFor<'a> {
    /// A literal action named by some rule.
    Listed(std::slice::Iter<'a, u32>),
    /// Any other action: only glob rules can match.
    Globs(std::slice::Iter<'a, (u32, Vec<Pattern>)>, &'a str),
}

impl Iterator for RulesFor<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        match self {
            RulesFor::Listed(it) => it.next().copied(),
            RulesFor::Globs(it, action) => it
                .by_ref()
                .find(|(_, pats)| pats.iter().any(|p| p.matches(action)))
                .map(|(i, _)| *i),
        }
    }
}

/// A compiled resource policy.
#[derive(Debug)]
pub(crate) struct ResourcePolicy {
    pub(crate) key: String,
    pub(crate) rules: Vec<ResourceRule>,
    pub(crate) index: ActionIndex,
    pub(crate) derived: Vec<Arc<DerivedRole>>,
    pub(crate) defs: Arc<Defs>,
    pub(crate) schemas: Option<Schemas>,
    /// Some condition or output reads `runtime.effectiveDerivedRoles`.
    pub(crate) uses_edr: bool,
}

/// Schema references of a root resource policy.
#[derive(Debug, Default)]
pub(crate) struct Schemas {
    pub(crate) principal: Option<SchemaRef>,
    pub(crate) resource: Option<SchemaRef>,
}

/// One schema reference.
#[derive(Debug)]
pub(crate) struct SchemaRef {
    pub(crate) url: String,
    pub(crate) ignore_when: Vec<Pattern>,
}

/// A principal-policy action row.
#[derive(Debug)]
pub(crate) struct PrincipalRow {
    pub(crate) src: String,
    pub(crate) resource: Pattern,
    pub(crate) action: Pattern,
    pub(crate) effect: Effect,
    pub(crate) cond: Option<Cond>,
    pub(crate) negated: bool,
    pub(crate) consent_only: bool,
    pub(crate) output: Option<Outputs>,
}

/// A compiled principal policy.
#[derive(Debug)]
pub(crate) struct PrincipalPolicy {
    pub(crate) key: String,
    pub(crate) rows: Vec<PrincipalRow>,
    pub(crate) defs: Arc<Defs>,
}

/// A role-policy rule.
#[derive(Debug)]
pub(crate) struct RoleRule {
    pub(crate) src: String,
    pub(crate) resource: Pattern,
    pub(crate) allow: Vec<Pattern>,
    pub(crate) cond: Option<Cond>,
    pub(crate) output: Option<Outputs>,
}

/// A compiled role policy.
#[derive(Debug)]
pub(crate) struct RolePolicy {
    pub(crate) key: String,
    pub(crate) version: String,
    pub(crate) parents: Vec<String>,
    pub(crate) rules: Vec<RoleRule>,
    pub(crate) defs: Arc<Defs>,
}

/// kind/id → version → scope → policy.
pub(crate) type ByKindVersionScope<T> = FastMap<String, FastMap<String, ByScope<Arc<T>>>>;

/// Everything evaluation needs, indexed.
#[derive(Debug, Default)]
pub(crate) struct Compiled {
    pub(crate) resources: ByKindVersionScope<ResourcePolicy>,
    pub(crate) principals: ByKindVersionScope<PrincipalPolicy>,
    /// scope → role → role policies (any version).
    pub(crate) roles: ByScope<FastMap<String, Vec<Arc<RolePolicy>>>>,
    /// Scopes with a resource or role policy.
    pub(crate) resource_scopes: ScopeSet,
    /// Scopes with a principal policy.
    pub(crate) principal_scopes: ScopeSet,
    pub(crate) scope_perms: ByScope<ScopePerm>,
    /// Every action named literally by some rule, per sanitised kind (for startup checks).
    pub(crate) actions: HashMap<String, Vec<String>>,
    /// Compiled JSON schemas by URL.
    pub(crate) schemas: HashMap<String, crate::schema::Schema>,
    /// Number of enabled policies.
    pub(crate) policy_count: usize,
}

impl Compiled {
    /// The resource policy for (sanitised kind, version, scope).
    pub(crate) fn resource(
        &self,
        kind: &str,
        version: &str,
        scope: &str,
    ) -> Option<&ResourcePolicy> {
        self.resources_of(kind, version)?.get(scope).map(|a| &**a)
    }

    /// The resource policies of (sanitised kind, version), by scope: looked up once per check,
    /// then each scope of the chain is one [`ByScope::get`].
    pub(crate) fn resources_of(
        &self,
        kind: &str,
        version: &str,
    ) -> Option<&ByScope<Arc<ResourcePolicy>>> {
        self.resources.get(kind)?.get(version)
    }

    /// The principal policy for (id, version, scope).
    pub(crate) fn principal(
        &self,
        id: &str,
        version: &str,
        scope: &str,
    ) -> Option<&PrincipalPolicy> {
        self.principals
            .get(id)?
            .get(version)?
            .get(scope)
            .map(|a| &**a)
    }

    /// `scopePermissions` in force at `scope`.
    pub(crate) fn perm(&self, scope: &str) -> ScopePerm {
        self.scope_perms.get(scope).copied().unwrap_or_default()
    }
}
