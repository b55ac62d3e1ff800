//! The policy-semantics corpus: decisions derived by hand from the spec, stored as data.
//!
//! Every `tests/corpus/**/*.yaml` file is a list of cases. A case either builds its policies and
//! runs checks against them, or asserts that the build fails:
//!
//! ```yaml
//! - name: owner may view
//!   description: policy-format.md §5
//!   policies:
//!     expense.yaml: |
//!       apiVersion: api.cerbos.dev/v1
//!       resourcePolicy: { resource: expense, version: default, rules: [...] }
//!   config: { evaluationMode: strict }          # optional, see `Config`
//!   now: "2031-03-01T09:00:00Z"                 # optional, the time `now()` returns
//!   checks:
//!     - input: { principal: {...}, resource: {...}, actions: [view] }
//!       expect:
//!         actions: { view: { effect: EFFECT_ALLOW, policy: resource.expense.vdefault } }
//!         effectiveDerivedRoles: [owner]        # optional
//!         outputs: [ { src: ..., action: view, val: ... } ]   # optional
//!         evaluationErrors: 1                   # optional, see `CountOrList`
//!         validationErrors: [ { path: /x, source: SOURCE_RESOURCE } ]   # optional
//! - name: a broken policy
//!   policies: { ... }
//!   buildError: [ { file: x.yaml, line: 3, contains: "unknown derived role" } ]
//! ```
//!
//! A case marked `knownBug: "<reason>"` expects what the spec says while the engine does not
//! yet comply: its failure is reported but does not fail the test. A known bug that starts
//! passing is announced (and fails the test with `CORPUS_STRICT_KNOWN_BUGS=1`) so that the
//! marker gets removed.
//!
//! `CORPUS_FILTER=<substring>` runs only the cases whose file or name contains the substring;
//! `CORPUS_VERBOSE=1` prints every build error and check output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use authz_core::{
    BuildErrors, CheckInput, CheckOutput, Engine, EngineConfig, EvaluationMode, OutputEntry,
    PolicySet, SchemaEnforcement,
};
use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value as Json};

#[path = "support/yaml_json.rs"]
mod yaml;
use yaml::json_eq;

/// The time `now()` returns when a case sets none.
const DEFAULT_NOW: &str = "2031-03-01T09:00:00Z";

/// One case of a corpus file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Case {
    name: String,
    /// Where in the spec the expectations come from (printed with failures).
    #[serde(default)]
    description: String,
    #[serde(default)]
    known_bug: Option<String>,
    policies: IndexMap<String, String>,
    #[serde(default)]
    config: Config,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    checks: Vec<Check>,
    #[serde(default)]
    build_error: Option<Vec<ExpectedBuildError>>,
}

/// Engine settings of a case (`policy-format.md` §15).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Config {
    #[serde(default)]
    lenient_scope_search: bool,
    #[serde(default)]
    evaluation_mode: Option<String>,
    #[serde(default)]
    globals: Map<String, Json>,
    #[serde(default)]
    schema_enforcement: Option<String>,
    #[serde(default)]
    default_policy_version: Option<String>,
    #[serde(default)]
    default_scope: Option<String>,
}

/// One check input and what the spec says it must produce.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Check {
    #[serde(default)]
    name: Option<String>,
    input: Json,
    expect: Expect,
}

/// The expected output of a check. Optional parts are not compared when absent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Expect {
    /// Every requested action, exactly.
    actions: IndexMap<String, ExpectedAction>,
    #[serde(default)]
    effective_derived_roles: Option<Vec<String>>,
    /// Compared as a multiset (the spec lets consumers compare outputs by `src`), or in order
    /// when `outputsInOrder` is set (§13: entries are listed in evaluation order).
    #[serde(default)]
    outputs: Option<Vec<ExpectedOutput>>,
    #[serde(default)]
    outputs_in_order: bool,
    #[serde(default)]
    evaluation_errors: Option<CountOrList<String>>,
    #[serde(default)]
    validation_errors: Option<CountOrList<ExpectedValidation>>,
}

/// `{effect, policy, scope}`; an absent scope means the root.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedAction {
    effect: String,
    policy: String,
    #[serde(default)]
    scope: String,
}

/// `{src, action, val}` or `{src, action, error: <substring>}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedOutput {
    src: String,
    action: String,
    #[serde(default, deserialize_with = "present")]
    val: Option<Json>,
    #[serde(default)]
    error: Option<String>,
}

