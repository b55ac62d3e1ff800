//! Compiling resource, principal, role and derived-roles policies into their indexed forms.

use std::collections::HashMap;
use std::sync::Arc;

use super::condition;
use super::cx::{join, FileCx};
use super::defs::{self, check_unique_names, Exports};
use super::expr::Names;
use super::model::{
    ActionIndex, Compiled, DerivedRole, PrincipalPolicy, PrincipalRow, ResourcePolicy,
    ResourceRule, RolePolicy, RoleRule, SchemaRef, Schemas, ScopePerm,
};
use super::Origin;
use crate::error::{BuildError, BuildErrorKind as K};
use crate::load::{Parsed, Seg};
use crate::names::{self, sanitize, Pattern};
use crate::policy::doc::{self, Effect, ScopePermissions};
use crate::schema::SchemaStore;
use crate::source::Location;

/// State of one build.
pub(crate) struct Builder<'a> {
    pub(crate) errors: &'a mut Vec<BuildError>,
    pub(crate) exports: &'a Exports<'a>,
    pub(crate) derived_sets: &'a HashMap<String, &'a Parsed>,
    /// Compiled derived roles: set name → role name → role.
    pub(crate) derived_cache: HashMap<String, HashMap<String, Arc<DerivedRole>>>,
    pub(crate) schema_store: &'a SchemaStore,
    pub(crate) out: Compiled,
    pub(crate) next_defs_id: usize,
    /// Policy key → where it was defined.
    pub(crate) origins: HashMap<String, Origin>,
    /// Scope → key of the first policy that set its `scopePermissions`.
    pub(crate) perm_owners: HashMap<String, String>,
}

fn perm_of(p: Option<ScopePermissions>) -> ScopePerm {
    match p {
        Some(ScopePermissions::RequireParentalConsentForAllows) => {
            ScopePerm::RequireParentalConsent
        }
        _ => ScopePerm::OverrideParent,
    }
}

/// `/scope` suffix of a policy key.
fn with_scope(key: String, scope: &str) -> String {
    if scope.is_empty() {
        key
    } else {
        format!("{key}/{scope}")
    }
}

