//! The policy test-suite runner (`policy-format.md` §16) on real suites: the README's expense
//! example at the repository root, and the small suites under `tests/suites/`, each about one
//! behaviour (failures, validation errors, skips, options, `now`, strictness, fixtures, filters,
//! the JSON shape of results).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use authz_core::testing::{
    render_human, Details, Outcome, OutputOutcome, SuiteResult, TestCaseResult, TestFilter,
    TestResult, TestResults, TestRunner,
};
use authz_core::{Effect, EngineConfig, EvaluationMode, PolicySet, SourceFile};
use serde_json::json;

fn suites(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/suites")
        .join(sub)
}

fn policies() -> PolicySet {
    PolicySet::from_dir(suites("policies")).expect("the suites' policies build")
}

fn runner() -> TestRunner {
    TestRunner::new(policies())
}

fn run(sub: &str) -> TestResults {
    runner().run_dir(&suites(sub))
}

fn suite<'r>(results: &'r TestResults, name: &str) -> &'r SuiteResult {
    results
        .suites
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no suite `{name}` in {results:#?}"))
}

fn case<'r>(s: &'r SuiteResult, test: &str) -> &'r TestCaseResult {
    s.test_cases
        .iter()
        .find(|t| t.name == test)
        .unwrap_or_else(|| panic!("no test `{test}` in suite `{}`", s.name))
}

/// The details of (test, principal, resource, action).
fn details<'r>(s: &'r SuiteResult, test: &str, p: &str, r: &str, a: &str) -> &'r Details {
    let t = case(s, test);
    let p = t
        .principals
        .iter()
        .find(|x| x.name == p)
        .expect("principal");
    let r = p.resources.iter().find(|x| x.name == r).expect("resource");
    &r.actions
        .iter()
        .find(|x| x.name == a)
        .expect("action")
        .details
}

/// Every (test, principal, resource, action, result) of a suite, in order.
fn cells(s: &SuiteResult) -> Vec<(String, String, String, String, TestResult)> {
    let mut out = Vec::new();
    for t in &s.test_cases {
        for p in &t.principals {
            for r in &p.resources {
                for a in &r.actions {
                    out.push((
                        t.name.clone(),
                        p.name.clone(),
                        r.name.clone(),
                        a.name.clone(),
                        a.details.result,
                    ));
                }
            }
        }
    }
    out
}

fn count(s: &SuiteResult, result: TestResult) -> u32 {
    s.summary.count(result)
}

fn effect_of(d: &Details) -> Effect {
    match &d.outcome {
        Some(Outcome::Success(s)) => s.effect,
        other => panic!("expected a success, got {other:?}"),
    }
}

#[test]
fn the_readme_expense_example_passes_with_120_results() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let set = PolicySet::from_dir(&root).expect("the expense policies build");
    let results = TestRunner::new(set).run_dir(&root);
    assert_eq!(
        results.overall(),
        TestResult::Passed,
        "{}",
        render_human(&results)
    );
    assert_eq!(results.suites.len(), 1);
    let s = &results.suites[0];
    assert_eq!(s.file, "expense_test.yaml");
    assert_eq!(s.name, "ExpenseMatrix");
    // 5 principals x 4 resources x 6 actions.
    assert_eq!(s.summary.tests_count, 120);
    assert_eq!(count(s, TestResult::Passed), 120);
    assert_eq!(results.summary.tests_count, 120);
    // Unlisted cells are expected to be denied; the output of the DENY rule is checked.
    let d = details(s, "full matrix", "mia", "mia_draft", "approve");
    assert_eq!(effect_of(d), Effect::Deny);
    let Some(Outcome::Success(ok)) = &d.outcome else {
        unreachable!()
    };
    assert_eq!(
        ok.outputs[0].src,
        "resource.expense.vdefault#no-self-approval"
    );
    assert_eq!(
        ok.outputs[0].val,
        Some(json!("self-approval refused for mia"))
    );
    assert_eq!(
        effect_of(details(s, "full matrix", "bob", "alice_draft", "read")),
        Effect::Deny
    );
    assert!(render_human(&results)
        .starts_with("[PASSED] ExpenseMatrix (expense_test.yaml): 120 passed\n"));
}