/// `{path?, source?, contains?}` matched against one validation error.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedValidation {
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    contains: Option<String>,
}

/// A number of entries, one matcher per entry, or `{contains: [...]}`: matchers that must each
/// find a distinct entry, other entries allowed. Evaluation errors are matched as substrings of
/// `"<expression> | <message>"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CountOrList<T> {
    Count(usize),
    List(Vec<T>),
    Contains { contains: Vec<T> },
}

/// One error the build must report.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedBuildError {
    #[serde(default)]
    file: Option<String>,
    #[serde(default)]
    line: Option<u32>,
    #[serde(default)]
    column: Option<u32>,
    contains: String,
}

/// Distinguishes `val: null` (Some(Null)) from an absent `val` (None).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Json>, D::Error> {
    Json::deserialize(d).map(Some)
}

/// The result of running one case.
#[derive(Debug, Default)]
struct Outcome {
    checks: usize,
    actions: usize,
    problems: Vec<String>,
}

/// Totals and reports over every file.
#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    build_cases: usize,
    checks: usize,
    actions: usize,
    failed: usize,
    known_failing: usize,
    /// Failures that fail the test.
    report: String,
    /// Failures of cases marked `knownBug`.
    known: String,
    /// Cases marked `knownBug` that pass.
    fixed: Vec<String>,
}

#[test]
fn corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    assert!(
        !files.is_empty(),
        "no corpus files under {}",
        root.display()
    );
    let filter = std::env::var("CORPUS_FILTER").ok();

    let mut t = Tally::default();
    for file in &files {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .display()
            .to_string();
        run_file(file, &rel, filter.as_deref(), &mut t);
    }

    println!(
        "\ncorpus: {} files, {} cases ({} build-failure cases), {} checks, {} action decisions; \
         {} failed, {} known bugs",
        files.len(),
        t.cases,
        t.build_cases,
        t.checks,
        t.actions,
        t.failed,
        t.known_failing
    );
    if !t.known.is_empty() {
        println!("\nknown bugs (reported, not failing):{}", t.known);
    }
    let mut fail = t.report;
    if !t.fixed.is_empty() {
        let mut notice =
            String::from("\nthese cases are marked `knownBug` but now pass; remove the marker:\n");
        for f in &t.fixed {
            let _ = writeln!(notice, "  {f}");
        }
        println!("{notice}");
        if std::env::var_os("CORPUS_STRICT_KNOWN_BUGS").is_some_and(|v| v != "0") {
            fail.push_str(&notice);
        }
    }
    assert!(fail.is_empty(), "corpus failures:{fail}");
}

/// Runs every case of one corpus file (those matching `filter`), adding to the tally.
fn run_file(file: &Path, rel: &str, filter: Option<&str>, t: &mut Tally) {
    let loaded = std::fs::read_to_string(file)
        .map_err(|e| e.to_string())
        .and_then(|text| yaml::parse(&text));
    let docs = match loaded {
        Ok(d) => d,
        Err(e) => {
            t.failed += 1;
            let _ = writeln!(t.report, "\n=== {rel}: cannot read: {e}");
            return;
        }
    };
    let [Json::Array(list)] = docs.as_slice() else {
        t.failed += 1;
        let _ = writeln!(
            t.report,
            "\n=== {rel}: expected one document, a list of cases"
        );
        return;
    };
    let mut names = HashSet::new();
    for (i, raw) in list.iter().enumerate() {
        let case: Case = match serde_json::from_value(raw.clone()) {
            Ok(c) => c,
            Err(e) => {
                t.failed += 1;
                let _ = writeln!(t.report, "\n=== {rel} case #{}: malformed: {e}", i + 1);
                continue;
            }
        };
        if filter.is_some_and(|f| !rel.contains(f) && !case.name.contains(f)) {
            continue;
        }
        t.cases += 1;
        let mut out = run_case(&case);
        if !names.insert(case.name.clone()) {
            out.problems
                .push("duplicate case name in this file".to_string());
        }
        t.checks += out.checks;
        t.actions += out.actions;
        if case.build_error.is_some() {
            t.build_cases += 1;
        }
        let heading = if case.description.is_empty() {
            format!("{rel}: {}", case.name)
        } else {
            format!("{rel}: {}\n  ({})", case.name, case.description.trim())
        };
        let status = match (&case.known_bug, out.problems.is_empty()) {
            (None, true) => "ok",
            (None, false) => {
                t.failed += 1;
                let _ = writeln!(t.report, "\n=== {heading}");
                for p in &out.problems {
                    let _ = writeln!(t.report, "{}", indent(p, "  "));
                }
                "FAILED"
            }
            (Some(reason), false) => {
                t.known_failing += 1;
                let _ = writeln!(t.known, "\n--- {rel}: {} (known bug: {reason})", case.name);
                for p in &out.problems {
                    let _ = writeln!(t.known, "{}", indent(p, "  "));
                }
                "known bug"
            }
            (Some(_), true) => {
                t.fixed.push(format!("{rel}: {}", case.name));
                "PASSES BUT MARKED knownBug"
            }
        };
        println!("{rel}: {} ... {status}", case.name);
    }
}

