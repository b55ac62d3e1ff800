//! Expanding and validating a suite's tests (§16.3): who and what each test runs, and what it
//! expects for every (principal, resource, action). Every problem is collected with its
//! location; any problem makes the suite `RESULT_ERRORED`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::fixtures::{locate, Catalog, Group};
use super::run::json_eq;
use super::suite::{Expectation, SuiteDoc, TestDef};
use crate::decision::Effect;
use crate::error::{BuildError, BuildErrorKind};
use crate::load::Seg;
use crate::request::{AuxData, Principal, Resource};
use crate::source::Location;
use crate::yaml;

/// A (principal key, resource key, action) triple.
pub(crate) type Cell = (String, String, String);

/// One test, expanded and validated.
#[derive(Debug)]
pub(crate) struct PlannedTest<'a> {
    pub(crate) def: &'a TestDef,
    /// Input principals (listed keys, then group members), without repeats.
    pub(crate) principals: Vec<(String, &'a Principal)>,
    /// Input resources, likewise.
    pub(crate) resources: Vec<(String, &'a Resource)>,
    /// The aux data named by the input, if any.
    pub(crate) aux_data: Option<&'a AuxData>,
    /// Effects written in expectations; every other cell expects `EFFECT_DENY`.
    pub(crate) effects: HashMap<Cell, Effect>,
    /// Expected outputs per cell: `src -> val`.
    pub(crate) outputs: HashMap<Cell, IndexMap<String, Json>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Principal,
    Resource,
}

impl Side {
    fn noun(self) -> &'static str {
        match self {
            Side::Principal => "principal",
            Side::Resource => "resource",
        }
    }
}

/// Collects errors, dropping exact repeats.
struct Errors {
    list: Vec<BuildError>,
}

impl Errors {
    fn push(&mut self, kind: BuildErrorKind, loc: Location, msg: String) {
        if !self
            .list
            .iter()
            .any(|e| e.location == loc && e.message == msg)
        {
            self.list.push(BuildError::new(kind, loc, msg));
        }
    }
}

/// Expands every test of `suite`.
///
/// # Errors
/// Every validation problem of §16.3, located in the suite (or fixture) file.
pub(crate) fn plan<'a>(
    suite: &'a SuiteDoc,
    cat: &Catalog<'a>,
    path: &Arc<str>,
    root: &yaml::Node,
) -> Result<Vec<PlannedTest<'a>>, Vec<BuildError>> {
    let mut errs = Errors { list: Vec::new() };
    let at = |segs: &[Seg<'_>]| locate(path, root, segs);
    if suite.name.trim().is_empty() {
        errs.push(
            BuildErrorKind::Schema,
            at(&[Seg::Key("name")]),
            "the suite name is empty".to_string(),
        );
    }
    if suite.tests.is_empty() {
        errs.push(
            BuildErrorKind::Schema,
            at(&[Seg::Key("tests")]),
            "the suite has no tests".to_string(),
        );
    }
    let mut names = HashSet::new();
    let mut planned = Vec::new();
    for (i, def) in suite.tests.iter().enumerate() {
        if def.name.trim().is_empty() {
            errs.push(
                BuildErrorKind::Schema,
                at(&[Seg::Key("tests"), Seg::Index(i), Seg::Key("name")]),
                "the test name is empty".to_string(),
            );
        } else if !names.insert(def.name.as_str()) {
            errs.push(
                BuildErrorKind::Duplicate,
                at(&[Seg::Key("tests"), Seg::Index(i), Seg::Key("name")]),
                format!("duplicate test name `{}`", def.name),
            );
        }
        planned.push(plan_test(cat, i, def, &at, &mut errs));
    }
    if errs.list.is_empty() {
        Ok(planned)
    } else {
        Err(errs.list)
    }
}

