//! `authz plan`: turns a PlanResources request, or engine-level plan inputs, into filters over
//! resource attributes.
//!
//! By default the input is a PlanResources request (`query-plan.md` §1) and the output its
//! response (§2). With `--engine`, the input is `{"inputs": [PlanResourcesInput...]}` and the
//! output `{"outputs": [PlanResourcesOutput...]}` (`json-io.md` §4), one per input, in order.
//! Every input of one invocation shares one `now()`.
//!
//! A filter passes a resource exactly when `authz check` would allow the actions on it. When
//! the policies need something a filter cannot say exactly, nothing is written to standard
//! output: the reason goes to standard error and the exit status is
//! [`Exit::PlanRefused`] — never a wider or narrower filter.

mod request;
mod response;

use std::io::{Read, Write};
use std::path::PathBuf;

use authz_core::plan::PlanError;
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::error::{CliError, Exit, FieldError};
use crate::flags::EngineFlags;
use crate::input::{parse_json, read_input};
use crate::output::write_json;
use crate::policies::load_engine;

use request::{EnginePlanInput, PlanResourcesRequest};
use response::{EnginePlanOutput, PlanResourcesResponse};

/// Arguments of `authz plan`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct PlanArgs {
    /// The policy directory.
    #[arg(long, value_name = "DIR")]
    pub policies: PathBuf,
    /// The JSON input file; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
    /// Engine-level mode: read `{"inputs": [PlanResourcesInput...]}`, write
    /// `{"outputs": [PlanResourcesOutput...]}`.
    #[arg(long)]
    pub engine: bool,
    /// Engine settings.
    #[command(flatten)]
    pub flags: EngineFlags,
}

/// `{"inputs": [...]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EngineRequest {
    inputs: Vec<EnginePlanInput>,
}

/// `{"outputs": [...]}`.
#[derive(Debug, Serialize)]
struct EngineResponse {
    outputs: Vec<EnginePlanOutput>,
}

