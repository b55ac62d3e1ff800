//! End-to-end tests of `authz plan`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use authz_core::plan::{Filter, Operand};
use authz_core::Resource;
use predicates::prelude::*;
use serde_json::{json, Value};

#[path = "support/common.rs"]
mod common;
use common::{authz, json_out, repo_policies, tree};

/// The `report` policy of `policy-format.md` §5.
const REPORT: &str = r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: report
  version: default
  importDerivedRoles: [studio_roles]
  constants: { local: { frozen_states: [archived, legal_hold] } }
  variables: { local: { frozen: R.attr.state in C.frozen_states } }
  rules:
    - name: team-read
      actions: [view, "comment:*"]
      effect: EFFECT_ALLOW
      derivedRoles: [same_team]
    - actions: [edit]
      effect: EFFECT_ALLOW
      derivedRoles: [report_author]
      condition: { match: { none: { of: [expr: V.frozen] } } }
    - actions: ["*"]
      effect: EFFECT_DENY
      roles: [auditor]
      condition: { match: { expr: R.attr.confidential == true } }
      output:
        when:
          ruleActivated: '"confidential:" + R.id'
"#;

/// `studio_roles` of `policy-format.md` §6.
const STUDIO_ROLES: &str = r#"apiVersion: api.cerbos.dev/v1
derivedRoles:
  name: studio_roles
  definitions:
    - name: report_author
      parentRoles: [member, editor]
      condition: { match: { expr: R.attr.author_id == P.id } }
    - name: same_team
      parentRoles: ["*"]
      condition: { match: { expr: R.attr.team in P.attr.teams } }
"#;

/// `view` is allowed to owners (through `runtime.effectiveDerivedRoles`, which depends on the
/// resource and so cannot be planned), `read` to every user, `tag` through a comprehension
/// the planner cannot express.
const REFUSING: &str = r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: doc
  version: default
  importDerivedRoles: [roles]
  rules:
    - actions: [view]
      effect: EFFECT_ALLOW
      roles: [user]
      condition: { match: { expr: '"owner" in runtime.effectiveDerivedRoles' } }
    - actions: [edit]
      effect: EFFECT_ALLOW
      derivedRoles: [owner]
    - actions: [tag]
      effect: EFFECT_ALLOW
      roles: [user]
      condition: { match: { expr: 'R.attr.tags.exists_one(t, t == "a")' } }
    - actions: [read]
      effect: EFFECT_ALLOW
      roles: [user]
"#;

const ROLES: &str = r#"apiVersion: api.cerbos.dev/v1
derivedRoles:
  name: roles
  definitions:
    - name: owner
      parentRoles: [user]
      condition: { match: { expr: R.attr.owner == P.id } }
"#;

fn studio() -> tempfile::TempDir {
    tree(&[("report.yaml", REPORT), ("studio_roles.yaml", STUDIO_ROLES)])
}

fn plan(policies: &Path, input: &str, extra: &[&str]) -> assert_cmd::assert::Assert {
    authz()
        .arg("plan")
        .arg("--policies")
        .arg(policies)
        .args(extra)
        .write_stdin(input.to_string())
        .assert()
}

fn plan_ok(policies: &Path, input: &Value, extra: &[&str]) -> Value {
    let out = plan(policies, &input.to_string(), extra)
        .code(0)
        .stderr("")
        .get_output()
        .stdout
        .clone();
    json_out(&out)
}

/// The request of `query-plan.md` §1 with other actions and roles.
fn ines(actions: &[&str], roles: &[&str]) -> Value {
    json!({"requestId": "plan-1", "actions": actions, "includeMeta": true,
           "principal": {"id": "ines", "roles": roles, "attr": {"teams": ["brand"]}},
           "resource": {"kind": "report", "attr": {"region": "eu"}}})
}

/// The filter of a response (`{kind, condition}`) as the core type.
fn filter_of(v: &Value) -> Filter {
    match v["kind"].as_str().unwrap() {
        "KIND_ALWAYS_ALLOWED" => Filter::AlwaysAllowed,
        "KIND_ALWAYS_DENIED" => Filter::AlwaysDenied,
        "KIND_CONDITIONAL" => {
            let c: Operand = serde_json::from_value(v["condition"].clone()).unwrap();
            Filter::Conditional(c)
        }
        other => panic!("unexpected filter kind {other}"),
    }
}