#[test]
fn a_wrong_expectation_fails_with_expected_and_actual() {
    let results = run("failing");
    let s = suite(&results, "Failing");
    assert_eq!(s.summary.overall_result, TestResult::Failed);
    assert_eq!(s.description, "expectations that do not hold");
    assert_eq!(s.summary.tests_count, 7);
    assert_eq!(count(s, TestResult::Passed), 3);
    assert_eq!(count(s, TestResult::Failed), 4);

    let d = details(s, "wrong effect", "ann", "other", "edit");
    assert_eq!(d.result, TestResult::Failed);
    let Some(Outcome::Failure(f)) = &d.outcome else {
        panic!("{d:?}")
    };
    assert_eq!((f.expected, f.actual), (Effect::Allow, Effect::Deny));
    assert!(f.outputs.is_empty());
    // The same expectation holds for the owner's document.
    assert_eq!(
        details(s, "wrong effect", "ann", "own", "edit").result,
        TestResult::Passed
    );

    let report = render_human(&results);
    assert!(report.contains(
        "FAIL Failing / wrong effect / ann / other / edit: expected EFFECT_ALLOW, got EFFECT_DENY\n"
    ));
    assert!(report.starts_with("[FAILED] Failing (failing_test.yaml): 4 failed, 3 passed\n"));
    assert!(report.ends_with("\nFAILED: 3 passed, 4 failed, 0 errored, 0 skipped in 1 suite\n"));
}

#[test]
fn output_failures_are_mismatched_missing_or_errored() {
    let results = run("failing");
    let s = suite(&results, "Failing");
    let outputs = |action: &str| {
        let d = details(s, "outputs", "ann", "own", action);
        assert_eq!(d.result, TestResult::Failed, "{action}");
        match &d.outcome {
            Some(Outcome::Failure(f)) => {
                // The effect was right: only the outputs failed.
                assert_eq!((f.expected, f.actual), (Effect::Allow, Effect::Allow));
                f.outputs.clone()
            }
            other => panic!("{other:?}"),
        }
    };

    let read = outputs("read");
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].src, "resource.doc.vdefault#read");
    assert_eq!(
        read[0].outcome,
        OutputOutcome::Mismatched {
            expected: json!({"by": "ann", "doc": "d9"}),
            actual: json!({"by": "ann", "doc": "d1"}),
        }
    );

    // `edit-own` matched; only the missing `share` output is reported.
    let edit = outputs("edit");
    assert_eq!(edit.len(), 1);
    assert_eq!(edit[0].src, "resource.doc.vdefault#share");
    assert_eq!(
        edit[0].outcome,
        OutputOutcome::Missing {
            expected: json!("never")
        }
    );

    let audit = outputs("audit");
    assert_eq!(audit.len(), 1);
    match &audit[0].outcome {
        OutputOutcome::Errored { expected, error } => {
            assert_eq!(expected, &json!(1));
            assert!(error.contains("missing_attribute"), "{error}");
        }
        other => panic!("{other:?}"),
    }

    let report = render_human(&results);
    assert!(report.contains(
        "FAIL Failing / outputs / ann / own / edit: EFFECT_ALLOW as expected, but outputs differ\n    output resource.doc.vdefault#share: expected \"never\", got no output\n"
    ), "{report}");
}

