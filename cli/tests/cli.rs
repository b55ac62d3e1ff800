//! End-to-end tests of the `authz` binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::Path;

use predicates::prelude::*;
use serde_json::{json, Value};

#[path = "support/common.rs"]
mod common;
use common::{authz, json_out, repo_policies, tree};

const DOC_POLICY: &str = r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: doc
  version: default
  rules:
    - name: users-read
      actions: [read]
      effect: EFFECT_ALLOW
      roles: [user]
"#;

/// `read` is allowed, but denied when `P.attr.level > 2`; a principal without `level` makes
/// that condition error: strict denies, lenient skips the DENY rule and allows.
const ERRORING_DENY: &str = r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: doc
  version: default
  rules:
    - name: users-read
      actions: [read]
      effect: EFFECT_ALLOW
      roles: [user]
    - name: no-high-level
      actions: [read]
      effect: EFFECT_DENY
      roles: [user]
      condition:
        match:
          expr: P.attr.level > 2
"#;

const DOC_SUITE_ALLOWS_READ: &str = r#"name: DocSuite
principals:
  u: { id: u1, roles: [user] }
resources:
  d: { kind: doc, id: d1 }
tests:
  - name: users read
    input: { principals: [u], resources: [d], actions: [read] }
    expected:
      - { principal: u, resource: d, actions: { read: EFFECT_ALLOW } }
"#;

// ---------------------------------------------------------------- compile

#[test]
fn compile_repo_policies_passes() {
    authz()
        .arg("compile")
        .arg(repo_policies())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "[PASSED] ExpenseMatrix (expense_test.yaml): 120 passed",
        ))
        .stdout(predicate::str::contains("PASSED: 120 passed, 0 failed"));
}

