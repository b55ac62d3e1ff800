//! Running suites: parse, skip or filter, load fixtures, expand, check every (principal,
//! resource) pair with the test's options, and compare (§16.3).

use std::collections::HashMap;

use serde_json::Value as Json;

use super::filter::TestFilter;
use super::fixtures::{self, groups, Catalog, Fixtures};
use super::plan::{plan, PlannedTest};
use super::results::{
    ActionResult, ActualOutput, Details, Failure, Outcome, OutputFailure, OutputOutcome,
    PrincipalResult, ResourceResult, Success, SuiteResult, Summary, TestCaseResult, TestResult,
    TestResults,
};
use super::suite::{Options, SuiteDoc};
use super::TestRunner;
use crate::config::{EngineConfig, EvaluationMode, Prepared};
use crate::decision::{Effect, OutputEntry};
use crate::engine::Engine;
use crate::error::{BuildError, BuildErrorKind};
use crate::load::{self, Tree};
use crate::request::CheckInput;
use crate::source::SourceFile;

/// The error of a check that read `now()` while the options set no `now`.
pub(crate) const MISSING_NOW: &str =
    "a policy used a time-based condition, but `now` was not provided in the test options";

/// The name reported for a suite that could not be read or parsed.
const UNKNOWN: &str = "Unknown";

/// Runs every suite of `tree`, with fixtures from the tree's `testdata/` files.
pub(crate) fn run_tree(runner: &TestRunner, tree: &Tree) -> TestResults {
    let mut suites = Vec::new();
    for e in &tree.errors {
        // Unreadable files and directories may hide suites; misplaced schemas are a
        // policy-build problem and do not concern the tests.
        if e.kind == BuildErrorKind::Io
            && !matches!(
                load::classify(&e.location.file),
                load::FileKind::Policy | load::FileKind::Schema
            )
        {
            suites.push(errored(e.location.file.to_string(), UNKNOWN, e.to_string()));
        }
    }
    let mut cache: HashMap<String, Result<Fixtures, Vec<BuildError>>> = HashMap::new();
    for file in &tree.tests {
        suites.push(run_suite(runner, file, &tree.testdata, &mut cache));
    }
    TestResults::from_suites(suites)
}

/// A `RESULT_ERRORED` suite.
fn errored(file: String, name: &str, error: String) -> SuiteResult {
    SuiteResult {
        file,
        name: name.to_string(),
        description: String::new(),
        summary: Summary::new(TestResult::Errored),
        error: Some(error),
        skip_reason: None,
        test_cases: Vec::new(),
    }
}