#[test]
fn every_invalid_suite_is_errored_with_a_located_message() {
    let results = run("errored");
    let expect: &[(&str, &str, &str)] = &[
        (
            "action_not_in_input_test.yaml",
            "ActionNotInInput",
            "action_not_in_input_test.yaml:12:78: the expectation names action `edit`, which is not in the test input",
        ),
        (
            "bad_input_test.yaml",
            "BadInput",
            "bad_input_test.yaml:10:12: the test input names no principals: give `principals` and/or `principalGroups`\n\
             bad_input_test.yaml:10:47: action `read` is listed more than once\n\
             bad_input_test.yaml:12:12: the test input names no actions",
        ),
        (
            "bad_now_test.yaml",
            "Unknown",
            "bad_now_test.yaml:2:17: invalid timestamp `yesterday`",
        ),
        (
            "contradictory_effects_test.yaml",
            "ContradictoryEffects",
            "contradictory_effects_test.yaml:13:61: contradictory expectations for principal `bob`, resource `d1`, action `read`: EFFECT_ALLOW and EFFECT_DENY",
        ),
        (
            "contradictory_outputs_test.yaml",
            "ContradictoryOutputs",
            "contradictory_outputs_test.yaml:19:48: contradictory expected outputs for principal `ann`, resource `d1`, action `read`, src `resource.doc.vdefault#read`: 1 and 2",
        ),
        (
            "duplicate_test_names_test.yaml",
            "DuplicateTestNames",
            "duplicate_test_names_test.yaml:11:11: duplicate test name `same`",
        ),
        (
            "group_missing_member_test.yaml",
            "GroupMissingMember",
            "group_missing_member_test.yaml:10:21: resource group `docs` names unknown resource `d3`",
        ),
        (
            "missing_name_test.yaml",
            "Unknown",
            "missing_name_test.yaml:1:1: missing field `name`",
        ),
        (
            "output_action_not_in_input_test.yaml",
            "OutputActionNotInInput",
            "output_action_not_in_input_test.yaml:16:21: the expectation has outputs for action `edit`, which is not in the test input",
        ),
        (
            "parse_error_test.yaml",
            "Unknown",
            "parse_error_test.yaml:5:5: unknown field `expectd`",
        ),
        (
            "principal_and_principals_test.yaml",
            "PrincipalAndPrincipals",
            "principal_and_principals_test.yaml:12:39: an expectation names its principals with `principal` or `principals`, not both",
        ),
        (
            "principal_not_in_input_test.yaml",
            "PrincipalNotInInput",
            "principal_not_in_input_test.yaml:12:22: the expectation names principal `bob`, which is not in the test input",
        ),
        (
            "resource_not_in_input_test.yaml",
            "ResourceNotInInput",
            "resource_not_in_input_test.yaml:12:43: the expectation names resource `d2`, which is not in the test input",
        ),
        (
            "unknown_aux_data_test.yaml",
            "UnknownAuxData",
            "unknown_aux_data_test.yaml:10:76: unknown aux data `token`",
        ),
        (
            "unknown_group_test.yaml",
            "UnknownGroup",
            "unknown_group_test.yaml:10:32: unknown principal group `admins`",
        ),
        (
            "unknown_principal_test.yaml",
            "UnknownPrincipal",
            "unknown_principal_test.yaml:10:32: unknown principal `zoe`",
        ),
        (
            "unknown_resource_test.yaml",
            "UnknownResource",
            "unknown_resource_test.yaml:10:45: unknown resource `d9`",
        ),
    ];
    let files: Vec<&str> = results.suites.iter().map(|s| s.file.as_str()).collect();
    let want: Vec<&str> = expect.iter().map(|e| e.0).collect();
    assert_eq!(files, want, "one result per file, sorted by path");
    for ((file, name, error), s) in expect.iter().zip(&results.suites) {
        assert_eq!(s.file, *file);
        assert_eq!(s.name, *name, "{file}");
        assert_eq!(s.summary.overall_result, TestResult::Errored, "{file}");
        assert_eq!(s.summary.tests_count, 0, "{file}");
        assert!(s.test_cases.is_empty(), "{file}");
        let got = s.error.as_deref().unwrap_or_default();
        assert!(
            got.starts_with(error),
            "{file}:\n got: {got}\nwant: {error}"
        );
    }
    assert_eq!(results.overall(), TestResult::Errored);
    assert!(render_human(&results).contains(" (17 suites could not run)\n"));
}