#[test]
fn compile_json_output_is_the_test_results() {
    let out = authz()
        .arg("compile")
        .arg(repo_policies())
        .args(["--output", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_out(&out);
    assert_eq!(v["summary"]["overallResult"], "RESULT_PASSED");
    assert_eq!(v["summary"]["testsCount"], 120);
    assert_eq!(v["suites"][0]["file"], "expense_test.yaml");
    assert_eq!(v["suites"][0]["name"], "ExpenseMatrix");
    assert_eq!(v["suites"][0]["testCases"][0]["name"], "full matrix");
}

#[test]
fn compile_broken_policy_exits_3_with_locations() {
    let dir = tree(&[
        (
            "doc.yaml",
            &DOC_POLICY.replace("roles: [user]", "roles: [user]\n      condition:\n        match:\n          expr: R.attr.x =="),
        ),
        ("other/bad.yaml", "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: x\n  version: default\n  rules:\n    - actions: [a]\n      effect: EFFECT_ALOW\n      roles: [r]\n"),
    ]);
    authz()
        .arg("compile")
        .arg(dir.path())
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(
            "doc.yaml:12:28: invalid expression",
        ))
        .stderr(predicate::str::contains(
            "other/bad.yaml:7:15: unknown variant `EFFECT_ALOW`",
        ));
}

#[test]
fn compile_broken_policy_as_json() {
    let dir = tree(&[(
        "p/doc.yaml",
        &DOC_POLICY.replace("EFFECT_ALLOW", "EFFECT_MAYBE"),
    )]);
    let out = authz()
        .arg("compile")
        .arg(dir.path())
        .args(["--output", "json"])
        .assert()
        .code(3)
        .stderr("")
        .get_output()
        .stdout
        .clone();
    let v = json_out(&out);
    let errors = v["buildFailure"]["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    let e = &errors[0];
    assert_eq!(e["file"], "p/doc.yaml");
    assert_eq!(e["line"], 8);
    assert_eq!(e["column"], 15);
    assert_eq!(e["kind"], "schema");
    assert!(e["message"].as_str().unwrap().contains("EFFECT_MAYBE"));
}

#[test]
fn compile_failing_suite_exits_4() {
    let dir = tree(&[
        ("doc.yaml", DOC_POLICY),
        (
            "doc_test.yaml",
            &DOC_SUITE_ALLOWS_READ.replace("read: EFFECT_ALLOW", "read: EFFECT_DENY"),
        ),
    ]);
    authz()
        .arg("compile")
        .arg(dir.path())
        .assert()
        .code(4)
        .stdout(predicate::str::contains(
            "[FAILED] DocSuite (doc_test.yaml)",
        ))
        .stdout(predicate::str::contains(
            "expected EFFECT_DENY, got EFFECT_ALLOW",
        ));
}

#[test]
fn compile_errored_suite_exits_4() {
    let dir = tree(&[
        ("doc.yaml", DOC_POLICY),
        (
            "doc_test.yaml",
            &DOC_SUITE_ALLOWS_READ.replace("principals: [u]", "principals: [nobody]"),
        ),
    ]);
    let out = authz()
        .arg("compile")
        .arg(dir.path())
        .args(["--output", "json"])
        .assert()
        .code(4)
        .get_output()
        .stdout
        .clone();
    assert_eq!(json_out(&out)["summary"]["overallResult"], "RESULT_ERRORED");
}

#[test]
fn compile_skip_tests_ignores_failing_suites() {
    let dir = tree(&[
        ("doc.yaml", DOC_POLICY),
        (
            "doc_test.yaml",
            &DOC_SUITE_ALLOWS_READ.replace("read: EFFECT_ALLOW", "read: EFFECT_DENY"),
        ),
    ]);
    authz()
        .arg("compile")
        .arg(dir.path())
        .arg("--skip-tests")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("compiled 1 policy from "));
    authz()
        .arg("compile")
        .arg(dir.path())
        .args(["--skip-tests", "--output", "json"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn compile_tests_dir_replaces_policy_dir_suites() {
    let policies = tree(&[
        ("doc.yaml", DOC_POLICY),
        // Would fail if it were run.
        (
            "doc_test.yaml",
            &DOC_SUITE_ALLOWS_READ.replace("read: EFFECT_ALLOW", "read: EFFECT_DENY"),
        ),
    ]);
    let tests = tree(&[("suites/doc_test.yaml", DOC_SUITE_ALLOWS_READ)]);
    authz()
        .arg("compile")
        .arg(policies.path())
        .arg("--tests")
        .arg(tests.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "[PASSED] DocSuite (suites/doc_test.yaml)",
        ));
}

#[test]
fn compile_run_filter_selects_tests() {
    let suite = format!(
        "{DOC_SUITE_ALLOWS_READ}  - name: wrong expectation\n    input: {{ principals: [u], resources: [d], actions: [read] }}\n    expected:\n      - {{ principal: u, resource: d, actions: {{ read: EFFECT_DENY }} }}\n"
    );
    let dir = tree(&[("doc.yaml", DOC_POLICY), ("doc_test.yaml", &suite)]);
    authz().arg("compile").arg(dir.path()).assert().code(4);
    let out = authz()
        .arg("compile")
        .arg(dir.path())
        .args(["--run", "test=users*", "--output", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_out(&out);
    assert_eq!(v["summary"]["overallResult"], "RESULT_PASSED");
    assert_eq!(v["summary"]["testsCount"], 1);
}

#[test]
fn compile_lenient_sets_the_default_mode() {
    let dir = tree(&[
        ("doc.yaml", ERRORING_DENY),
        ("doc_test.yaml", DOC_SUITE_ALLOWS_READ),
    ]);
    // Strict: the erroring DENY condition denies.
    authz()
        .arg("compile")
        .arg(dir.path())
        .assert()
        .code(4)
        .stdout(predicate::str::contains(
            "expected EFFECT_ALLOW, got EFFECT_DENY",
        ));
    // Cerbos-compatible: the erroring DENY rule is skipped.
    authz()
        .arg("compile")
        .arg(dir.path())
        .arg("--lenient")
        .assert()
        .code(0);
}

#[test]
fn compile_globals_reach_the_tests() {
    let policy = DOC_POLICY.replace(
        "roles: [user]",
        "roles: [user]\n      condition:\n        match:\n          expr: G.open == true",
    );
    let dir = tree(&[
        ("doc.yaml", &policy),
        ("doc_test.yaml", DOC_SUITE_ALLOWS_READ),
    ]);
    authz().arg("compile").arg(dir.path()).assert().code(4);
    authz()
        .arg("compile")
        .arg(dir.path())
        .args(["--globals", r#"{"open": true}"#])
        .assert()
        .code(0);
}

#[test]
fn compile_usage_errors_exit_2() {
    authz()
        .args(["compile", "/nonexistent/authz/policies"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: cannot read `/nonexistent/authz/policies`",
        ));
    authz()
        .arg("compile")
        .arg(repo_policies())
        .args(["--run", "tset=x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value for `--run`: unknown filter key `tset`",
        ));
    authz()
        .arg("compile")
        .arg(repo_policies())
        .args(["--now", "2031-01-01T00:00:00Z"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`--now` applies to `check` and `plan` only",
        ));
    authz()
        .arg("compile")
        .arg(repo_policies())
        .args(["--output", "yaml"])
        .assert()
        .code(2);
    authz().arg("frobnicate").assert().code(2);
}

// ---------------------------------------------------------------- check

/// The request of the README.
const README_REQUEST: &str = r#"{"requestId": "demo-1", "includeMeta": true,
 "principal": {"id": "mia", "roles": ["manager"], "attr": {"region": "eu"}},
 "resources": [
   {"resource": {"kind": "expense", "id": "e3",
                 "attr": {"owner": "mia", "region": "eu", "status": "draft"}},
    "actions": ["read", "approve"]},
   {"resource": {"kind": "expense", "id": "e4",
                 "attr": {"owner": "bob", "region": "us", "status": "draft"}},
    "actions": ["read"]}]}"#;

fn check(policies: &Path, input: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    authz()
        .arg("check")
        .arg("--policies")
        .arg(policies)
        .args(extra)
        .write_stdin(input.to_string())
        .assert()
}

fn check_ok(policies: &Path, input: &str, extra: &[&str]) -> Value {
    let out = check(policies, input, extra)
        .code(0)
        .stderr("")
        .get_output()
        .stdout
        .clone();
    json_out(&out)
}

#[test]
fn check_readme_example() {
    let v = check_ok(&repo_policies(), README_REQUEST, &[]);
    assert_eq!(v["requestId"], "demo-1");
    let call_id = v["cerbosCallId"].as_str().unwrap();
    assert_eq!(call_id.len(), 26, "{call_id}");
    assert!(call_id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(
        v["results"][0],
        json!({
            "resource": {"id": "e3", "kind": "expense"},
            "actions": {"read": "EFFECT_ALLOW", "approve": "EFFECT_DENY"},
            "meta": {
                "actions": {
                    "read": {"matchedPolicy": "resource.expense.vdefault"},
                    "approve": {"matchedPolicy": "resource.expense.vdefault"}
                },
                "effectiveDerivedRoles": ["regional_manager"]
            },
            "outputs": [{
                "src": "resource.expense.vdefault#no-self-approval",
                "action": "approve",
                "val": "self-approval refused for mia"
            }]
        })
    );
    assert_eq!(
        v["results"][1],
        json!({
            "resource": {"id": "e4", "kind": "expense"},
            "actions": {"read": "EFFECT_DENY"},
            "meta": {"actions": {"read": {"matchedPolicy": "resource.expense.vdefault"}}}
        })
    );
}

#[test]
fn check_reads_input_file_and_omits_meta_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("req.json");
    fs::write(&file, README_REQUEST.replace("\"includeMeta\": true,", "")).unwrap();
    let out = authz()
        .arg("check")
        .arg("--policies")
        .arg(repo_policies())
        .arg("--input")
        .arg(&file)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json_out(&out);
    assert!(v["results"][0].get("meta").is_none(), "{v}");
    assert_eq!(v["results"][0]["actions"]["read"], "EFFECT_ALLOW");
    // `resource` echoes what was sent.
    assert_eq!(
        v["results"][0]["resource"],
        json!({"id": "e3", "kind": "expense"})
    );
}

#[test]
fn check_accepts_snake_case_and_echoes_versions_and_scopes() {
    let scoped = DOC_POLICY.replace("version: default", "version: default\n  scope: eu");
    let dir = tree(&[("root.yaml", DOC_POLICY), ("eu.yaml", &scoped)]);
    let request = r#"{"request_id": "s1", "include_meta": true,
      "principal": {"id": "u1", "roles": ["user"], "policy_version": "default"},
      "resources": [{"resource": {"kind": "doc", "id": "d1", "policy_version": "default", "scope": "eu"},
                     "actions": ["read"]}],
      "request_context": {"annotations": {"app": "cli-test"}}}"#;
    let v = check_ok(dir.path(), request, &[]);
    assert_eq!(v["requestId"], "s1");
    let r = &v["results"][0];
    assert_eq!(
        r["resource"],
        json!({"id": "d1", "kind": "doc", "policyVersion": "default", "scope": "eu"})
    );
    assert_eq!(r["actions"]["read"], "EFFECT_ALLOW");
    assert_eq!(
        r["meta"]["actions"]["read"],
        json!({"matchedPolicy": "resource.doc.vdefault/eu", "matchedScope": "eu"})
    );
}

#[test]
fn check_engine_mode() {
    let input = r#"{"inputs": [
      {"requestId": "r1", "principal": {"id": "bob", "roles": ["user"]},
       "resource": {"kind": "expense", "id": "e4", "attr": {"owner": "bob", "status": "draft"}},
       "actions": ["read", "approve"]},
      {"principal": {"id": "ola", "roles": ["user"]},
       "resource": {"kind": "expense", "id": "e5"},
       "actions": ["read"]}]}"#;
    let v = check_ok(&repo_policies(), input, &["--engine"]);
    assert_eq!(
        v,
        json!({"outputs": [
            {"requestId": "r1", "resourceId": "e4",
             "actions": {
                "read": {"effect": "EFFECT_ALLOW", "policy": "resource.expense.vdefault"},
                "approve": {"effect": "EFFECT_DENY", "policy": "resource.expense.vdefault"}},
             "effectiveDerivedRoles": ["owner"]},
            {"resourceId": "e5",
             "actions": {"read": {"effect": "EFFECT_DENY", "policy": "resource.expense.vdefault"}},
             "evaluationErrors": [{"celError": {"expression": "R.attr.owner == P.id",
                                                "message": v["outputs"][1]["evaluationErrors"][0]["celError"]["message"]}}]}
        ]})
    );
    assert!(
        v["outputs"][1]["evaluationErrors"][0]["celError"]["message"]
            .as_str()
            .unwrap()
            .contains("owner")
    );
}

#[test]
fn check_engine_mode_takes_claims() {
    let policy = DOC_POLICY.replace(
        "roles: [user]",
        "roles: [user]\n      condition:\n        match:\n          expr: request.auxData.jwt.tenant == \"acme\"",
    );
    let dir = tree(&[("doc.yaml", &policy)]);
    let input = |tenant: &str| {
        format!(
            r#"{{"inputs": [{{"principal": {{"id": "u1", "roles": ["user"]}},
               "resource": {{"kind": "doc", "id": "d1"}}, "actions": ["read"],
               "auxData": {{"jwt": {{"tenant": "{tenant}"}}}}}}]}}"#
        )
    };
    let allowed = check_ok(dir.path(), &input("acme"), &["--engine"]);
    assert_eq!(
        allowed["outputs"][0]["actions"]["read"]["effect"],
        "EFFECT_ALLOW"
    );
    let denied = check_ok(dir.path(), &input("other"), &["--engine"]);
    assert_eq!(
        denied["outputs"][0]["actions"]["read"]["effect"],
        "EFFECT_DENY"
    );
}

