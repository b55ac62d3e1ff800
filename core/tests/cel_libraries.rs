//! The CEL libraries, as policies see them: each expression of the tables in `tests/cel/*.yaml`
//! is compiled into a policy and evaluated through the public API, and its value, evaluation
//! error or build error is compared with the expectation (`cel-environment.md`).
//!
//! A table file:
//!
//! ```yaml
//! # optional defaults for every case of the file
//! now: "2024-03-10T12:00:00Z"          # the time `now()` returns (default below)
//! principal: { id: alice, roles: [user], attr: { dept: eng } }
//! resource: { kind: doc, id: d1, attr: { pages: 12 } }
//! globals: { region: eu }
//! cases:
//!   - expr: "'hello'.charAt(1)"
//!     expect: "e"                        # the JSON of the value (outputs, policy-format §13)
//!   - expr: "R.attr.pages + 1"
//!     expectError: "no such overload"    # an evaluation error containing the text
//!   - expr: "'a'.matches('(')"
//!     expectBuildError: "invalid regular expression"   # a build error containing the text
//!     at: 0                              # optional: 0-based offset in `expr` it points at
//!   - expr: "P.attr.dept == 'eng'"
//!     principal: { attr: { dept: ops } } # per-case overrides, merged into the defaults
//!     expect: false
//!     note: "why this case matters"      # optional, ignored
//! ```
//!
//! Each case becomes a resource policy whose rule's output (`output.when.ruleActivated`) is the
//! expression: the output's `val` is the value, its `error` the evaluation error. When the
//! expected value is a `bool`, or an error is expected, the expression is also the condition
//! of a second rule, whose effect must agree (ALLOW for `true`, DENY with an evaluation error
//! for an error). Numbers compare by value (`3` and `3.0` are equal: outputs render integral
//! doubles without a fraction); use `type(x) == double` to check a type.
//!
//! `CEL_FILTER=<substring>` runs only the files or expressions that contain the substring;
//! `CEL_TABLES=<dir>` reads the tables of another directory.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use authz_core::{
    BuildErrors, CheckInput, CheckOutput, Effect, Engine, EngineConfig, PolicySet, Principal,
    Resource,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

#[path = "support/yaml_json.rs"]
mod yaml;
use yaml::json_eq;

/// The time `now()` returns when neither the file nor the case sets one.
const DEFAULT_NOW: &str = "2024-03-10T12:00:00Z";

/// The name of the policy file each case is compiled from.
const POLICY_FILE: &str = "cel_case.yaml";

/// The line of [`POLICY_FILE`] that holds the output expression, see [`policy`].
const OUTPUT_LINE: u32 = 11;

/// A table file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    principal: Option<Json>,
    #[serde(default)]
    resource: Option<Json>,
    #[serde(default)]
    globals: Option<Map<String, Json>>,
    cases: Vec<Case>,
}

/// One expression and what it should give.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Case {
    expr: String,
    #[serde(default, deserialize_with = "present")]
    expect: Option<Json>,
    #[serde(default)]
    expect_error: Option<String>,
    #[serde(default)]
    expect_build_error: Option<String>,
    #[serde(default)]
    at: Option<usize>,
    #[serde(default)]
    now: Option<String>,
    #[serde(default)]
    principal: Option<Json>,
    #[serde(default)]
    resource: Option<Json>,
    #[serde(default)]
    globals: Option<Map<String, Json>>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// `expect: null` is an expectation (of `null`), unlike a missing `expect`.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Json>, D::Error> {
    Json::deserialize(d).map(Some)
}

#[test]
fn cel_library_tables() {
    let root = std::env::var_os("CEL_TABLES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cel"),
        PathBuf::from,
    );
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    assert!(!files.is_empty(), "no table files under {}", root.display());
    let filter = std::env::var("CEL_FILTER").ok();

    // One thread per core, each taking the next file; results reported in file order.
    let next = AtomicUsize::new(0);
    let results = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(files.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(file) = files.get(i) else { break };
                let rel = file
                    .strip_prefix(&root)
                    .unwrap_or(file)
                    .display()
                    .to_string();
                let outcome = run_file(file, &rel, filter.as_deref());
                results.lock().unwrap().push((i, rel, outcome));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by_key(|(i, _, _)| *i);

    let mut report = String::new();
    let (mut ran, mut failed) = (0usize, 0usize);
    let mut per_file = Vec::new();
    for (_, rel, outcome) in results {
        ran += outcome.ran;
        failed += outcome.failed;
        report.push_str(&outcome.report);
        per_file.push(format!("{rel}: {}", outcome.ran));
    }
    println!(
        "cel tables: {} files, {ran} cases, {failed} failed ({})",
        files.len(),
        per_file.join(", ")
    );
    assert!(report.is_empty(), "cel table failures:{report}");
}