fn plan_test<'a>(
    cat: &Catalog<'a>,
    i: usize,
    def: &'a TestDef,
    at: &dyn Fn(&[Seg<'_>]) -> Location,
    errs: &mut Errors,
) -> PlannedTest<'a> {
    let t = [Seg::Key("tests"), Seg::Index(i)];
    let inp = [t[0], t[1], Seg::Key("input")];
    let input = &def.input;

    let list = |key: &'static str, items: &[String]| -> Vec<(String, Location)> {
        items
            .iter()
            .enumerate()
            .map(|(j, k)| {
                (
                    k.clone(),
                    at(&[inp[0], inp[1], inp[2], Seg::Key(key), Seg::Index(j)]),
                )
            })
            .collect()
    };

    let mut side_keys =
        |side: Side, keys: &[String], groups: &[String], kk: &'static str, gk: &'static str| {
            if keys.is_empty() && groups.is_empty() {
                errs.push(
                    BuildErrorKind::Schema,
                    at(&inp),
                    format!(
                        "the test input names no {n}s: give `{n}s` and/or `{n}Groups`",
                        n = side.noun()
                    ),
                );
                return Vec::new();
            }
            let mut out: Vec<String> = Vec::new();
            for (k, _) in resolve(cat, side, list(kk, keys), list(gk, groups), errs) {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
            out
        };
    let principal_keys = side_keys(
        Side::Principal,
        &input.principals,
        &input.principal_groups,
        "principals",
        "principalGroups",
    );
    let resource_keys = side_keys(
        Side::Resource,
        &input.resources,
        &input.resource_groups,
        "resources",
        "resourceGroups",
    );

    // Actions: required, unique, non-empty.
    if input.actions.is_empty() {
        errs.push(
            BuildErrorKind::Schema,
            at(&inp),
            "the test input names no actions".to_string(),
        );
    }
    let mut seen = HashSet::new();
    for (j, a) in input.actions.iter().enumerate() {
        let loc = at(&[inp[0], inp[1], inp[2], Seg::Key("actions"), Seg::Index(j)]);
        if a.is_empty() {
            errs.push(BuildErrorKind::Schema, loc, "empty action name".to_string());
        } else if !seen.insert(a.as_str()) {
            errs.push(
                BuildErrorKind::Duplicate,
                loc,
                format!("action `{a}` is listed more than once"),
            );
        }
    }
    let actions: HashSet<&str> = input.actions.iter().map(String::as_str).collect();

    let aux_data = match input.aux_data.as_deref() {
        None | Some("") => None,
        Some(key) => {
            let found = cat.aux_data(key);
            if found.is_none() {
                errs.push(
                    BuildErrorKind::Reference,
                    at(&[inp[0], inp[1], inp[2], Seg::Key("auxData")]),
                    format!("unknown aux data `{key}`"),
                );
            }
            found
        }
    };

    let mut planned = PlannedTest {
        def,
        principals: principal_keys
            .iter()
            .filter_map(|k| Some((k.clone(), cat.principal(k)?)))
            .collect(),
        resources: resource_keys
            .iter()
            .filter_map(|k| Some((k.clone(), cat.resource(k)?)))
            .collect(),
        aux_data,
        effects: HashMap::new(),
        outputs: HashMap::new(),
    };

    let input_sets = InputSets {
        principals: &principal_keys,
        resources: &resource_keys,
        actions: &actions,
    };
    for (j, e) in def.expected.iter().enumerate() {
        let ex = [t[0], t[1], Seg::Key("expected"), Seg::Index(j)];
        plan_expectation(cat, at, &ex, e, &input_sets, &mut planned, errs);
    }
    planned
}

/// What a test's input names, for checking its expectations.
struct InputSets<'i> {
    principals: &'i [String],
    resources: &'i [String],
    actions: &'i HashSet<&'i str>,
}