fn join(errors: &[BuildError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_suite(
    runner: &TestRunner,
    file: &SourceFile,
    testdata: &[SourceFile],
    cache: &mut HashMap<String, Result<Fixtures, Vec<BuildError>>>,
) -> SuiteResult {
    let path = file.path.to_string();
    let (root, doc) = match load::parse_document::<SuiteDoc>(file) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            return errored(
                path.clone(),
                UNKNOWN,
                format!("{path}: the test suite file is empty"),
            )
        }
        Err(e) => return errored(path, UNKNOWN, e.to_string()),
    };
    let mut result = SuiteResult {
        file: path.clone(),
        name: doc.name.clone(),
        description: doc.description.clone(),
        summary: Summary::new(TestResult::Skipped),
        error: None,
        skip_reason: None,
        test_cases: Vec::new(),
    };
    if !runner.filter.suite(&doc.name) {
        return result;
    }
    if doc.skip {
        result.skip_reason = non_empty(&doc.skip_reason);
        return result;
    }
    let dir = fixtures::parent_dir(&path).to_string();
    let fixtures = cache
        .entry(dir.clone())
        .or_insert_with(|| fixtures::load(&dir, testdata));
    let failed = |errs: &[BuildError]| SuiteResult {
        error: Some(join(errs)),
        summary: Summary::new(TestResult::Errored),
        ..result.clone()
    };
    let fixtures = match fixtures {
        Ok(f) => &*f,
        Err(errs) => return failed(errs),
    };
    let cat = Catalog {
        suite: &doc,
        principal_groups: groups(
            &file.path,
            &root,
            "principalGroups",
            "principals",
            doc.principal_groups
                .iter()
                .map(|(k, g)| (k.clone(), g.principals.clone())),
        ),
        resource_groups: groups(
            &file.path,
            &root,
            "resourceGroups",
            "resources",
            doc.resource_groups
                .iter()
                .map(|(k, g)| (k.clone(), g.resources.clone())),
        ),
        fixtures,
    };
    let tests = match plan(&doc, &cat, &file.path, &root) {
        Ok(t) => t,
        Err(errs) => return failed(&errs),
    };
    for t in &tests {
        let case = run_test(runner, &doc, t, &mut result.summary);
        result.test_cases.push(case);
    }
    result
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The engine settings for a test: the runner's base, then the options in force.
pub(crate) fn config(
    base: &EngineConfig,
    default_mode: EvaluationMode,
    options: Option<&Options>,
) -> EngineConfig {
    let mut cfg = base.clone();
    cfg.evaluation_mode = default_mode;
    let Some(o) = options else { return cfg };
    if let Some(v) = o.default_policy_version.as_ref().filter(|v| !v.is_empty()) {
        cfg.default_policy_version = v.clone();
    }
    if let Some(s) = &o.default_scope {
        cfg.default_scope = s.clone();
    }
    if let Some(l) = o.lenient_scope_search {
        cfg.lenient_scope_search = l;
    }
    if let Some(g) = &o.globals {
        cfg.globals = g.clone();
    }
    if let Some(strict) = o.strict_evaluation {
        cfg.evaluation_mode = if strict {
            EvaluationMode::Strict
        } else {
            EvaluationMode::CerbosCompat
        };
    }
    cfg
}

fn run_test(
    runner: &TestRunner,
    suite: &SuiteDoc,
    t: &PlannedTest<'_>,
    summary: &mut Summary,
) -> TestCaseResult {
    let def = t.def;
    let filter: &TestFilter = &runner.filter;
    let test_selected = filter.test(&def.name);
    let options = def.options.as_ref().or(suite.options.as_ref());
    let now = options.and_then(|o| o.now);
    let prepared = Prepared::new(config(&runner.base, runner.default_mode(), options));
    let actions = &def.input.actions;
    let skip_reason = non_empty(&def.skip_reason);

    let mut principals = Vec::with_capacity(t.principals.len());
    for (pk, p) in &t.principals {
        let mut resources = Vec::with_capacity(t.resources.len());
        for (rk, r) in &t.resources {
            let selected: Vec<bool> = actions
                .iter()
                .map(|a| {
                    test_selected && filter.principal(pk) && filter.resource(rk) && filter.action(a)
                })
                .collect();
            let checked = (!def.skip && selected.contains(&true)).then(|| {
                let input = CheckInput {
                    request_id: String::new(),
                    principal: (*p).clone(),
                    resource: (*r).clone(),
                    actions: actions.clone(),
                    aux_data: t.aux_data.cloned().unwrap_or_default(),
                };
                Engine::check_with(&runner.policies, &prepared, now, &input)
            });
            let mut results = Vec::with_capacity(actions.len());
            for (a, sel) in actions.iter().zip(selected) {
                let details = if !sel {
                    // Left out by the filter: reported, not counted.
                    Details {
                        result: TestResult::Skipped,
                        outcome: None,
                    }
                } else {
                    let d = match &checked {
                        None => Details {
                            result: TestResult::Skipped,
                            outcome: skip_reason.clone().map(Outcome::SkipReason),
                        },
                        Some(c) if c.missing_now && now.is_none() => Details {
                            result: TestResult::Errored,
                            outcome: Some(Outcome::Error(MISSING_NOW.to_string())),
                        },
                        Some(c) => {
                            let cell = (pk.clone(), rk.clone(), a.clone());
                            compare(
                                t.effects.get(&cell).copied().unwrap_or(Effect::Deny),
                                t.outputs.get(&cell),
                                a,
                                &c.output,
                            )
                        }
                    };
                    summary.record(d.result);
                    d
                };
                results.push(ActionResult {
                    name: a.clone(),
                    details,
                });
            }
            resources.push(ResourceResult {
                name: rk.clone(),
                actions: results,
            });
        }
        principals.push(PrincipalResult {
            name: pk.clone(),
            resources,
        });
    }
    TestCaseResult {
        name: def.name.clone(),
        principals,
    }
}

/// Compares the decision and outputs for action `a` with the expectation.
fn compare(
    expected: Effect,
    expected_outputs: Option<&indexmap::IndexMap<String, Json>>,
    a: &str,
    out: &crate::decision::CheckOutput,
) -> Details {
    let actual = out.effect(a);
    let produced: Vec<&OutputEntry> = out.outputs.iter().filter(|o| o.action == a).collect();
    let mut failures = Vec::new();
    for (src, want) in expected_outputs.into_iter().flatten() {
        let same_src: Vec<&&OutputEntry> = produced.iter().filter(|o| &o.src == src).collect();
        let matched = same_src
            .iter()
            .any(|o| o.val.as_ref().is_some_and(|v| json_eq(v, want)));
        if matched {
            continue;
        }
        let outcome = match same_src.first() {
            None => OutputOutcome::Missing {
                expected: want.clone(),
            },
            Some(o) => match (&o.val, &o.error) {
                (Some(v), _) => OutputOutcome::Mismatched {
                    expected: want.clone(),
                    actual: v.clone(),
                },
                (None, e) => OutputOutcome::Errored {
                    expected: want.clone(),
                    error: e.clone().unwrap_or_default(),
                },
            },
        };
        failures.push(OutputFailure {
            src: src.clone(),
            outcome,
        });
    }
    if actual == expected && failures.is_empty() {
        Details {
            result: TestResult::Passed,
            outcome: Some(Outcome::Success(Success {
                effect: actual,
                outputs: produced
                    .iter()
                    .map(|o| ActualOutput {
                        src: o.src.clone(),
                        val: o.val.clone(),
                        error: o.error.clone(),
                    })
                    .collect(),
            })),
        }
    } else {
        Details {
            result: TestResult::Failed,
            outcome: Some(Outcome::Failure(Failure {
                expected,
                actual,
                outputs: failures,
            })),
        }
    }
}

/// JSON equality where numbers compare by value (`1 == 1.0`), as protobuf values do.
pub(crate) fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!({"a": [1, 2.5]}), &json!({"a": [1.0, 2.5]})));
        assert!(!json_eq(&json!(1), &json!(2)));
        assert!(!json_eq(&json!("1"), &json!(1)));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
    }

    #[test]
    fn options_override_the_base() {
        let base = EngineConfig {
            default_scope: "acme".into(),
            ..EngineConfig::default()
        };
        let o = Options {
            strict_evaluation: Some(false),
            default_policy_version: Some(String::new()),
            lenient_scope_search: Some(true),
            ..Options::default()
        };
        let cfg = config(&base, EvaluationMode::Strict, Some(&o));
        assert_eq!(cfg.evaluation_mode, EvaluationMode::CerbosCompat);
        assert_eq!(cfg.default_policy_version, "default");
        assert_eq!(cfg.default_scope, "acme");
        assert!(cfg.lenient_scope_search);
        let cfg = config(&base, EvaluationMode::CerbosCompat, None);
        assert_eq!(cfg.evaluation_mode, EvaluationMode::CerbosCompat);
    }
}