/// Every `.yaml` file under `dir`, recursively.
fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(p);
        }
    }
}

fn indent(s: &str, by: &str) -> String {
    s.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_case(case: &Case) -> Outcome {
    let mut out = Outcome::default();
    let built = PolicySet::from_sources(case.policies.iter());
    if let Some(expected) = &case.build_error {
        if !case.checks.is_empty() {
            out.problems
                .push("a build-failure case must not have checks".to_string());
        }
        if expected.is_empty() {
            out.problems
                .push("`buildError` must list at least one error".to_string());
        }
        match built {
            Ok(_) => out
                .problems
                .push("expected the build to fail, but it succeeded".to_string()),
            Err(errs) => {
                if verbose() {
                    println!("{}", indent(&errs.to_string(), "    "));
                }
                check_build_errors(expected, &errs, &mut out.problems);
            }
        }
        return out;
    }
    if case.checks.is_empty() {
        out.problems
            .push("a case needs `checks` or `buildError`".to_string());
    }
    let set = match built {
        Ok(s) => s,
        Err(errs) => {
            out.problems.push(format!(
                "the policies failed to build:\n{}",
                indent(&errs.to_string(), "  ")
            ));
            return out;
        }
    };
    let config = match engine_config(&case.config) {
        Ok(c) => c,
        Err(e) => {
            out.problems.push(e);
            return out;
        }
    };
    let now = case.now.as_deref().unwrap_or(DEFAULT_NOW);
    let now = match DateTime::parse_from_rfc3339(now) {
        Ok(t) => t.with_timezone(&Utc),
        Err(e) => {
            out.problems.push(format!("bad `now` {now:?}: {e}"));
            return out;
        }
    };
    let engine = Engine::new(set, config);
    for (i, check) in case.checks.iter().enumerate() {
        out.checks += 1;
        out.actions += check.expect.actions.len();
        let label = match &check.name {
            Some(n) => format!("check #{} ({n})", i + 1),
            None => format!("check #{}", i + 1),
        };
        let input: CheckInput = match serde_json::from_value(check.input.clone()) {
            Ok(i) => i,
            Err(e) => {
                out.problems.push(format!("{label}: bad input: {e}"));
                continue;
            }
        };
        let got = engine
            .check_at(std::slice::from_ref(&input), now)
            .pop()
            .unwrap_or_default();
        if verbose() {
            let actual = serde_json::to_string(&got).unwrap_or_default();
            println!("    {label}: {actual}");
        }
        let problems = compare(&check.expect, &got);
        if !problems.is_empty() {
            let mut msg = format!("{label}:");
            for p in problems {
                let _ = write!(msg, "\n  - {p}");
            }
            let actual = serde_json::to_string(&got).unwrap_or_default();
            let _ = write!(msg, "\n  actual output: {actual}");
            if !got.evaluation_errors.is_empty() {
                let errs: Vec<String> = got
                    .evaluation_errors
                    .iter()
                    .map(|e| format!("`{}`: {}", e.expression, e.message))
                    .collect();
                let _ = write!(msg, "\n  evaluation errors: {}", errs.join("; "));
            }
            out.problems.push(msg);
        }
    }
    out
}

/// `CORPUS_VERBOSE=1` prints every build error and check output.
fn verbose() -> bool {
    std::env::var_os("CORPUS_VERBOSE").is_some_and(|v| v != "0")
}

fn engine_config(c: &Config) -> Result<EngineConfig, String> {
    let mut cfg = EngineConfig {
        lenient_scope_search: c.lenient_scope_search,
        globals: c.globals.clone(),
        ..EngineConfig::default()
    };
    if let Some(v) = &c.default_policy_version {
        cfg.default_policy_version.clone_from(v);
    }
    if let Some(s) = &c.default_scope {
        cfg.default_scope.clone_from(s);
    }
    cfg.evaluation_mode = match c.evaluation_mode.as_deref() {
        None | Some("strict") => EvaluationMode::Strict,
        Some("cerbos_compat" | "lenient") => EvaluationMode::CerbosCompat,
        Some(other) => return Err(format!("unknown evaluationMode `{other}`")),
    };
    cfg.schema_enforcement = match c.schema_enforcement.as_deref() {
        None | Some("none") => SchemaEnforcement::None,
        Some("warn") => SchemaEnforcement::Warn,
        Some("reject") => SchemaEnforcement::Reject,
        Some(other) => return Err(format!("unknown schemaEnforcement `{other}`")),
    };
    Ok(cfg)
}

fn check_build_errors(
    expected: &[ExpectedBuildError],
    got: &BuildErrors,
    problems: &mut Vec<String>,
) {
    for want in expected {
        let found = got.errors().iter().any(|e| {
            let text = match &e.help {
                Some(h) => format!("{} (help: {h})", e.message),
                None => e.message.clone(),
            };
            want.file.as_deref().is_none_or(|f| *e.location.file == *f)
                && want.line.is_none_or(|l| l == e.location.line)
                && want.column.is_none_or(|c| c == e.location.column)
                && text.contains(&want.contains)
        });
        if !found {
            let file = want.file.as_deref().unwrap_or("any file");
            let at = match (want.line, want.column) {
                (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
                (Some(l), None) => format!("{file}:{l}"),
                _ => file.to_string(),
            };
            problems.push(format!(
                "expected a build error at {at} containing {:?}; the build reported:\n{}",
                want.contains,
                indent(&got.to_string(), "  ")
            ));
        }
    }
}

/// Every difference between what the spec expects and what the engine produced.
fn compare(want: &Expect, got: &CheckOutput) -> Vec<String> {
    let mut problems = Vec::new();
    for (action, w) in &want.actions {
        match got.actions.get(action) {
            None => problems.push(format!("action `{action}`: missing from the output")),
            Some(g) => {
                if g.effect.as_str() != w.effect || g.policy != w.policy || g.scope != w.scope {
                    problems.push(format!(
                        "action `{action}`: expected {} {} scope {:?}, got {} {} scope {:?}",
                        w.effect,
                        w.policy,
                        w.scope,
                        g.effect.as_str(),
                        g.policy,
                        g.scope
                    ));
                }
            }
        }
    }
    for action in got.actions.keys() {
        if !want.actions.contains_key(action) {
            problems.push(format!(
                "action `{action}`: in the output but not in `expect.actions` (list every action)"
            ));
        }
    }
    if let Some(edr) = &want.effective_derived_roles {
        if edr != &got.effective_derived_roles {
            problems.push(format!(
                "effectiveDerivedRoles: expected {edr:?}, got {:?}",
                got.effective_derived_roles
            ));
        }
    }
    if let Some(outputs) = &want.outputs {
        compare_outputs(outputs, want.outputs_in_order, got, &mut problems);
    }
    if let Some(errs) = &want.evaluation_errors {
        let actual: Vec<String> = got
            .evaluation_errors
            .iter()
            .map(|e| format!("{} | {}", e.expression, e.message))
            .collect();
        match errs {
            CountOrList::Count(n) => {
                if *n != actual.len() {
                    problems.push(format!(
                        "evaluationErrors: expected {n}, got {}: {actual:?}",
                        actual.len()
                    ));
                }
            }
            CountOrList::List(subs) => {
                if subs.len() != actual.len()
                    || !matches_all(subs, &actual, |s, a| a.contains(s.as_str()))
                {
                    problems.push(format!(
                        "evaluationErrors: expected exactly {subs:?}, got {actual:?}"
                    ));
                }
            }
            CountOrList::Contains { contains } => {
                if !matches_all(contains, &actual, |s, a| a.contains(s.as_str())) {
                    problems.push(format!(
                        "evaluationErrors: expected {contains:?} among {actual:?}"
                    ));
                }
            }
        }
    }
    if let Some(errs) = &want.validation_errors {
        let actual: Vec<String> = got
            .validation_errors
            .iter()
            .map(|e| {
                let src = serde_json::to_value(e.source).unwrap_or_default();
                format!("{} {} {}", src.as_str().unwrap_or(""), e.path, e.message)
            })
            .collect();
        match errs {
            CountOrList::Count(n) => {
                if *n != actual.len() {
                    problems.push(format!(
                        "validationErrors: expected {n}, got {}: {actual:?}",
                        actual.len()
                    ));
                }
            }
            CountOrList::List(list) | CountOrList::Contains { contains: list } => {
                let exact = matches!(errs, CountOrList::List(_));
                let ok = (!exact || list.len() == got.validation_errors.len())
                    && matches_all(list, &got.validation_errors, |w, g| {
                        let src = serde_json::to_value(g.source).unwrap_or_default();
                        w.path.as_ref().is_none_or(|p| *p == g.path)
                            && w.source
                                .as_ref()
                                .is_none_or(|s| src.as_str() == Some(s.as_str()))
                            && w.contains
                                .as_ref()
                                .is_none_or(|c| g.message.contains(c.as_str()))
                    });
                if !ok {
                    problems.push(format!(
                        "validationErrors: expected {list:?}, got {actual:?}"
                    ));
                }
            }
        }
    }
    problems
}

/// Outputs are compared in order, or as a multiset: each expected entry consumes one equal
/// actual entry.
fn compare_outputs(
    want: &[ExpectedOutput],
    in_order: bool,
    got: &CheckOutput,
    problems: &mut Vec<String>,
) {
    for w in want {
        if w.val.is_some() == w.error.is_some() {
            problems.push(format!(
                "expected output for `{}` needs exactly one of `val` and `error`",
                w.src
            ));
        }
    }
    let same = |w: &ExpectedOutput, g: &OutputEntry| {
        w.src == g.src
            && w.action == g.action
            && match (&w.val, &w.error) {
                (Some(v), None) => {
                    g.error.is_none() && g.val.as_ref().is_some_and(|gv| json_eq(v, gv))
                }
                (None, Some(e)) => {
                    g.val.is_none() && g.error.as_ref().is_some_and(|ge| ge.contains(e.as_str()))
                }
                _ => false,
            }
    };
    let ok = want.len() == got.outputs.len()
        && if in_order {
            want.iter().zip(&got.outputs).all(|(w, g)| same(w, g))
        } else {
            matches_all(want, &got.outputs, same)
        };
    if !ok {
        let fmt_want: Vec<String> = want
            .iter()
            .map(|w| match (&w.val, &w.error) {
                (Some(v), _) => format!("{{src: {}, action: {}, val: {v}}}", w.src, w.action),
                (_, Some(e)) => format!("{{src: {}, action: {}, error~ {e:?}}}", w.src, w.action),
                _ => format!("{{src: {}, action: {}}}", w.src, w.action),
            })
            .collect();
        let fmt_got: Vec<String> = got
            .outputs
            .iter()
            .map(|g| serde_json::to_string(g).unwrap_or_default())
            .collect();
        problems.push(format!(
            "outputs differ:\n      expected: [{}]\n      got:      [{}]",
            fmt_want.join(", "),
            fmt_got.join(", ")
        ));
    }
}

/// Whether each `want` can be paired with a distinct `got` (bipartite matching by augmenting
/// paths; the lists are tiny).
fn matches_all<W, G>(want: &[W], got: &[G], eq: impl Fn(&W, &G) -> bool) -> bool {
    let adj: Vec<Vec<usize>> = want
        .iter()
        .map(|w| (0..got.len()).filter(|&j| eq(w, &got[j])).collect())
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; got.len()];
    fn augment(
        i: usize,
        adj: &[Vec<usize>],
        seen: &mut [bool],
        owner: &mut [Option<usize>],
    ) -> bool {
        for &j in &adj[i] {
            if seen[j] {
                continue;
            }
            seen[j] = true;
            if owner[j].is_none_or(|k| augment(k, adj, seen, owner)) {
                owner[j] = Some(i);
                return true;
            }
        }
        false
    }
    (0..want.len()).all(|i| {
        let mut seen = vec![false; got.len()];
        augment(i, &adj, &mut seen, &mut owner)
    })
}