/// What running the cases of one file found.
#[derive(Default)]
struct FileOutcome {
    ran: usize,
    failed: usize,
    report: String,
}

/// Runs the cases of the table `file` (`rel` to the tables' directory) that `filter` selects.
fn run_file(file: &Path, rel: &str, filter: Option<&str>) -> FileOutcome {
    let mut out = FileOutcome::default();
    let table = std::fs::read_to_string(file)
        .map_err(|e| e.to_string())
        .and_then(|t| yaml::parse(&t))
        .and_then(|docs| match <[Json; 1]>::try_from(docs) {
            Ok([doc]) => serde_json::from_value::<Table>(doc).map_err(|e| e.to_string()),
            Err(_) => Err("expected one document".to_owned()),
        });
    let table = match table {
        Ok(t) => t,
        Err(e) => {
            out.failed += 1;
            let _ = writeln!(out.report, "\n=== {rel}: cannot read: {e}");
            return out;
        }
    };
    let mut seen = HashSet::new();
    for (i, case) in table.cases.iter().enumerate() {
        if let Some(f) = filter {
            if !rel.contains(f) && !case.expr.contains(f) {
                continue;
            }
        }
        out.ran += 1;
        let mut problems = run_case(&table, case);
        let key = format!(
            "{}|{:?}|{:?}|{:?}|{:?}",
            case.expr, case.principal, case.resource, case.globals, case.now
        );
        if !seen.insert(key) {
            problems.push("duplicate case in this file".to_owned());
        }
        if !problems.is_empty() {
            out.failed += 1;
            let _ = writeln!(out.report, "\n=== {rel} case #{}: `{}`", i + 1, case.expr);
            for p in problems {
                let _ = writeln!(out.report, "  {p}");
            }
        }
    }
    out
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

/// The problems of one case; empty when it passes.
fn run_case(table: &Table, case: &Case) -> Vec<String> {
    let expectations = usize::from(case.expect.is_some())
        + usize::from(case.expect_error.is_some())
        + usize::from(case.expect_build_error.is_some());
    if expectations != 1 {
        return vec![
            "a case needs exactly one of `expect`, `expectError`, `expectBuildError`".to_owned(),
        ];
    }
    let with_condition = case.expect_error.is_some() || matches!(case.expect, Some(Json::Bool(_)));
    let built = PolicySet::from_sources([(POLICY_FILE, policy(&case.expr, with_condition))]);
    if let Some(want) = &case.expect_build_error {
        return match built {
            Ok(_) => vec![format!("built, want a build error containing `{want}`")],
            Err(errors) => build_error_problems(&errors, case, want),
        };
    }
    let set = match built {
        Ok(s) => s,
        Err(errors) => return vec![format!("build failed: {errors}")],
    };
    let input = match input(table, case) {
        Ok(i) => i,
        Err(e) => return vec![format!("bad case: {e}")],
    };
    let now = match case.now.as_ref().or(table.now.as_ref()) {
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) => t.with_timezone(&Utc),
            Err(e) => return vec![format!("bad `now` {s}: {e}")],
        },
        None => DateTime::parse_from_rfc3339(DEFAULT_NOW)
            .unwrap()
            .with_timezone(&Utc),
    };
    let mut globals = table.globals.clone().unwrap_or_default();
    globals.extend(case.globals.clone().unwrap_or_default());
    let config = EngineConfig {
        globals,
        evaluation_error_log_level: None,
        ..EngineConfig::default()
    };
    let engine = Engine::new(set, config);
    let output = engine
        .check_at(std::slice::from_ref(&input), now)
        .pop()
        .unwrap_or_default();
    let mut problems = Vec::new();
    check_output(case, &output, &mut problems);
    if with_condition {
        check_condition(case, &output, &mut problems);
    }
    problems
}

/// The policy that evaluates `expr` as the output of the rule for the action `out` and, when
/// `with_condition`, as the condition of the rule for `cond`. The output expression is on line
/// [`OUTPUT_LINE`].
fn policy(expr: &str, with_condition: bool) -> String {
    // A double-quoted YAML scalar takes JSON's escapes.
    let quoted = serde_json::to_string(expr).unwrap();
    let mut text = format!(
        "apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: cel_case
  version: default
  rules:
    - name: out
      actions: [out]
      effect: EFFECT_ALLOW
      roles: ['*']
      output:
        when: {{ ruleActivated: {quoted} }}
"
    );
    if with_condition {
        let _ = write!(
            text,
            "    - name: cond
      actions: [cond]
      effect: EFFECT_ALLOW
      roles: ['*']
      condition:
        match: {{ expr: {quoted} }}
"
        );
    }
    text
}