#[test]
fn worked_example_view() {
    let v = plan_ok(studio().path(), &ines(&["view"], &["member"]), &[]);
    // The response of `query-plan.md` §2, field for field.
    let call_id = v["cerbosCallId"].as_str().unwrap().to_string();
    assert_eq!(call_id.len(), 26);
    assert_eq!(
        v,
        json!({"requestId": "plan-1", "actions": ["view"], "resourceKind": "report",
               "filter": {"kind": "KIND_CONDITIONAL",
                          "condition": {"expression": {"operator": "eq", "operands": [
                            {"variable": "request.resource.attr.team"}, {"value": "brand"}]}}},
               "meta": {"filterDebug": "(eq request.resource.attr.team \"brand\")",
                        "matchedScopes": {"view": ""}},
               "cerbosCallId": call_id})
    );
}

#[test]
fn worked_example_edit_and_merge() {
    const EDIT: &str = r#"(and (eq request.resource.attr.author_id "ines") (not (in request.resource.attr.state ["archived","legal_hold"])))"#;
    const VIEW: &str = r#"(eq request.resource.attr.team "brand")"#;
    let edit = plan_ok(studio().path(), &ines(&["edit"], &["member"]), &[]);
    assert_eq!(edit["meta"]["filterDebug"], EDIT);
    // Several actions: one `and` over the per-action filters, in filterDebug order.
    let both = plan_ok(studio().path(), &ines(&["view", "edit"], &["member"]), &[]);
    assert_eq!(both["meta"]["filterDebug"], format!("(and {EDIT} {VIEW})"));
    assert_eq!(both["actions"], json!(["view", "edit"]));
    assert_eq!(
        both["meta"]["matchedScopes"],
        json!({"view": "", "edit": ""})
    );
    assert_eq!(
        both["filter"]["condition"]["expression"]["operands"][1],
        json!({"expression": {"operator": "eq", "operands": [
            {"variable": "request.resource.attr.team"}, {"value": "brand"}]}})
    );
}

/// §9's last point, adapted: Cerbos would filter out confidential reports for a member who is
/// also an auditor; our plan follows `check`, where the member's ALLOW still applies. The
/// filter is checked against `authz check` on a grid of reports.
#[test]
fn worked_example_auditor_agrees_with_check() {
    let dir = studio();
    let mut reports = Vec::new();
    for team in [None, Some("brand"), Some("film")] {
        for confidential in [None, Some(json!(true)), Some(json!(false))] {
            let mut attr = serde_json::Map::new();
            attr.insert("region".into(), json!("eu"));
            if let Some(t) = team {
                attr.insert("team".into(), json!(t));
            }
            if let Some(c) = confidential {
                attr.insert("confidential".into(), c);
            }
            reports.push(attr);
        }
    }
    for roles in [
        &["auditor", "member"][..],
        &["member", "auditor"],
        &["member"],
    ] {
        let v = plan_ok(dir.path(), &ines(&["view"], roles), &[]);
        let filter = filter_of(&v["filter"]);
        let resources: Vec<Value> = reports
            .iter()
            .enumerate()
            .map(|(i, attr)| {
                json!({"resource": {"kind": "report", "id": format!("r{i}"), "attr": attr},
                       "actions": ["view"]})
            })
            .collect();
        let request = json!({"principal": {"id": "ines", "roles": roles,
                                           "attr": {"teams": ["brand"]}},
                             "resources": resources});
        let out = authz()
            .arg("check")
            .arg("--policies")
            .arg(dir.path())
            .write_stdin(request.to_string())
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let checked = json_out(&out);
        let mut allowed_somewhere = false;
        for (i, attr) in reports.iter().enumerate() {
            let allowed = checked["results"][i]["actions"]["view"] == "EFFECT_ALLOW";
            allowed_somewhere |= allowed;
            let r = Resource::new("report", format!("r{i}")).with_attrs(attr.clone());
            assert_eq!(
                filter.matches(&r).unwrap(),
                allowed,
                "roles {roles:?}, report {attr:?}: filter {} vs check",
                v["meta"]["filterDebug"]
            );
        }
        assert!(allowed_somewhere);
        // A confidential brand report stays visible: the member's ALLOW applies.
        let r = Resource::new("report", "c")
            .with_attrs(reports[4].clone())
            .with_attr("confidential", json!(true));
        assert!(filter.matches(&r).unwrap(), "{roles:?}");
    }
}