#[test]
fn check_invalid_requests_name_the_field() {
    let cases: &[(&str, &str)] = &[
        (
            r#"{"principal": {"id": "", "roles": ["user"]}, "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read"]}]}"#,
            "`principal.id`: must not be empty",
        ),
        (
            r#"{"principal": {"id": "u", "roles": ["user", "user"]}, "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read"]}]}"#,
            "`principal.roles[1]`: duplicate role `user`",
        ),
        (
            r#"{"principal": {"id": "u", "roles": ["user"]}, "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": []}]}"#,
            "`resources[0].actions`: at least one action is required",
        ),
        (
            r#"{"principal": {"id": "u", "roles": ["user"]}, "resources": [{"resource": {"kind": "", "id": "d1"}, "actions": ["read"]}]}"#,
            "`resources[0].resource.kind`: must not be empty",
        ),
        (
            r#"{"principal": {"id": "u", "roles": ["user"], "scope": "eu..x"}, "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read"]}]}"#,
            "`principal.scope`: `eu..x` is not a scope",
        ),
        (
            r#"{"principal": {"id": "u", "roles": ["user"]}, "resources": [{"resource": {"kind": "doc", "id": "d1", "colour": "red"}, "actions": ["read"]}]}"#,
            "`resources[0].resource.colour`: unknown field `colour`",
        ),
        (
            r#"{"principal": {"id": "u", "roles": ["user"]}, "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read"]}], "extra": 1}"#,
            "`extra`: unknown field `extra`",
        ),
        (
            r#"{"principal": {"id": "u", "roles": ["user"]}}"#,
            "missing field `resources`",
        ),
        (
            r#"{"principal": {"id": "u", "roles": "user"}, "resources": []}"#,
            "`principal.roles`: invalid type",
        ),
        ("{not json", "invalid CheckResources request"),
    ];
    for (input, message) in cases {
        check(&repo_policies(), input, &[])
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(*message));
    }
}