#[test]
fn skip_and_skip_reason_at_suite_and_test_level() {
    let results = run("skips");
    let skipped = suite(&results, "SkippedSuite");
    assert_eq!(skipped.summary.overall_result, TestResult::Skipped);
    assert_eq!(
        skipped.skip_reason.as_deref(),
        Some("waiting for the v3 policies")
    );
    assert_eq!(skipped.summary.tests_count, 0);
    assert!(skipped.test_cases.is_empty());

    let s = suite(&results, "SkippedTests");
    assert_eq!(s.summary.overall_result, TestResult::Passed);
    assert_eq!(s.summary.tests_count, 4);
    assert_eq!(count(s, TestResult::Skipped), 3);
    assert_eq!(count(s, TestResult::Passed), 1);
    for a in ["read", "edit"] {
        let d = details(s, "skipped with a reason", "ann", "d", a);
        assert_eq!(d.result, TestResult::Skipped);
        assert_eq!(
            d.outcome,
            Some(Outcome::SkipReason("flaky upstream".to_string()))
        );
    }
    let d = details(s, "skipped without a reason", "ann", "d", "read");
    assert_eq!((d.result, &d.outcome), (TestResult::Skipped, &None));
    assert_eq!(results.overall(), TestResult::Passed);
    assert!(render_human(&results).contains(
        "[SKIPPED] SkippedSuite (skipped_suite_test.yaml): skipped: waiting for the v3 policies\n"
    ));
}

#[test]
fn a_tests_options_replace_the_suites_entirely() {
    let results = run("options");
    let s = suite(&results, "Options");
    assert_eq!(
        s.summary.overall_result,
        TestResult::Passed,
        "{}",
        render_human(&results)
    );
    assert_eq!(s.summary.tests_count, 2 * 2 * 3 * 2 + 1);
    // Suite options: defaultScope acme lets the guest read; globals.region = eu.
    let suite_opts = "suite options apply";
    assert_eq!(
        effect_of(details(s, suite_opts, "gus", "eu_doc", "read")),
        Effect::Allow
    );
    assert_eq!(
        effect_of(details(s, suite_opts, "ann", "eu_doc", "archive")),
        Effect::Allow
    );
    assert_eq!(
        effect_of(details(s, suite_opts, "ann", "us_doc", "archive")),
        Effect::Deny
    );
    assert_eq!(
        effect_of(details(s, suite_opts, "ann", "eu_doc", "publish")),
        Effect::Allow
    );
    // The test's options: no defaultScope any more, region us, 20:00.
    let own = "test options replace suite options";
    assert_eq!(
        effect_of(details(s, own, "gus", "eu_doc", "read")),
        Effect::Deny
    );
    assert_eq!(
        effect_of(details(s, own, "ann", "eu_doc", "archive")),
        Effect::Deny
    );
    assert_eq!(
        effect_of(details(s, own, "ann", "us_doc", "archive")),
        Effect::Allow
    );
    assert_eq!(
        effect_of(details(s, own, "ann", "eu_doc", "publish")),
        Effect::Deny
    );
    // defaultPolicyVersion v2.
    assert_eq!(
        effect_of(details(
            s,
            "default policy version",
            "gus",
            "eu_doc",
            "read"
        )),
        Effect::Allow
    );
}

#[test]
fn now_used_without_options_now_is_errored() {
    let results = run("now");
    let s = suite(&results, "Now");
    assert_eq!(s.summary.overall_result, TestResult::Errored);
    assert_eq!(count(s, TestResult::Errored), 2);
    assert_eq!(count(s, TestResult::Passed), 4);
    let msg =
        "a policy used a time-based condition, but `now` was not provided in the test options";
    // The check of the pair read `now()`: every action of the pair is errored.
    for a in ["publish", "read"] {
        let d = details(s, "now not given", "ann", "d", a);
        assert_eq!(d.result, TestResult::Errored);
        assert_eq!(d.outcome, Some(Outcome::Error(msg.to_string())));
    }
    for a in ["publish", "read"] {
        assert_eq!(
            details(s, "now given", "ann", "d", a).result,
            TestResult::Passed
        );
    }
    // No time-based condition evaluated: `now` is not needed.
    for a in ["read", "edit"] {
        assert_eq!(
            details(s, "no time-based condition reached", "ann", "d", a).result,
            TestResult::Passed
        );
    }
    assert!(render_human(&results).contains(&format!(
        "ERROR Now / now not given / ann / d / publish: {msg}\n"
    )));
}