#[test]
fn deprecated_action_field() {
    let mut input = ines(&["view"], &["member"]);
    input.as_object_mut().unwrap().remove("actions");
    input["action"] = json!("view");
    let v = plan_ok(studio().path(), &input, &[]);
    assert_eq!(v["action"], "view");
    assert!(v.get("actions").is_none());
    // `matchedScope` (a string) replaces `matchedScopes`; the root scope is omitted.
    assert_eq!(
        v["meta"],
        json!({"filterDebug": "(eq request.resource.attr.team \"brand\")"})
    );
}

#[test]
fn matched_scope_and_snake_case() {
    let scoped = r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: report
  version: default
  scope: eu
  rules:
    - actions: [view]
      effect: EFFECT_ALLOW
      roles: [member]
"#;
    let dir = tree(&[
        ("report.yaml", REPORT),
        ("report_eu.yaml", scoped),
        ("studio_roles.yaml", STUDIO_ROLES),
    ]);
    let input = json!({"request_id": "s1", "action": "view", "include_meta": true,
        "principal": {"id": "ines", "roles": ["member"], "attr": {"teams": ["brand"]}},
        "resource": {"kind": "report", "policy_version": "default", "scope": "eu"},
        "request_context": {"annotations": {"app": "cli-test"}}});
    let v = plan_ok(dir.path(), &input, &[]);
    assert_eq!(v["requestId"], "s1");
    assert_eq!(v["policyVersion"], "default");
    assert_eq!(
        v["meta"],
        json!({"filterDebug": "(true)", "matchedScope": "eu"})
    );
}

#[test]
fn meta_only_when_asked() {
    let mut input = ines(&["view"], &["member"]);
    input.as_object_mut().unwrap().remove("includeMeta");
    let v = plan_ok(studio().path(), &input, &[]);
    assert!(v.get("meta").is_none(), "{v}");
    assert_eq!(v["filter"]["kind"], "KIND_CONDITIONAL");
}

#[test]
fn known_attributes_fold() {
    let mut input = ines(&["edit"], &["member"]);
    input["resource"]["attr"] = json!({"author_id": "ines", "state": "draft"});
    let v = plan_ok(studio().path(), &input, &[]);
    assert_eq!(v["filter"], json!({"kind": "KIND_ALWAYS_ALLOWED"}));
    assert_eq!(v["meta"]["filterDebug"], "(true)");
    input["resource"]["attr"]["state"] = json!("archived");
    let v = plan_ok(studio().path(), &input, &[]);
    assert_eq!(v["filter"], json!({"kind": "KIND_ALWAYS_DENIED"}));
    assert_eq!(v["meta"]["filterDebug"], "(false)");
}

#[test]
fn no_match() {
    let input = json!({"actions": ["view"], "includeMeta": true,
        "principal": {"id": "ines", "roles": ["member"]}, "resource": {"kind": "invoice"}});
    let v = plan_ok(studio().path(), &input, &[]);
    assert_eq!(v["filter"], json!({"kind": "KIND_ALWAYS_DENIED"}));
    assert_eq!(v["meta"]["filterDebug"], "NO_MATCH");
}

#[test]
fn reads_input_file() {
    let dir = studio();
    let inputs = tempfile::tempdir().unwrap();
    let file = inputs.path().join("request.json");
    std::fs::write(&file, ines(&["view"], &["member"]).to_string()).unwrap();
    let out = authz()
        .arg("plan")
        .arg("--policies")
        .arg(dir.path())
        .arg("--input")
        .arg(&file)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        json_out(&out)["meta"]["filterDebug"],
        "(eq request.resource.attr.team \"brand\")"
    );
}