#[test]
fn check_rejects_too_many_resources() {
    let entries: Vec<Value> = (0..51)
        .map(|i| json!({"resource": {"kind": "doc", "id": format!("d{i}")}, "actions": ["read"]}))
        .collect();
    let request = json!({"principal": {"id": "u", "roles": ["user"]}, "resources": entries});
    check(&repo_policies(), &request.to_string(), &[])
        .code(2)
        .stderr(predicate::str::contains(
            "`resources`: at most 50 resources are allowed, got 51",
        ));
}

#[test]
fn check_rejects_tokens() {
    for aux in [
        r#"{"jwt": {"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "keySetId": "corp"}}"#,
        r#"{"jwts": {"partner": {"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig"}}}"#,
    ] {
        let request = format!(
            r#"{{"principal": {{"id": "u", "roles": ["user"]}},
               "resources": [{{"resource": {{"kind": "doc", "id": "d1"}}, "actions": ["read"]}}],
               "auxData": {aux}}}"#
        );
        check(&repo_policies(), &request, &[])
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "cannot verify the token: no key set is configured",
            ))
            .stderr(predicate::str::contains("`auxData.jwt"));
    }
}

#[test]
fn check_now_flag_fixes_now() {
    let policy = DOC_POLICY.replace(
        "roles: [user]",
        "roles: [user]\n      condition:\n        match:\n          expr: now() >= timestamp(\"2030-01-01T00:00:00Z\")",
    );
    let dir = tree(&[("doc.yaml", &policy)]);
    let request = r#"{"principal": {"id": "u", "roles": ["user"]},
      "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read"]},
                    {"resource": {"kind": "doc", "id": "d2"}, "actions": ["read"]}]}"#;
    let after = check_ok(dir.path(), request, &["--now", "2030-06-01T00:00:00Z"]);
    assert_eq!(after["results"][0]["actions"]["read"], "EFFECT_ALLOW");
    assert_eq!(after["results"][1]["actions"]["read"], "EFFECT_ALLOW");
    let before = check_ok(dir.path(), request, &["--now", "2029-12-31T23:59:59Z"]);
    assert_eq!(before["results"][0]["actions"]["read"], "EFFECT_DENY");
    check(dir.path(), request, &["--now", "soon"])
        .code(2)
        .stderr(predicate::str::contains("--now"));
}