/// The column of the first character of the expression on [`OUTPUT_LINE`], 1-based: after
/// `        when: { ruleActivated: "`.
const OUTPUT_COLUMN: u32 = 33;

/// The problems of a failed build expected to fail with `want`.
fn build_error_problems(errors: &BuildErrors, case: &Case, want: &str) -> Vec<String> {
    let all = errors.to_string();
    let Some(found) = errors.errors().iter().find(|e| e.message.contains(want)) else {
        return vec![format!("build errors lack `{want}`: {all}")];
    };
    let mut problems = Vec::new();
    if found.location.file.as_ref() != POLICY_FILE || found.location.line != OUTPUT_LINE {
        problems.push(format!(
            "build error at {}, want line {OUTPUT_LINE}: {all}",
            found.location
        ));
    }
    if let Some(at) = case.at {
        let prefix: String = case.expr.chars().take(at).collect();
        let escapes = serde_json::to_string(&prefix).unwrap().chars().count() - 2;
        let column = OUTPUT_COLUMN + u32::try_from(escapes).unwrap();
        if found.location.column != column {
            problems.push(format!(
                "build error at column {}, want {column} (offset {at}): {all}",
                found.location.column
            ));
        }
    }
    problems
}

/// The check input of a case: the defaults, the file's and the case's principal and resource
/// merged in, and the actions `out` and `cond`.
fn input(table: &Table, case: &Case) -> Result<CheckInput, String> {
    let mut principal = json!({"id": "alice", "roles": ["user"], "attr": {}});
    let mut resource = json!({"kind": "cel_case", "id": "r1", "attr": {}});
    for layer in [&table.principal, &case.principal].into_iter().flatten() {
        merge(&mut principal, layer);
    }
    for layer in [&table.resource, &case.resource].into_iter().flatten() {
        merge(&mut resource, layer);
    }
    let principal: Principal =
        serde_json::from_value(principal).map_err(|e| format!("principal: {e}"))?;
    let resource: Resource =
        serde_json::from_value(resource).map_err(|e| format!("resource: {e}"))?;
    Ok(CheckInput::new(principal, resource, ["out", "cond"]))
}

/// Merges the object `layer` into `target`: objects key by key, anything else replaced.
fn merge(target: &mut Json, layer: &Json) {
    match (target, layer) {
        (Json::Object(t), Json::Object(l)) => {
            for (k, v) in l {
                match t.get_mut(k) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, v),
                    _ => {
                        t.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (t, l) => *t = l.clone(),
    }
}

/// Checks the output entry of the `out` action against the expectation.
fn check_output(case: &Case, output: &CheckOutput, problems: &mut Vec<String>) {
    let entries = output
        .outputs
        .iter()
        .filter(|o| o.action == "out")
        .collect::<Vec<_>>();
    let [entry] = entries.as_slice() else {
        problems.push(format!("want one output entry, got {:?}", output.outputs));
        return;
    };
    match (&case.expect, &case.expect_error) {
        (Some(want), _) => match (&entry.val, &entry.error) {
            (Some(got), None) if json_eq(got, want) => {}
            (Some(got), None) => problems.push(format!("got {got}, want {want}")),
            (_, Some(e)) => problems.push(format!("evaluation error `{e}`, want {want}")),
            (None, None) => problems.push(format!("no value, want {want}")),
        },
        (None, Some(want)) => match (&entry.val, &entry.error) {
            (_, Some(e)) if e.contains(want.as_str()) => {}
            (_, Some(e)) => problems.push(format!("error `{e}` lacks `{want}`")),
            (Some(got), None) => problems.push(format!("got {got}, want an error `{want}`")),
            (None, None) => problems.push(format!("no value, want an error `{want}`")),
        },
        (None, None) => {}
    }
}

/// Checks the decision of the `cond` action, whose condition is the expression.
fn check_condition(case: &Case, output: &CheckOutput, problems: &mut Vec<String>) {
    let effect = output.effect("cond");
    if let Some(Json::Bool(want)) = &case.expect {
        let want_effect = if *want { Effect::Allow } else { Effect::Deny };
        if effect != want_effect {
            problems.push(format!(
                "as a condition: {effect:?}, want {want_effect:?} (errors: {:?})",
                output.evaluation_errors
            ));
        }
    }
    if let Some(want) = &case.expect_error {
        let recorded = output
            .evaluation_errors
            .iter()
            .any(|e| e.message.contains(want.as_str()));
        if effect != Effect::Deny || !recorded {
            problems.push(format!(
                "as a condition: {effect:?} with errors {:?}, want a denial and an error `{want}`",
                output.evaluation_errors
            ));
        }
    }
}