#[test]
fn strict_evaluation_option_and_runner_default_mode() {
    let strict = "strict denies on error";
    let compat = "cerbos compat fails open";
    let default = "runner default";

    // Runner default (strict): all three expectations hold.
    let results = run("strict");
    let s = suite(&results, "Strictness");
    assert_eq!(
        s.summary.overall_result,
        TestResult::Passed,
        "{}",
        render_human(&results)
    );
    assert_eq!(
        effect_of(details(s, strict, "ann", "plain", "share")),
        Effect::Deny
    );
    assert_eq!(
        effect_of(details(s, compat, "ann", "plain", "share")),
        Effect::Allow
    );
    assert_eq!(
        effect_of(details(s, default, "ann", "plain", "share")),
        Effect::Deny
    );

    // The runner's switch changes only the test without `strictEvaluation`.
    for r in [
        runner().with_default_mode(EvaluationMode::CerbosCompat),
        runner().with_config(EngineConfig {
            evaluation_mode: EvaluationMode::CerbosCompat,
            ..EngineConfig::default()
        }),
    ] {
        let results = r.run_dir(&suites("strict"));
        let s = suite(&results, "Strictness");
        assert_eq!(s.summary.overall_result, TestResult::Failed);
        assert_eq!(
            details(s, strict, "ann", "plain", "share").result,
            TestResult::Passed
        );
        assert_eq!(
            details(s, compat, "ann", "plain", "share").result,
            TestResult::Passed
        );
        let d = details(s, default, "ann", "plain", "share");
        match &d.outcome {
            Some(Outcome::Failure(f)) => {
                assert_eq!((f.expected, f.actual), (Effect::Deny, Effect::Allow));
            }
            other => panic!("{other:?}"),
        }
    }

    // An explicit default mode wins over the base configuration's.
    let results = runner()
        .with_default_mode(EvaluationMode::Strict)
        .with_config(EngineConfig {
            evaluation_mode: EvaluationMode::CerbosCompat,
            ..EngineConfig::default()
        })
        .run_dir(&suites("strict"));
    assert_eq!(results.overall(), TestResult::Passed);
}

fn mem(files: &[(&str, &str)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(p, t)| SourceFile {
            path: (*p).into(),
            text: (*t).into(),
        })
        .collect()
}

const GLOBALS_SUITE: &str = r#"
name: Globals
principals:
  ann: { id: ann, roles: [user] }
resources:
  eu_doc: { kind: doc, id: d1, attr: { region: eu } }
tests:
  - name: from the runner
    input: { principals: [ann], resources: [eu_doc], actions: [archive] }
    expected:
      - { principal: ann, resource: eu_doc, actions: { archive: EFFECT_ALLOW } }
  - name: option overrides the runner
    options: { globals: { region: us } }
    input: { principals: [ann], resources: [eu_doc], actions: [archive] }
    expected:
      - { principal: ann, resource: eu_doc, actions: { archive: EFFECT_DENY } }
"#;

#[test]
fn globals_come_from_the_runner_config_and_the_options() {
    let mut globals = serde_json::Map::new();
    globals.insert("region".into(), json!("eu"));
    let base = EngineConfig {
        globals,
        ..EngineConfig::default()
    };
    let files = mem(&[("globals_test.yaml", GLOBALS_SUITE)]);
    let results = runner().with_config(base).run_files(files.clone());
    assert_eq!(
        results.overall(),
        TestResult::Passed,
        "{}",
        render_human(&results)
    );
    assert_eq!(results.summary.tests_count, 2);

    // Without the runner's globals, `G.region` is missing: strict evaluation denies.
    let results = runner().run_files(files);
    let s = suite(&results, "Globals");
    assert_eq!(
        details(s, "from the runner", "ann", "eu_doc", "archive").result,
        TestResult::Failed
    );
    assert_eq!(
        details(s, "option overrides the runner", "ann", "eu_doc", "archive").result,
        TestResult::Passed
    );
}