#[test]
fn check_globals_flag() {
    let policy = DOC_POLICY.replace(
        "roles: [user]",
        "roles: [user]\n      condition:\n        match:\n          expr: R.attr.region == G.region",
    );
    let dir = tree(&[("doc.yaml", &policy)]);
    let request = r#"{"principal": {"id": "u", "roles": ["user"]},
      "resources": [{"resource": {"kind": "doc", "id": "d1", "attr": {"region": "eu"}}, "actions": ["read"]}]}"#;
    let eu = check_ok(dir.path(), request, &["--globals", r#"{"region": "eu"}"#]);
    assert_eq!(eu["results"][0]["actions"]["read"], "EFFECT_ALLOW");
    let us = check_ok(dir.path(), request, &["--globals", r#"{"region": "us"}"#]);
    assert_eq!(us["results"][0]["actions"]["read"], "EFFECT_DENY");
    check(dir.path(), request, &["--globals", "[1]"])
        .code(2)
        .stderr(predicate::str::contains("expected a JSON object"));
}

#[test]
fn check_lenient_flag() {
    let dir = tree(&[("doc.yaml", ERRORING_DENY)]);
    let request = r#"{"principal": {"id": "u", "roles": ["user"]},
      "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read"]}]}"#;
    let strict = check_ok(dir.path(), request, &[]);
    assert_eq!(strict["results"][0]["actions"]["read"], "EFFECT_DENY");
    // Evaluation errors are never part of a CheckResources response.
    assert!(!strict.to_string().contains("level"), "{strict}");
    let lenient = check_ok(dir.path(), request, &["--lenient"]);
    assert_eq!(lenient["results"][0]["actions"]["read"], "EFFECT_ALLOW");
}