#[test]
fn engine_mode_one_output_per_input_in_order() {
    let dir = studio();
    let input = json!({"inputs": [
        {"requestId": "e1", "actions": ["edit"],
         "principal": {"id": "ines", "roles": ["member"]},
         "resource": {"kind": "report", "policyVersion": "default", "scope": ""}},
        {"requestId": "e2", "actions": ["view"],
         "principal": {"id": "ines", "roles": ["member"], "attr": {"teams": ["brand"]}},
         "resource": {"kind": "report", "attr": {"team": "brand"}}, "includeMeta": true},
        {"actions": ["view"], "principal": {"id": "ola", "roles": ["member"]},
         "resource": {"kind": "invoice"}}]});
    let v = plan_ok(dir.path(), &input, &["--engine"]);
    assert_eq!(
        v,
        json!({"outputs": [
            {"requestId": "e1", "actions": ["edit"], "kind": "report", "policyVersion": "default",
             "filter": {"kind": "KIND_CONDITIONAL", "condition": v["outputs"][0]["filter"]["condition"]},
             "filterDebug": r#"(and (eq request.resource.attr.author_id "ines") (not (in request.resource.attr.state ["archived","legal_hold"])))"#,
             "matchedScopes": {"edit": ""}},
            {"requestId": "e2", "actions": ["view"], "kind": "report",
             "filter": {"kind": "KIND_ALWAYS_ALLOWED"}, "filterDebug": "(true)",
             "matchedScopes": {"view": ""}},
            {"actions": ["view"], "kind": "invoice",
             "filter": {"kind": "KIND_ALWAYS_DENIED"}, "filterDebug": "NO_MATCH",
             "matchedScopes": {"view": ""}}
        ]})
    );
}

#[test]
fn engine_mode_takes_claims() {
    let policy = r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: doc
  version: default
  rules:
    - actions: [read]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: R.attr.tenant == request.auxData.jwt.tenant
"#;
    let dir = tree(&[("doc.yaml", policy)]);
    let input = json!({"inputs": [{"actions": ["read"], "principal": {"id": "u", "roles": ["user"]},
        "resource": {"kind": "doc"}, "auxData": {"jwt": {"tenant": "acme"}}}]});
    let v = plan_ok(dir.path(), &input, &["--engine"]);
    assert_eq!(
        v["outputs"][0]["filterDebug"],
        "(eq request.resource.attr.tenant \"acme\")"
    );
    // Tokens are not claims.
    plan(
        dir.path(),
        &json!({"inputs": [{"actions": ["read"], "principal": {"id": "u", "roles": ["user"]},
            "resource": {"kind": "doc"}, "auxData": {"jwt": {"token": "x"}}}]})
        .to_string(),
        &["--engine"],
    )
    .code(0);
    // A PlanResources request is not engine input.
    plan(
        dir.path(),
        &ines(&["view"], &["member"]).to_string(),
        &["--engine"],
    )
    .code(2)
    .stdout("")
    .stderr(predicate::str::contains("invalid engine input"));
}

#[test]
fn refusal_exits_5_with_the_reason() {
    let dir = tree(&[("doc.yaml", REFUSING), ("roles.yaml", ROLES)]);
    let request = |action: &str| {
        json!({"actions": [action], "principal": {"id": "u", "roles": ["user"]},
               "resource": {"kind": "doc"}})
        .to_string()
    };
    plan(dir.path(), &request("view"), &[])
        .code(5)
        .stdout("")
        .stderr(
            "error: cannot plan action `view` faithfully: `runtime.effectiveDerivedRoles` \
             depends on resource attributes here\n",
        );
    plan(dir.path(), &request("tag"), &[])
        .code(5)
        .stdout("")
        .stderr(predicate::str::contains(
            "cannot plan action `tag` faithfully: a comprehension other than `exists`/`all`",
        ));
    // The plannable actions of the same policy plan.
    let v = plan_ok(
        dir.path(),
        &serde_json::from_str(&request("edit")).unwrap(),
        &[],
    );
    assert_eq!(
        v["filter"]["condition"],
        json!({"expression": {"operator": "eq", "operands": [
            {"variable": "request.resource.attr.owner"}, {"value": "u"}]}})
    );
    // Engine mode: nothing is written when any input fails, and every failure is named.
    let inputs = json!({"inputs": [
        serde_json::from_str::<Value>(&request("read")).unwrap(),
        serde_json::from_str::<Value>(&request("view")).unwrap(),
        serde_json::from_str::<Value>(&request("tag")).unwrap()]});
    plan(dir.path(), &inputs.to_string(), &["--engine"])
        .code(5)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: cannot plan 2 inputs:\n",
        ))
        .stderr(predicate::str::contains(
            "  `inputs[1]`: cannot plan action `view` faithfully",
        ))
        .stderr(predicate::str::contains(
            "  `inputs[2]`: cannot plan action `tag` faithfully",
        ));
}