#[test]
fn inline_definitions_shadow_fixtures_and_groups_expand() {
    let results = run("fixtures");
    assert_eq!(
        results.overall(),
        TestResult::Passed,
        "{}",
        render_human(&results)
    );
    let s = suite(&results, "Fixtures");
    assert_eq!(s.summary.tests_count, 3 * 2 * 2 + 2 + 1);
    let t = case(s, "inline definitions shadow fixtures");
    let principals: Vec<&str> = t.principals.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(principals, ["ann", "bea", "gus"]);
    let resources: Vec<&str> = t.principals[0]
        .resources
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(resources, ["ann_doc", "shared"]);
    // The suite's `ann` is a user (the fixture's is a guest) and the suite's `shared` is bea's.
    assert_eq!(
        effect_of(details(s, &t.name, "ann", "ann_doc", "read")),
        Effect::Allow
    );
    assert_eq!(
        effect_of(details(s, &t.name, "bea", "shared", "edit")),
        Effect::Allow
    );
    assert_eq!(
        effect_of(details(s, &t.name, "gus", "shared", "edit")),
        Effect::Deny
    );
    // Aux data from `testdata/aux_data.json`.
    assert_eq!(
        effect_of(details(
            s,
            "aux data from fixtures",
            "bea",
            "ann_doc",
            "approve"
        )),
        Effect::Allow
    );
    assert_eq!(
        effect_of(details(s, "weak token", "ann", "ann_doc", "approve")),
        Effect::Deny
    );
    // A JSON suite in the same directory shares the fixtures.
    let j = suite(&results, "JsonSuite");
    assert_eq!(j.file, "json_suite_test.json");
    assert_eq!(j.summary.overall_result, TestResult::Passed);
}

#[test]
fn fixture_problems_error_the_suites_that_use_them() {
    let suite_text = r#"
name: UsesFixtures
tests:
  - name: t
    input: { principals: [ann], resources: [d], actions: [read] }
"#;
    let results = runner().run_files(mem(&[
        ("team/a_test.yaml", suite_text),
        (
            "team/testdata/principals.yaml",
            "principals:\n  ann: { id: ann, roles: [user], colour: red }\n",
        ),
        (
            "team/testdata/resources.json",
            r#"{"resources": {"d": {"kind": "doc", "id": "d1"}}}"#,
        ),
    ]));
    let s = suite(&results, "UsesFixtures");
    assert_eq!(s.summary.overall_result, TestResult::Errored);
    let e = s.error.as_deref().unwrap();
    assert!(e.starts_with("team/testdata/principals.yaml:2:"), "{e}");
    assert!(e.contains("unknown field `colour`"), "{e}");

    let results = runner().run_files(mem(&[
        ("a_test.yaml", suite_text),
        ("testdata/principals.yaml", "principals: {}\n"),
        ("testdata/principals.json", "{}\n"),
        ("testdata/resources.yaml", "resources: {}\n"),
    ]));
    let s = suite(&results, "UsesFixtures");
    assert_eq!(
        s.error.as_deref(),
        Some("testdata/principals.json: principals fixtures are defined by more than one file: `testdata/principals.json`, `testdata/principals.yaml` (help: keep one of them)")
    );

    // Fixtures of another directory are not visible.
    let results = runner().run_files(mem(&[
        ("a/a_test.yaml", suite_text),
        (
            "b/testdata/principals.yaml",
            "principals:\n  ann: { id: ann, roles: [user] }\n",
        ),
        (
            "b/testdata/resources.yaml",
            "resources:\n  d: { kind: doc, id: d1 }\n",
        ),
    ]));
    let e = suite(&results, "UsesFixtures").error.clone().unwrap();
    assert!(
        e.contains("unknown principal `ann`") && e.contains("unknown resource `d`"),
        "{e}"
    );
}