#[test]
fn check_default_version_and_scope_flags() {
    let v2 = DOC_POLICY.replace("version: default", "version: v2");
    let eu = DOC_POLICY.replace("version: default", "version: default\n  scope: eu");
    let eu = eu.replace("[read]", "[write]");
    let dir = tree(&[
        ("v2.yaml", &v2),
        ("root.yaml", DOC_POLICY),
        ("eu.yaml", &eu),
    ]);
    let request = r#"{"principal": {"id": "u", "roles": ["user"]},
      "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read", "write"]}],
      "includeMeta": true}"#;
    let plain = check_ok(dir.path(), request, &[]);
    assert_eq!(
        plain["results"][0]["actions"],
        json!({"read": "EFFECT_ALLOW", "write": "EFFECT_DENY"})
    );
    let v = check_ok(dir.path(), request, &["--default-policy-version", "v2"]);
    assert_eq!(
        v["results"][0]["meta"]["actions"]["read"]["matchedPolicy"],
        "resource.doc.vv2"
    );
    let s = check_ok(dir.path(), request, &["--default-scope", "eu"]);
    assert_eq!(
        s["results"][0]["actions"],
        json!({"read": "EFFECT_ALLOW", "write": "EFFECT_ALLOW"})
    );
    assert_eq!(
        s["results"][0]["meta"]["actions"]["write"],
        json!({"matchedPolicy": "resource.doc.vdefault/eu", "matchedScope": "eu"})
    );
}

#[test]
fn check_schema_enforcement_flag() {
    let policy = DOC_POLICY.replace(
        "  rules:",
        "  schemas:\n    resourceSchema:\n      ref: cerbos:///doc.json\n  rules:",
    );
    let schema = r#"{"type": "object", "properties": {"pages": {"type": "integer"}}}"#;
    let dir = tree(&[("doc.yaml", &policy), ("_schemas/doc.json", schema)]);
    let request = r#"{"principal": {"id": "u", "roles": ["user"]},
      "resources": [{"resource": {"kind": "doc", "id": "d1", "attr": {"pages": "many"}}, "actions": ["read"]}]}"#;
    let none = check_ok(dir.path(), request, &[]);
    assert_eq!(none["results"][0]["actions"]["read"], "EFFECT_ALLOW");
    assert!(none["results"][0].get("validationErrors").is_none());
    let warn = check_ok(dir.path(), request, &["--schema-enforcement", "warn"]);
    assert_eq!(warn["results"][0]["actions"]["read"], "EFFECT_ALLOW");
    assert_eq!(warn["results"][0]["validationErrors"][0]["path"], "/pages");
    assert_eq!(
        warn["results"][0]["validationErrors"][0]["source"],
        "SOURCE_RESOURCE"
    );
    let reject = check_ok(dir.path(), request, &["--schema-enforcement", "reject"]);
    assert_eq!(reject["results"][0]["actions"]["read"], "EFFECT_DENY");
}

#[test]
fn check_broken_policies_exit_3() {
    let dir = tree(&[(
        "doc.yaml",
        &DOC_POLICY.replace("EFFECT_ALLOW", "EFFECT_MAYBE"),
    )]);
    let request = r#"{"principal": {"id": "u", "roles": ["user"]},
      "resources": [{"resource": {"kind": "doc", "id": "d1"}, "actions": ["read"]}]}"#;
    check(dir.path(), request, &[])
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(
            "doc.yaml:8:15: unknown variant `EFFECT_MAYBE`",
        ));
}

#[test]
fn check_unreadable_input_exits_2() {
    authz()
        .arg("check")
        .arg("--policies")
        .arg(repo_policies())
        .args(["--input", "/nonexistent/authz/request.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read `/nonexistent/authz/request.json`",
        ));
    authz().arg("check").assert().code(2); // --policies is required
}