#[test]
fn invalid_requests_name_the_field() {
    let ok = ines(&["view"], &["member"]);
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = ok.clone();
        f(&mut v);
        v.to_string()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            with(&|v| v["resource"]["id"] = json!("r1")),
            "`resource.id`: a plan request has no resource id",
        ),
        (
            with(&|v| {
                v["resource"].as_object_mut().unwrap().remove("kind");
            }),
            "`resource.kind`: is required",
        ),
        (
            with(&|v| v["action"] = json!("edit")),
            "`action`: set `actions` or the deprecated `action`, not both",
        ),
        (
            with(&|v| {
                v.as_object_mut().unwrap().remove("actions");
            }),
            "`actions`: at least one action is required (or the deprecated `action`)",
        ),
        (
            with(&|v| v["actions"] = json!(["view", "view"])),
            "`actions[1]`: duplicate action `view`",
        ),
        (
            with(&|v| v["actions"] = json!((0..21).map(|i| format!("a{i}")).collect::<Vec<_>>())),
            "`actions`: at most 20 actions are allowed, got 21",
        ),
        (
            with(&|v| v["principal"]["roles"] = json!([])),
            "`principal.roles`: at least one role is required",
        ),
        (
            with(&|v| v["resource"]["scope"] = json!("eu..x")),
            "`resource.scope`: `eu..x` is not a scope",
        ),
        (
            with(&|v| v["resources"] = json!([])),
            "`resources`: unknown field `resources`",
        ),
        ("{not json".to_string(), "invalid PlanResources request"),
    ];
    for (input, message) in &cases {
        plan(&repo_policies(), input, &[])
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(*message));
    }
}

#[test]
fn rejects_tokens() {
    for aux in [
        json!({"jwt": {"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig", "keySetId": "corp"}}),
        json!({"jwts": {"partner": {"token": "eyJhbGciOiJIUzI1NiJ9.e30.sig"}}}),
    ] {
        let mut input = ines(&["view"], &["member"]);
        input["auxData"] = aux;
        plan(studio().path(), &input.to_string(), &[])
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "cannot verify the token: no key set is configured",
            ))
            .stderr(predicate::str::contains("`auxData.jwt"));
    }
}

const DOC_ALLOW: &str = r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: doc
  version: default
  rules:
    - actions: [read]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: COND
"#;

fn doc_request() -> Value {
    json!({"actions": ["read"], "includeMeta": true,
           "principal": {"id": "u", "roles": ["user"]}, "resource": {"kind": "doc"}})
}

fn debug(v: &Value) -> &str {
    v["meta"]["filterDebug"].as_str().unwrap()
}

#[test]
fn now_flag_folds_now() {
    let policy = DOC_ALLOW.replace("COND", "R.attr.due > now()");
    let dir = tree(&[("doc.yaml", &policy)]);
    let v = plan_ok(
        dir.path(),
        &doc_request(),
        &["--now", "2031-03-01T09:00:00Z"],
    );
    assert_eq!(
        debug(&v),
        r#"(gt request.resource.attr.due (timestamp "2031-03-01T09:00:00Z"))"#
    );
    plan(dir.path(), &doc_request().to_string(), &["--now", "soon"])
        .code(2)
        .stderr(predicate::str::contains("--now"));
}