#[test]
fn run_files_sorts_suites_by_path_and_reports_unreadable_input() {
    let text = |name: &str| {
        format!(
            "name: {name}\nprincipals: {{ p: {{ id: p, roles: [user] }} }}\nresources: {{ r: {{ kind: doc, id: r }} }}\ntests:\n  - name: t\n    input: {{ principals: [p], resources: [r], actions: [read] }}\n    expected: [ {{ principal: p, resource: r, actions: {{ read: EFFECT_ALLOW }} }} ]\n"
        )
    };
    let (z, a) = (text("Z"), text("A"));
    let results = runner().run_files(mem(&[
        ("z/z_test.yaml", &z),
        ("a/a_test.yml", &a),
        ("empty_test.yaml", "\n"),
        ("not_a_suite.yaml", "ignored: true"),
    ]));
    let files: Vec<&str> = results.suites.iter().map(|s| s.file.as_str()).collect();
    assert_eq!(files, ["a/a_test.yml", "empty_test.yaml", "z/z_test.yaml"]);
    assert_eq!(results.suites[0].summary.overall_result, TestResult::Passed);
    assert_eq!(results.suites[1].name, "Unknown");
    assert_eq!(
        results.suites[1].summary.overall_result,
        TestResult::Errored
    );
    assert_eq!(results.summary.tests_count, 2);
    assert_eq!(results.summary.count(TestResult::Passed), 2);
    assert_eq!(results.overall(), TestResult::Errored);

    let missing = suites("no-such-directory");
    let results = runner().run_dir(&missing);
    assert_eq!(results.overall(), TestResult::Errored);
    assert_eq!(results.suites.len(), 1);
    assert!(results.suites[0]
        .error
        .as_deref()
        .unwrap()
        .contains("cannot read"));

    // Nothing to run: skipped, not failed.
    let results = runner().run_files(Vec::new());
    assert_eq!(results.overall(), TestResult::Skipped);
}

#[test]
fn a_filter_reports_what_it_leaves_out_as_skipped_and_does_not_count_it() {
    let filtered = |f: &str| {
        runner()
            .with_filter(TestFilter::parse(f).unwrap())
            .run_dir(&suites("failing"))
    };

    let results = filtered("test=outputs;action=read");
    let s = suite(&results, "Failing");
    assert_eq!(s.summary.tests_count, 1);
    assert_eq!(count(s, TestResult::Failed), 1);
    assert_eq!(count(s, TestResult::Skipped), 0);
    assert_eq!(s.summary.overall_result, TestResult::Failed);
    // Everything is still reported, the rest as skipped without a reason.
    let all = cells(s);
    assert_eq!(all.len(), 7);
    for (t, _, _, a, result) in &all {
        let run = t == "outputs" && a == "read";
        assert_eq!(
            *result,
            if run {
                TestResult::Failed
            } else {
                TestResult::Skipped
            }
        );
    }
    assert_eq!(
        details(s, "wrong effect", "ann", "other", "edit").outcome,
        None
    );

    // Leaving the failing cell out turns the run green.
    let results = filtered("test=wrong*;resource=o?n");
    let s = suite(&results, "Failing");
    assert_eq!(
        (s.summary.tests_count, s.summary.overall_result),
        (2, TestResult::Passed)
    );
    assert_eq!(results.overall(), TestResult::Passed);

    // A suite left out entirely.
    let results = filtered("suite=Other*");
    let s = suite(&results, "Failing");
    assert_eq!(s.summary.overall_result, TestResult::Skipped);
    assert_eq!(s.summary.tests_count, 0);
    assert!(s.test_cases.is_empty());
    assert_eq!(results.overall(), TestResult::Skipped);

    // Principal and resource globs, on the fixtures suites.
    let results = runner()
        .with_filter(TestFilter::parse("principal=b*;resource=shared").unwrap())
        .run_dir(&suites("fixtures"));
    let s = suite(&results, "Fixtures");
    let counted: Vec<_> = cells(s)
        .into_iter()
        .filter(|c| c.4 != TestResult::Skipped)
        .map(|c| (c.1, c.2, c.3))
        .collect();
    assert_eq!(
        counted,
        [
            ("bea".to_string(), "shared".to_string(), "read".to_string()),
            ("bea".to_string(), "shared".to_string(), "edit".to_string()),
        ]
    );
    assert_eq!(s.summary.tests_count, 2);
    // The filter also keeps unneeded checks from running: a `now()` check left out cannot error.
    let results = runner()
        .with_filter(TestFilter::parse("action=read;test=now given").unwrap())
        .run_dir(&suites("now"));
    assert_eq!(results.overall(), TestResult::Passed);
    assert_eq!(results.summary.tests_count, 1);
}