/// Checks one expectation (at `ex`) against the input and merges its effects and outputs.
fn plan_expectation(
    cat: &Catalog<'_>,
    at: &dyn Fn(&[Seg<'_>]) -> Location,
    ex: &[Seg<'_>],
    e: &Expectation,
    input: &InputSets<'_>,
    planned: &mut PlannedTest<'_>,
    errs: &mut Errors,
) {
    let (principal_keys, resource_keys, actions) =
        (input.principals, input.resources, input.actions);
    let here = |more: &[Seg<'_>]| {
        let mut v = ex.to_vec();
        v.extend_from_slice(more);
        at(&v)
    };
    let mut side_of = |side: Side,
                       one: &Option<String>,
                       many: &Option<Vec<String>>,
                       groups: &[String],
                       input_keys: &[String]| {
        let (n, ns, ng) = match side {
            Side::Principal => ("principal", "principals", "principalGroups"),
            Side::Resource => ("resource", "resources", "resourceGroups"),
        };
        if one.is_some() && many.is_some() {
            errs.push(
                BuildErrorKind::Schema,
                here(&[Seg::Key(ns)]),
                format!("an expectation names its {n}s with `{n}` or `{ns}`, not both"),
            );
        }
        if one.is_none() && many.as_ref().is_none_or(Vec::is_empty) && groups.is_empty() {
            errs.push(
                BuildErrorKind::Schema,
                here(&[]),
                format!("the expectation names no {n}: give `{n}`, `{ns}` or `{ng}`"),
            );
        }
        let mut keys: Vec<(String, Location)> = Vec::new();
        if let Some(k) = one {
            keys.push((k.clone(), here(&[Seg::Key(n)])));
        }
        for (m, k) in many.iter().flatten().enumerate() {
            keys.push((k.clone(), here(&[Seg::Key(ns), Seg::Index(m)])));
        }
        let groups: Vec<(String, Location)> = groups
            .iter()
            .enumerate()
            .map(|(m, g)| (g.clone(), here(&[Seg::Key(ng), Seg::Index(m)])))
            .collect();
        let mut out: Vec<String> = Vec::new();
        for (k, loc) in resolve(cat, side, keys, groups, errs) {
            if !input_keys.contains(&k) {
                errs.push(
                    BuildErrorKind::Reference,
                    loc,
                    format!("the expectation names {n} `{k}`, which is not in the test input"),
                );
            } else if !out.contains(&k) {
                out.push(k);
            }
        }
        out
    };
    let ps = side_of(
        Side::Principal,
        &e.principal,
        &e.principals,
        &e.principal_groups,
        principal_keys,
    );
    let rs = side_of(
        Side::Resource,
        &e.resource,
        &e.resources,
        &e.resource_groups,
        resource_keys,
    );

    if e.actions.is_empty() {
        errs.push(
            BuildErrorKind::Schema,
            here(&[]),
            "the expectation lists no actions".to_string(),
        );
    }
    for (a, effect) in &e.actions {
        let loc = here(&[Seg::Key("actions"), Seg::Key(a)]);
        if !actions.contains(a.as_str()) {
            errs.push(
                BuildErrorKind::Reference,
                loc,
                format!("the expectation names action `{a}`, which is not in the test input"),
            );
            continue;
        }
        for p in &ps {
            for r in &rs {
                let cell = (p.clone(), r.clone(), a.clone());
                match planned.effects.get(&cell) {
                    Some(prev) if prev != effect => errs.push(
                        BuildErrorKind::Duplicate,
                        loc.clone(),
                        format!(
                            "contradictory expectations for principal `{p}`, resource `{r}`, action `{a}`: {} and {}",
                            prev.as_str(),
                            effect.as_str()
                        ),
                    ),
                    Some(_) => {}
                    None => {
                        planned.effects.insert(cell, *effect);
                    }
                }
            }
        }
    }
    for (k, o) in e.outputs.iter().enumerate() {
        if !actions.contains(o.action.as_str()) {
            errs.push(
                BuildErrorKind::Reference,
                here(&[Seg::Key("outputs"), Seg::Index(k), Seg::Key("action")]),
                format!(
                    "the expectation has outputs for action `{}`, which is not in the test input",
                    o.action
                ),
            );
            continue;
        }
        for (m, out) in o.expected.iter().enumerate() {
            let loc = here(&[
                Seg::Key("outputs"),
                Seg::Index(k),
                Seg::Key("expected"),
                Seg::Index(m),
            ]);
            for p in &ps {
                for r in &rs {
                    let cell = (p.clone(), r.clone(), o.action.clone());
                    let srcs = planned.outputs.entry(cell).or_default();
                    match srcs.get(&out.src) {
                        Some(prev) if !json_eq(prev, &out.val) => errs.push(
                            BuildErrorKind::Duplicate,
                            loc.clone(),
                            format!(
                                "contradictory expected outputs for principal `{p}`, resource `{r}`, action `{}`, src `{}`: {prev} and {}",
                                o.action, out.src, out.val
                            ),
                        ),
                        Some(_) => {}
                        None => {
                            srcs.insert(out.src.clone(), out.val.clone());
                        }
                    }
                }
            }
        }
    }
}

/// Resolves listed keys and group members to known keys, each with where it was named
/// (a group's members carry the location of the group's mention).
fn resolve(
    cat: &Catalog<'_>,
    side: Side,
    keys: Vec<(String, Location)>,
    groups: Vec<(String, Location)>,
    errs: &mut Errors,
) -> Vec<(String, Location)> {
    let noun = side.noun();
    let exists = |k: &str| match side {
        Side::Principal => cat.principal(k).is_some(),
        Side::Resource => cat.resource(k).is_some(),
    };
    let mut out = Vec::new();
    for (k, loc) in keys {
        if exists(&k) {
            out.push((k, loc));
        } else {
            errs.push(
                BuildErrorKind::Reference,
                loc,
                format!("unknown {noun} `{k}`"),
            );
        }
    }
    for (g, loc) in groups {
        let group: Option<&Group> = match side {
            Side::Principal => cat.principal_group(&g),
            Side::Resource => cat.resource_group(&g),
        };
        let Some(group) = group else {
            errs.push(
                BuildErrorKind::Reference,
                loc,
                format!("unknown {noun} group `{g}`"),
            );
            continue;
        };
        for (m, mloc) in &group.members {
            if exists(m) {
                out.push((m.clone(), loc.clone()));
            } else {
                errs.push(
                    BuildErrorKind::Reference,
                    mloc.clone(),
                    format!("{noun} group `{g}` names unknown {noun} `{m}`"),
                );
            }
        }
    }
    out
}