#[test]
fn globals_flag() {
    let policy = DOC_ALLOW.replace("COND", "R.attr.region == G.region");
    let dir = tree(&[("doc.yaml", &policy)]);
    let v = plan_ok(
        dir.path(),
        &doc_request(),
        &["--globals", r#"{"region": "eu"}"#],
    );
    assert_eq!(debug(&v), r#"(eq request.resource.attr.region "eu")"#);
}

#[test]
fn lenient_flag() {
    // The DENY condition fails for a principal without `level`: strict denies everything;
    // lenient counts it as false, and the ALLOW applies.
    let policy = format!(
        "{}    - actions: [read]\n      effect: EFFECT_DENY\n      roles: [user]\n      condition:\n        match:\n          expr: P.attr.level > 2\n",
        DOC_ALLOW.replace("COND", "R.attr.public == true")
    );
    let dir = tree(&[("doc.yaml", &policy)]);
    let strict = plan_ok(dir.path(), &doc_request(), &[]);
    assert_eq!(debug(&strict), "(false)");
    let lenient = plan_ok(dir.path(), &doc_request(), &["--lenient"]);
    assert_eq!(debug(&lenient), "(eq request.resource.attr.public true)");
}

#[test]
fn scope_flags() {
    let root = DOC_ALLOW.replace("COND", "R.attr.a == 1");
    let eu = root
        .replace("version: default", "version: default\n  scope: eu")
        .replace("R.attr.a == 1", "R.attr.b == 2");
    let dir = tree(&[("root.yaml", &root), ("eu.yaml", &eu)]);
    let mut input = doc_request();
    input["resource"]["scope"] = json!("eu.lisbon");
    // Strict scope search: `eu.lisbon` has no policies, so nothing matches.
    let strict = plan_ok(dir.path(), &input, &[]);
    assert_eq!(debug(&strict), "NO_MATCH");
    let lenient = plan_ok(dir.path(), &input, &["--lenient-scope-search"]);
    assert_eq!(
        debug(&lenient),
        "(or (eq request.resource.attr.b 2) (and (not (eq request.resource.attr.b 2)) (eq request.resource.attr.a 1)))"
    );
    assert_eq!(lenient["meta"]["matchedScopes"], json!({"read": "eu"}));
    let defaulted = plan_ok(dir.path(), &doc_request(), &["--default-scope", "eu"]);
    assert_eq!(debug(&defaulted), debug(&lenient));
}

#[test]
fn schema_enforcement_flag() {
    let policy = DOC_ALLOW.replace("COND", "R.attr.pages > 2").replace(
        "  rules:",
        "  schemas:\n    principalSchema:\n      ref: cerbos:///principal.json\n    resourceSchema:\n      ref: cerbos:///doc.json\n  rules:",
    );
    let dir = tree(&[
        ("doc.yaml", &policy),
        (
            "_schemas/doc.json",
            r#"{"type": "object", "properties": {"pages": {"type": "integer"}}}"#,
        ),
        (
            "_schemas/principal.json",
            r#"{"type": "object", "properties": {"level": {"type": "integer"}}}"#,
        ),
    ]);
    let mut input = doc_request();
    input["principal"]["attr"] = json!({"level": "high"});
    let none = plan_ok(dir.path(), &input, &[]);
    assert_eq!(debug(&none), "(gt request.resource.attr.pages 2)");
    assert!(none.get("validationErrors").is_none());
    let warn = plan_ok(dir.path(), &input, &["--schema-enforcement", "warn"]);
    assert_eq!(debug(&warn), "(gt request.resource.attr.pages 2)");
    assert_eq!(warn["validationErrors"][0]["path"], "/level", "{warn}");
    assert_eq!(warn["validationErrors"][0]["source"], "SOURCE_PRINCIPAL");
    // `reject` with a resource schema: whether a row conforms is not part of a filter.
    plan(
        dir.path(),
        &input.to_string(),
        &["--schema-enforcement", "reject"],
    )
    .code(5)
    .stdout("")
    .stderr(predicate::str::contains("schema enforcement `reject`"));
}

#[test]
fn broken_policies_exit_3() {
    let dir = tree(&[("doc.yaml", &DOC_ALLOW.replace("COND", "R.attr.x =="))]);
    plan(dir.path(), &doc_request().to_string(), &[])
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("doc.yaml:"));
}

#[test]
fn unreadable_input_and_missing_policies_exit_2() {
    authz()
        .arg("plan")
        .arg("--policies")
        .arg(repo_policies())
        .args(["--input", "/nonexistent/authz/plan.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read `/nonexistent/authz/plan.json`",
        ));
    plan(
        Path::new("/nonexistent/authz/policies"),
        &doc_request().to_string(),
        &[],
    )
    .code(2)
    .stderr(predicate::str::contains("error: cannot read `"));
    authz().arg("plan").assert().code(2); // --policies is required
}