#[test]
fn results_serialize_to_the_documented_json_shape() {
    let results = run("shape");
    let mut value = serde_json::to_value(&results).unwrap();
    let error = value["suites"][0]["error"].as_str().unwrap().to_string();
    assert!(
        error.starts_with("broken_test.yaml:1:1: unknown field `nmae`, expected one of `name`"),
        "{error}"
    );
    value["suites"][0]["error"] = json!("<error>");
    let expected = json!({
        "suites": [
            {
                "file": "broken_test.yaml",
                "name": "Unknown",
                "summary": {"overallResult": "RESULT_ERRORED"},
                "error": "<error>"
            },
            {
                "file": "shape_test.yaml",
                "name": "Shape",
                "summary": {
                    "overallResult": "RESULT_FAILED",
                    "testsCount": 3,
                    "resultCounts": [
                        {"result": "RESULT_SKIPPED", "count": 1},
                        {"result": "RESULT_PASSED", "count": 1},
                        {"result": "RESULT_FAILED", "count": 1}
                    ]
                },
                "testCases": [
                    {
                        "name": "outputs",
                        "principals": [{"name": "ann", "resources": [{"name": "own", "actions": [
                            {"name": "read", "details": {
                                "result": "RESULT_PASSED",
                                "success": {"effect": "EFFECT_ALLOW", "outputs": [
                                    {"src": "resource.doc.vdefault#read", "val": {"by": "ann", "doc": "d1"}}
                                ]}
                            }},
                            {"name": "edit", "details": {
                                "result": "RESULT_FAILED",
                                "failure": {
                                    "expected": "EFFECT_ALLOW",
                                    "actual": "EFFECT_ALLOW",
                                    "outputs": [{
                                        "src": "resource.doc.vdefault#edit-own",
                                        "mismatched": {"expected": "edit by bob", "actual": "edit by ann"}
                                    }]
                                }
                            }}
                        ]}]}]
                    },
                    {
                        "name": "later",
                        "principals": [{"name": "ann", "resources": [{"name": "own", "actions": [
                            {"name": "share", "details": {"result": "RESULT_SKIPPED", "skipReason": "not yet"}}
                        ]}]}]
                    }
                ]
            }
        ],
        "summary": {
            "overallResult": "RESULT_ERRORED",
            "testsCount": 3,
            "resultCounts": [
                {"result": "RESULT_SKIPPED", "count": 1},
                {"result": "RESULT_PASSED", "count": 1},
                {"result": "RESULT_FAILED", "count": 1}
            ]
        }
    });
    assert_eq!(value, expected);

    // The JSON reads back into the same results.
    let json = serde_json::to_string(&results).unwrap();
    let back: TestResults = serde_json::from_str(&json).unwrap();
    assert_eq!(back, results);
}

#[test]
fn other_outcomes_round_trip_through_json() {
    let results = run("now");
    let back: TestResults =
        serde_json::from_value(serde_json::to_value(&results).unwrap()).unwrap();
    assert_eq!(back, results);
    let v = serde_json::to_value(
        &results.suites[0].test_cases[0].principals[0].resources[0].actions[0],
    )
    .unwrap();
    assert_eq!(
        v,
        json!({"name": "publish", "details": {
            "result": "RESULT_ERRORED",
            "error": "a policy used a time-based condition, but `now` was not provided in the test options"
        }})
    );
    let results = run("failing");
    let back: TestResults =
        serde_json::from_value(serde_json::to_value(&results).unwrap()).unwrap();
    assert_eq!(back, results);
}

#[test]
fn results_are_ordered_skipped_passed_failed_errored() {
    use TestResult::*;
    assert!(Skipped < Passed && Passed < Failed && Failed < Errored);
    assert_eq!(TestResult::ALL, [Skipped, Passed, Failed, Errored]);
    assert_eq!(
        serde_json::to_value(Errored).unwrap(),
        json!("RESULT_ERRORED")
    );
    assert!(Passed.is_success() && Skipped.is_success() && !Failed.is_success());
}