impl Builder<'_> {
    fn cx<'c>(&'c mut self, p: &'c Parsed) -> FileCx<'c> {
        FileCx {
            path: &p.file.path,
            root: &p.root,
            errors: self.errors,
        }
    }

    fn location(p: &Parsed, path: &[Seg<'_>]) -> Location {
        let n = crate::load::node_at(&p.root, path);
        Location::at(p.file.path.clone(), n.pos.line, n.pos.col)
    }

    /// The variables and constants of one policy body.
    fn defs(
        &mut self,
        p: &Parsed,
        body: &[Seg<'_>],
        vars: Option<&doc::Variables>,
        consts: Option<&doc::Constants>,
    ) -> Arc<super::model::Defs> {
        let exports = self.exports;
        let mut next = self.next_defs_id;
        let mut cx = FileCx {
            path: &p.file.path,
            root: &p.root,
            errors: &mut *self.errors,
        };
        let defs = defs::build(
            &mut cx,
            body,
            vars,
            p.doc.variables.as_ref(),
            consts,
            exports,
            &mut next,
        );
        self.next_defs_id = next;
        defs
    }

    /// Compiles every derived-roles set (referenced or not, so their errors are reported).
    pub(crate) fn compile_derived_sets(&mut self, docs: &[&Parsed]) {
        for p in docs {
            let Some(dr) = &p.doc.derived_roles else {
                continue;
            };
            if self.derived_cache.contains_key(&dr.name) {
                continue; // duplicate set: already reported
            }
            let body = [Seg::Key("derivedRoles")];
            let mut next = self.next_defs_id;
            let exports = self.exports;
            let mut cx = self.cx(p);
            let defs = defs::build(
                &mut cx,
                &body,
                dr.variables.as_ref(),
                p.doc.variables.as_ref(),
                dr.constants.as_ref(),
                exports,
                &mut next,
            );
            let names_ = Names {
                vars: &defs.var_names,
                consts: &defs.const_names,
            };
            let mut roles = HashMap::new();
            for (i, def) in dr.definitions.iter().enumerate() {
                let path = [
                    Seg::Key("derivedRoles"),
                    Seg::Key("definitions"),
                    Seg::Index(i),
                ];
                if !names::is_valid_name_ref(&def.name) {
                    cx.err(
                        K::Schema,
                        &join(&path, &[Seg::Key("name")]),
                        format!("invalid derived role name `{}`", def.name),
                    );
                }
                if roles.contains_key(&def.name) {
                    cx.err(
                        K::Duplicate,
                        &join(&path, &[Seg::Key("name")]),
                        format!("derived role `{}` defined twice in `{}`", def.name, dr.name),
                    );
                    continue;
                }
                if def.parent_roles.is_empty() {
                    cx.err(
                        K::Schema,
                        &path,
                        format!("derived role `{}` needs at least one parent role", def.name),
                    );
                }
                check_strings(
                    &mut cx,
                    &def.parent_roles,
                    &join(&path, &[Seg::Key("parentRoles")]),
                    "parent role",
                );
                let cond = def.condition.as_ref().and_then(|c| {
                    condition::condition(
                        &mut cx,
                        c,
                        &join(&path, &[Seg::Key("condition")]),
                        &names_,
                    )
                });
                roles.insert(
                    def.name.clone(),
                    Arc::new(DerivedRole {
                        name: def.name.clone(),
                        any_parent: def.parent_roles.iter().any(|r| r == "*"),
                        parents: def.parent_roles.clone(),
                        cond,
                        defs: defs.clone(),
                    }),
                );
            }
            self.next_defs_id = next;
            self.derived_cache.insert(dr.name.clone(), roles);
        }
    }

    /// Compiles one enabled policy document.
    pub(crate) fn compile(&mut self, p: &Parsed) {
        if let Some(rp) = &p.doc.resource_policy {
            self.resource(p, rp);
        } else if let Some(pp) = &p.doc.principal_policy {
            self.principal(p, pp);
        } else if let Some(rp) = &p.doc.role_policy {
            self.role(p, rp);
        }
    }

    fn check_scope(&mut self, p: &Parsed, body: &str, scope: &str) -> bool {
        if names::is_valid_scope(scope) {
            return true;
        }
        self.cx(p).err(
            K::Schema,
            &[Seg::Key(body), Seg::Key("scope")],
            format!("invalid scope `{scope}`"),
        );
        false
    }

    fn record_perm(&mut self, p: &Parsed, body: &str, scope: &str, perm: ScopePerm, key: &str) {
        let loc = Self::location(p, &[Seg::Key(body)]);
        match self.out.scope_perms.get(scope) {
            Some(existing) if *existing != perm => {
                let other = self.perm_owners.get(scope).cloned().unwrap_or_default();
                self.errors.push(
                    BuildError::new(
                        K::Scope,
                        loc,
                        format!("conflicting scopePermissions in scope `{scope}`: `{key}` disagrees with `{other}`"),
                    )
                    .with_help("every resource and principal policy of a scope must declare the same scopePermissions"),
                );
            }
            Some(_) => {}
            None => {
                self.out.scope_perms.insert(scope.to_string(), perm);
                self.perm_owners.insert(scope.to_string(), key.to_string());
            }
        }
    }

    fn register_key(&mut self, p: &Parsed, body: &str, key: &str) -> bool {
        let loc = Self::location(p, &[Seg::Key(body)]);
        if let Some(prev) = self.origins.get(key) {
            self.errors.push(BuildError::new(
                K::Duplicate,
                loc,
                format!(
                    "duplicate policy `{key}`: also defined at {}",
                    prev.location
                ),
            ));
            return false;
        }
        self.origins
            .insert(key.to_string(), Origin { location: loc });
        true
    }

    fn resource(&mut self, p: &Parsed, rp: &doc::ResourcePolicy) {
        const B: &str = "resourcePolicy";
        let body = [Seg::Key(B)];
        if rp.resource.is_empty() || names::has_glob_chars(&rp.resource) {
            self.cx(p).err(
                K::Schema,
                &[Seg::Key(B), Seg::Key("resource")],
                format!(
                    "invalid resource `{}`: must be non-empty with no glob characters",
                    rp.resource
                ),
            );
        }
        if !names::is_valid_version(&rp.version) {
            self.cx(p).err(
                K::Schema,
                &[Seg::Key(B), Seg::Key("version")],
                format!("invalid version `{}`", rp.version),
            );
        }
        let scope_ok = self.check_scope(p, B, &rp.scope);
        let kind = sanitize(&rp.resource).into_owned();
        let key = with_scope(
            format!("resource.{kind}.v{}", sanitize(&rp.version)),
            &rp.scope,
        );
        let perm = perm_of(rp.scope_permissions);
        let fresh = self.register_key(p, B, &key);
        if scope_ok {
            self.record_perm(p, B, &rp.scope, perm, &key);
        }

        let defs = self.defs(p, &body, rp.variables.as_ref(), rp.constants.as_ref());
        let names_ = Names {
            vars: &defs.var_names,
            consts: &defs.const_names,
        };

        // Imports of derived roles.
        let import_path = [Seg::Key(B), Seg::Key("importDerivedRoles")];
        {
            let mut cx = self.cx(p);
            check_unique_names(&mut cx, &rp.import_derived_roles, &import_path);
        }
        for (i, set) in rp.import_derived_roles.iter().enumerate() {
            if !self.derived_sets.contains_key(set) {
                self.cx(p).err(
                    K::Reference,
                    &join(&import_path, &[Seg::Index(i)]),
                    format!("import `{set}` not found: no derivedRoles set has that name"),
                );
            }
        }

        let consent = perm == ScopePerm::RequireParentalConsent;
        let mut derived: Vec<Arc<DerivedRole>> = Vec::new();
        let mut rules = Vec::with_capacity(rp.rules.len());
        let mut action_pats = Vec::with_capacity(rp.rules.len());
        let mut literal_actions: Vec<String> = Vec::new();
        for (i, r) in rp.rules.iter().enumerate() {
            let path = [Seg::Key(B), Seg::Key("rules"), Seg::Index(i)];
            let mut cx = FileCx {
                path: &p.file.path,
                root: &p.root,
                errors: &mut *self.errors,
            };
            let name = if r.name.is_empty() {
                format!("rule-{:03}", i + 1)
            } else {
                r.name.clone()
            };
            if !names::is_valid_rule_name(&r.name) {
                cx.err(
                    K::Schema,
                    &join(&path, &[Seg::Key("name")]),
                    format!("invalid rule name `{}`", r.name),
                );
            }
            if r.actions.is_empty() {
                cx.err(K::Schema, &path, "a rule needs at least one action");
            }
            check_strings(
                &mut cx,
                &r.actions,
                &join(&path, &[Seg::Key("actions")]),
                "action",
            );
            check_strings(
                &mut cx,
                &r.roles,
                &join(&path, &[Seg::Key("roles")]),
                "role",
            );
            check_unique_names(
                &mut cx,
                &r.derived_roles,
                &join(&path, &[Seg::Key("derivedRoles")]),
            );
            if r.roles.is_empty() && r.derived_roles.is_empty() {
                cx.err(
                    K::Schema,
                    &path,
                    format!("rule `{name}` does not specify any roles or derived roles"),
                );
            }
            let actions = patterns(
                &mut cx,
                &r.actions,
                &join(&path, &[Seg::Key("actions")]),
                false,
            );
            for a in &actions {
                if let Some(l) = a.is_literal() {
                    literal_actions.push(l.to_string());
                }
            }
            let roles = patterns(&mut cx, &r.roles, &join(&path, &[Seg::Key("roles")]), false);
            // Resolve derived roles through the imports.
            let mut dr_idx = Vec::new();
            for (j, dname) in r.derived_roles.iter().enumerate() {
                let at = join(&path, &[Seg::Key("derivedRoles"), Seg::Index(j)]);
                let found: Vec<&Arc<DerivedRole>> = rp
                    .import_derived_roles
                    .iter()
                    .filter_map(|set| self.derived_cache.get(set)?.get(dname))
                    .collect();
                match found.as_slice() {
                    [] => cx.err_help(K::Reference, &at, format!("unknown derived role `{dname}`"), "import the derivedRoles set that defines it with `importDerivedRoles`"),
                    [one] => {
                        let pos = derived.iter().position(|d| Arc::ptr_eq(d, one)).unwrap_or_else(|| {
                            derived.push((*one).clone());
                            derived.len() - 1
                        });
                        dr_idx.push(pos);
                    }
                    _ => cx.err(K::Duplicate, &at, format!("ambiguous derived role `{dname}`: defined by more than one imported set")),
                }
            }
            let cond = r.condition.as_ref().and_then(|c| {
                condition::condition(&mut cx, c, &join(&path, &[Seg::Key("condition")]), &names_)
            });
            let output = r.output.as_ref().and_then(|o| {
                condition::output(&mut cx, o, &join(&path, &[Seg::Key("output")]), &names_)
            });
            let (negated, consent_only) = consent_rewrite(consent, r.effect, cond.is_some());
            action_pats.push(actions);
            rules.push(ResourceRule {
                src: format!("{key}#{name}"),
                effect: if negated { Effect::Deny } else { r.effect },
                roles,
                derived: dr_idx,
                cond,
                negated,
                consent_only,
                output,
            });
        }
        let schemas = rp.schemas.as_ref().map(|s| self.schemas(p, s));
        if !(fresh && scope_ok) {
            return;
        }
        let index = ActionIndex::build(&action_pats);
        let uses_edr = rules.iter().any(|r| {
            r.cond.as_ref().is_some_and(|c| c.any_expr(&|e| e.uses_edr))
                || r.output.as_ref().is_some_and(|o| {
                    [&o.rule_activated, &o.condition_not_met]
                        .iter()
                        .any(|e| e.as_ref().is_some_and(|e| e.uses_edr))
                })
        }) || defs.vars.iter().any(|v| v.uses_edr);
        let policy = ResourcePolicy {
            key,
            rules,
            index,
            derived,
            defs,
            schemas,
            uses_edr,
        };
        self.out
            .actions
            .entry(kind.clone())
            .or_default()
            .extend(literal_actions);
        self.out.resource_scopes.add(&rp.scope);
        self.out
            .resources
            .entry(kind)
            .or_default()
            .entry(rp.version.clone())
            .or_default()
            .insert(rp.scope.clone(), Arc::new(policy));
    }

    fn schemas(&mut self, p: &Parsed, s: &doc::Schemas) -> Schemas {
        let mut out = Schemas::default();
        for (field, sref) in [
            ("principalSchema", &s.principal_schema),
            ("resourceSchema", &s.resource_schema),
        ] {
            let Some(sref) = sref else { continue };
            let path = [
                Seg::Key("resourcePolicy"),
                Seg::Key("schemas"),
                Seg::Key(field),
            ];
            let mut cx = FileCx {
                path: &p.file.path,
                root: &p.root,
                errors: &mut *self.errors,
            };
            if !self.out.schemas.contains_key(&sref.ref_) {
                match self.schema_store.compile(&sref.ref_) {
                    Ok(schema) => {
                        self.out.schemas.insert(sref.ref_.clone(), schema);
                    }
                    Err(m) => {
                        cx.err(K::Reference, &join(&path, &[Seg::Key("ref")]), m);
                        continue;
                    }
                }
            }
            let ignore: Vec<String> = sref
                .ignore_when
                .as_ref()
                .map(|i| i.actions.clone())
                .unwrap_or_default();
            let ignore_when = patterns(
                &mut cx,
                &ignore,
                &join(&path, &[Seg::Key("ignoreWhen"), Seg::Key("actions")]),
                true,
            );
            let r = SchemaRef {
                url: sref.ref_.clone(),
                ignore_when,
            };
            if field == "principalSchema" {
                out.principal = Some(r);
            } else {
                out.resource = Some(r);
            }
        }
        out
    }

    fn principal(&mut self, p: &Parsed, pp: &doc::PrincipalPolicy) {
        const B: &str = "principalPolicy";
        let body = [Seg::Key(B)];
        if pp.principal.is_empty() || names::has_glob_chars(&pp.principal) {
            self.cx(p).err(
                K::Schema,
                &[Seg::Key(B), Seg::Key("principal")],
                format!(
                    "invalid principal `{}`: must be non-empty with no glob characters",
                    pp.principal
                ),
            );
        }
        if !names::is_valid_version(&pp.version) {
            self.cx(p).err(
                K::Schema,
                &[Seg::Key(B), Seg::Key("version")],
                format!("invalid version `{}`", pp.version),
            );
        }
        let scope_ok = self.check_scope(p, B, &pp.scope);
        let key = with_scope(
            format!(
                "principal.{}.v{}",
                sanitize(&pp.principal),
                sanitize(&pp.version)
            ),
            &pp.scope,
        );
        let perm = perm_of(pp.scope_permissions);
        let fresh = self.register_key(p, B, &key);
        if scope_ok {
            self.record_perm(p, B, &pp.scope, perm, &key);
        }
        let defs = self.defs(p, &body, pp.variables.as_ref(), pp.constants.as_ref());
        let names_ = Names {
            vars: &defs.var_names,
            consts: &defs.const_names,
        };
        let consent = perm == ScopePerm::RequireParentalConsent;
        let mut rows = Vec::new();
        let mut cx = FileCx {
            path: &p.file.path,
            root: &p.root,
            errors: &mut *self.errors,
        };
        for (i, rule) in pp.rules.iter().enumerate() {
            let path = [Seg::Key(B), Seg::Key("rules"), Seg::Index(i)];
            if rule.actions.is_empty() {
                cx.err(
                    K::Schema,
                    &path,
                    "a principal rule needs at least one action",
                );
            }
            let res_src = sanitize(&rule.resource).into_owned();
            let resource = pattern(
                &mut cx,
                &res_src,
                &join(&path, &[Seg::Key("resource")]),
                false,
            );
            for (j, a) in rule.actions.iter().enumerate() {
                let apath = join(&path, &[Seg::Key("actions"), Seg::Index(j)]);
                if a.action.is_empty() {
                    cx.err(K::Schema, &apath, "an action must not be empty");
                }
                if !names::is_valid_rule_name(&a.name) {
                    cx.err(
                        K::Schema,
                        &join(&apath, &[Seg::Key("name")]),
                        format!("invalid rule name `{}`", a.name),
                    );
                }
                let name = if a.name.is_empty() {
                    format!("{}_rule-{:03}", rule.resource, j + 1)
                } else {
                    a.name.clone()
                };
                let action = pattern(
                    &mut cx,
                    &a.action,
                    &join(&apath, &[Seg::Key("action")]),
                    false,
                );
                let cond = a.condition.as_ref().and_then(|c| {
                    condition::condition(
                        &mut cx,
                        c,
                        &join(&apath, &[Seg::Key("condition")]),
                        &names_,
                    )
                });
                let output = a.output.as_ref().and_then(|o| {
                    condition::output(&mut cx, o, &join(&apath, &[Seg::Key("output")]), &names_)
                });
                let (negated, consent_only) = consent_rewrite(consent, a.effect, cond.is_some());
                rows.push(PrincipalRow {
                    src: format!("{key}#{name}"),
                    resource: resource.clone(),
                    action,
                    effect: if negated { Effect::Deny } else { a.effect },
                    cond,
                    negated,
                    consent_only,
                    output,
                });
            }
        }
        if !(fresh && scope_ok) {
            return;
        }
        self.out.principal_scopes.add(&pp.scope);
        self.out
            .principals
            .entry(pp.principal.clone())
            .or_default()
            .entry(pp.version.clone())
            .or_default()
            .insert(
                pp.scope.clone(),
                Arc::new(PrincipalPolicy { key, rows, defs }),
            );
    }

    fn role(&mut self, p: &Parsed, rp: &doc::RolePolicy) {
        const B: &str = "rolePolicy";
        let body = [Seg::Key(B)];
        if rp.role.is_empty() || names::has_glob_chars(&rp.role) {
            self.cx(p).err(
                K::Schema,
                &[Seg::Key(B), Seg::Key("role")],
                format!(
                    "invalid role `{}`: must be non-empty with no glob characters",
                    rp.role
                ),
            );
        }
        if !names::is_valid_role_policy_version(&rp.version) {
            self.cx(p).err(
                K::Schema,
                &[Seg::Key(B), Seg::Key("version")],
                format!("invalid version `{}`", rp.version),
            );
        }
        if matches!(rp.scope_permissions, Some(ScopePermissions::OverrideParent)) {
            self.cx(p).err(K::Schema, &[Seg::Key(B), Seg::Key("scopePermissions")], "role policies only accept `SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS` (or no scopePermissions)");
        }
        let scope_ok = self.check_scope(p, B, &rp.scope);
        let version = if rp.version.is_empty() {
            "default".to_string()
        } else {
            rp.version.clone()
        };
        let key = with_scope(
            format!("role.{}.v{}", sanitize(&rp.role), sanitize(&version)),
            &rp.scope,
        );
        let fresh = self.register_key(p, B, &key);
        let defs = self.defs(p, &body, rp.variables.as_ref(), rp.constants.as_ref());
        let names_ = Names {
            vars: &defs.var_names,
            consts: &defs.const_names,
        };
        let mut cx = FileCx {
            path: &p.file.path,
            root: &p.root,
            errors: &mut *self.errors,
        };
        check_strings(
            &mut cx,
            &rp.parent_roles,
            &[Seg::Key(B), Seg::Key("parentRoles")],
            "parent role",
        );
        let mut rules = Vec::new();
        for (i, r) in rp.rules.iter().enumerate() {
            let path = [Seg::Key(B), Seg::Key("rules"), Seg::Index(i)];
            if r.allow_actions.is_empty() {
                cx.err(
                    K::Schema,
                    &path,
                    "a role rule needs at least one entry in `allowActions`",
                );
            }
            check_strings(
                &mut cx,
                &r.allow_actions,
                &join(&path, &[Seg::Key("allowActions")]),
                "action",
            );
            if !names::is_valid_rule_name(&r.name) {
                cx.err(
                    K::Schema,
                    &join(&path, &[Seg::Key("name")]),
                    format!("invalid rule name `{}`", r.name),
                );
            }
            let resource = pattern(
                &mut cx,
                &r.resource,
                &join(&path, &[Seg::Key("resource")]),
                false,
            );
            let allow = patterns(
                &mut cx,
                &r.allow_actions,
                &join(&path, &[Seg::Key("allowActions")]),
                true,
            );
            let cond = r.condition.as_ref().and_then(|c| {
                condition::condition(&mut cx, c, &join(&path, &[Seg::Key("condition")]), &names_)
            });
            let output = r.output.as_ref().and_then(|o| {
                condition::output(&mut cx, o, &join(&path, &[Seg::Key("output")]), &names_)
            });
            rules.push(RoleRule {
                src: format!("{key}#{}", r.name),
                resource,
                allow,
                cond,
                output,
            });
        }
        if !(fresh && scope_ok) {
            return;
        }
        self.out.resource_scopes.add(&rp.scope);
        let policy = Arc::new(RolePolicy {
            key,
            version,
            parents: rp.parent_roles.clone(),
            rules,
            defs,
        });
        self.out
            .roles
            .get_or_insert_with(rp.scope.clone(), Default::default)
            .entry(rp.role.clone())
            .or_default()
            .push(policy);
    }
}

/// Consent mode (§11.4): a conditional ALLOW becomes DENY `none(c)`; an unconditional ALLOW
/// never decides. Returns (negated, consent_only).
fn consent_rewrite(consent: bool, effect: Effect, has_cond: bool) -> (bool, bool) {
    match (consent, effect, has_cond) {
        (true, Effect::Allow, true) => (true, false),
        (true, Effect::Allow, false) => (false, true),
        _ => (false, false),
    }
}

/// Non-empty, unique strings.
fn check_strings(cx: &mut FileCx<'_>, list: &[String], at: &[Seg<'_>], what: &str) {
    for (i, s) in list.iter().enumerate() {
        let p = join(at, &[Seg::Index(i)]);
        if s.is_empty() {
            cx.err(K::Schema, &p, format!("{what} must not be empty"));
        } else if list[..i].contains(s) {
            cx.err(K::Duplicate, &p, format!("{what} `{s}` is listed twice"));
        }
    }
}

fn pattern(cx: &mut FileCx<'_>, s: &str, at: &[Seg<'_>], always_glob: bool) -> Pattern {
    match Pattern::new(s, always_glob) {
        Ok(p) => p,
        Err(m) => {
            cx.err(K::Schema, at, m);
            Pattern::Literal(s.to_string())
        }
    }
}

fn patterns(
    cx: &mut FileCx<'_>,
    list: &[String],
    at: &[Seg<'_>],
    always_glob: bool,
) -> Vec<Pattern> {
    list.iter()
        .enumerate()
        .map(|(i, s)| pattern(cx, s, &join(at, &[Seg::Index(i)]), always_glob))
        .collect()
}