/// Runs `authz plan`: reads the input (from `stdin` when `--input -`), writes the response
/// to `stdout` and build errors to `stderr`.
///
/// # Errors
/// Unreadable, malformed or invalid input ([`Exit::InvalidInput`]); a request the planner
/// cannot answer exactly ([`CliError::Plan`], [`Exit::PlanRefused`]); unwritable output.
/// Policies that fail to build are reported on `stderr` and return [`Exit::BuildFailed`].
pub fn plan(
    args: &PlanArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Exit, CliError> {
    let text = read_input(&args.input, stdin)?;
    let now = args.flags.now();
    if args.engine {
        const WHAT: &str = "engine input";
        let request: EngineRequest = parse_json(&text, WHAT)?;
        let mut errors = Vec::new();
        for (i, input) in request.inputs.iter().enumerate() {
            input.validate(&format!("inputs[{i}]"), &mut errors);
        }
        if !errors.is_empty() {
            return Err(CliError::InvalidInput { what: WHAT, errors });
        }
        let Some(engine) = load_engine(&args.policies, &args.flags, stderr)? else {
            return Ok(Exit::BuildFailed);
        };
        let mut outputs = Vec::with_capacity(request.inputs.len());
        let mut failures = Vec::new();
        for (i, input) in request.inputs.iter().enumerate() {
            match engine.plan_at(&input.to_input(), now) {
                Ok(out) => outputs.push(EnginePlanOutput::new(out, &input.resource)),
                Err(e) => failures.push((format!("inputs[{i}]"), e)),
            }
        }
        if !failures.is_empty() {
            return Err(plan_failure(WHAT, failures));
        }
        write_json(stdout, &EngineResponse { outputs })?;
        return Ok(Exit::Success);
    }

    const WHAT: &str = "PlanResources request";
    let request: PlanResourcesRequest = parse_json(&text, WHAT)?;
    let errors = request.validate();
    if !errors.is_empty() {
        return Err(CliError::InvalidInput { what: WHAT, errors });
    }
    let Some(engine) = load_engine(&args.policies, &args.flags, stderr)? else {
        return Ok(Exit::BuildFailed);
    };
    let output = engine
        .plan_at(&request.to_input(), now)
        .map_err(|e| plan_failure(WHAT, vec![(String::new(), e)]))?;
    let single = match &request.actions {
        Some(_) => None,
        None => request.action.clone(),
    };
    let response = PlanResourcesResponse::new(
        output,
        single,
        request.include_meta,
        ulid::Ulid::generate().to_string(),
    );
    write_json(stdout, &response)?;
    Ok(Exit::Success)
}

/// The error for plans that failed, each named by its input (`inputs[1]`, or `""` for a
/// single request). A malformed request the CLI's own rules let through is invalid input;
/// anything else is a refusal.
fn plan_failure(what: &'static str, failures: Vec<(String, PlanError)>) -> CliError {
    let invalid = failures
        .iter()
        .all(|(_, e)| matches!(e, PlanError::InvalidInput(_)));
    let errors = failures
        .into_iter()
        .map(|(at, e)| FieldError::new(at, e.to_string()))
        .collect();
    if invalid {
        CliError::InvalidInput { what, errors }
    } else {
        CliError::Plan { errors }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::path::Path;

    use serde_json::{json, Value};

    fn policies() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies")
    }

    fn args(engine: bool) -> PlanArgs {
        PlanArgs {
            policies: policies(),
            input: PathBuf::from("-"),
            engine,
            flags: EngineFlags::default(),
        }
    }

    fn run(args: &PlanArgs, input: &str) -> (Result<Exit, CliError>, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let r = plan(args, &mut input.as_bytes(), &mut out, &mut err);
        (
            r,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn invalid(args: &PlanArgs, input: &Value) -> Vec<String> {
        match run(args, &input.to_string()).0 {
            Err(CliError::InvalidInput { errors, .. }) => {
                errors.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    #[test]
    fn plans_a_request() {
        let input = json!({"requestId": "p1", "actions": ["read"], "includeMeta": true,
            "principal": {"id": "alice", "roles": ["user"]},
            "resource": {"kind": "expense"}});
        let (r, out, err) = run(&args(false), &input.to_string());
        assert_eq!(r.unwrap(), Exit::Success);
        assert_eq!(err, "");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["requestId"], "p1");
        assert_eq!(v["actions"], json!(["read"]));
        assert_eq!(v["resourceKind"], "expense");
        assert_eq!(
            v["filter"],
            json!({"kind": "KIND_CONDITIONAL", "condition": {"expression": {"operator": "eq",
                "operands": [{"variable": "request.resource.attr.owner"}, {"value": "alice"}]}}})
        );
        assert_eq!(
            v["meta"],
            json!({"filterDebug": "(eq request.resource.attr.owner \"alice\")",
                   "matchedScopes": {"read": ""}})
        );
        assert_eq!(v["cerbosCallId"].as_str().unwrap().len(), 26);
        assert!(v.get("policyVersion").is_none());
        assert!(v.get("action").is_none());
    }

    #[test]
    fn every_rule_breach_is_listed() {
        let errors = invalid(
            &args(false),
            &json!({"actions": ["", "v", "v"], "action": "x",
                "principal": {"id": "", "roles": [], "scope": "a."},
                "resource": {"id": "e1", "policyVersion": "v-1", "attr": {"": 1}},
                "auxData": {"jwt": {"token": "t"}}}),
        );
        assert_eq!(
            errors,
            [
                "`action`: set `actions` or the deprecated `action`, not both",
                "`principal.id`: must not be empty",
                "`principal.roles`: at least one role is required",
                "`principal.scope`: `a.` is not a scope: use dot-separated names of `A-Z`, `a-z`, `0-9`, `_` and `-`",
                "`resource.kind`: is required",
                "`resource.id`: a plan request has no resource id: the plan covers every resource of the kind",
                "`resource.policyVersion`: `v-1` is not a policy version: use only `A-Z`, `a-z`, `0-9` and `_`",
                "`resource.attr`: attribute names must not be empty",
                "`auxData.jwt`: cannot verify the token: no key set is configured, and unverified tokens are rejected (to evaluate with known claims, use `--engine` with `auxData.jwt` claims)",
            ]
        );
        let errors = invalid(
            &args(false),
            &json!({"actions": ["", "v", "v"],
                "principal": {"id": "u", "roles": ["user"]}, "resource": {"kind": ""}}),
        );
        assert_eq!(
            errors,
            [
                "`actions[0]`: must not be empty",
                "`actions[2]`: duplicate action `v`",
                "`resource.kind`: must not be empty",
            ]
        );
    }

    #[test]
    fn action_limits() {
        let base = json!({"principal": {"id": "u", "roles": ["user"]},
                          "resource": {"kind": "expense"}});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        assert_eq!(
            invalid(&args(false), &base),
            ["`actions`: at least one action is required (or the deprecated `action`)"]
        );
        assert_eq!(
            invalid(&args(false), &with("actions", json!([]))),
            ["`actions`: at least one action is required"]
        );
        assert_eq!(
            invalid(&args(false), &with("action", json!(""))),
            ["`action`: must not be empty"]
        );
        let many: Vec<String> = (0..21).map(|i| format!("a{i}")).collect();
        assert_eq!(
            invalid(&args(false), &with("actions", json!(many))),
            ["`actions`: at most 20 actions are allowed, got 21"]
        );
        let twenty: Vec<String> = (0..20).map(|i| format!("a{i}")).collect();
        let (r, out, _) = run(&args(false), &with("actions", json!(twenty)).to_string());
        assert_eq!(r.unwrap(), Exit::Success);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["filter"], json!({"kind": "KIND_ALWAYS_DENIED"}));
    }

    #[test]
    fn single_action_echoes_action_and_matched_scope() {
        let input = json!({"action": "read", "includeMeta": true,
            "principal": {"id": "ada", "roles": ["admin"]}, "resource": {"kind": "expense"}});
        let (r, out, _) = run(&args(false), &input.to_string());
        assert_eq!(r.unwrap(), Exit::Success);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["action"], "read");
        assert!(v.get("actions").is_none());
        assert_eq!(v["filter"], json!({"kind": "KIND_ALWAYS_ALLOWED"}));
        // The root scope is omitted.
        assert_eq!(v["meta"], json!({"filterDebug": "(true)"}));
    }

    #[test]
    fn engine_mode_plans_each_input() {
        let input = json!({"inputs": [
            {"requestId": "a", "actions": ["read"], "principal": {"id": "alice", "roles": ["user"]},
             "resource": {"kind": "expense", "scope": ""}, "includeMeta": true},
            {"actions": ["read"], "principal": {"id": "x", "roles": ["guest"]},
             "resource": {"kind": "expense"}, "auxData": {"jwt": {"sub": "x"}}}]});
        let (r, out, _) = run(&args(true), &input.to_string());
        assert_eq!(r.unwrap(), Exit::Success);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["outputs"][0]["filterDebug"],
            "(eq request.resource.attr.owner \"alice\")"
        );
        assert_eq!(v["outputs"][0]["kind"], "expense");
        assert_eq!(v["outputs"][0]["requestId"], "a");
        assert_eq!(v["outputs"][0]["matchedScopes"], json!({"read": ""}));
        assert_eq!(
            v["outputs"][1],
            json!({"actions": ["read"], "kind": "expense",
                   "filter": {"kind": "KIND_ALWAYS_DENIED"}, "filterDebug": "NO_MATCH",
                   "matchedScopes": {"read": ""}})
        );
        // Field names carry the input index.
        let errors = invalid(
            &args(true),
            &json!({"inputs": [{"actions": ["read"], "principal": {"id": "u", "roles": ["user"]},
                                "resource": {"kind": "expense", "id": "e1"}}]}),
        );
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("`inputs[0].resource.id`: "),
            "{errors:?}"
        );
    }
}
