//! `authz check`: evaluates a CheckResources request, or engine-level check inputs, against a
//! policy directory.
//!
//! By default the input is a CheckResources request (`json-io.md` §2) and the output its
//! response (§3). With `--engine`, the input is `{"inputs": [CheckInput...]}` and the output
//! `{"outputs": [CheckOutput...]}` (§4), evaluation errors included. Every input of one
//! invocation shares one `now()`.

mod request;
mod response;

use std::io::{Read, Write};
use std::path::PathBuf;

use authz_core::{CheckInput, CheckOutput};
use clap::Args;
use serde::{Deserialize, Serialize};

use crate::error::{CliError, Exit};
use crate::flags::EngineFlags;
use crate::input::{parse_json, read_input};
use crate::output::write_json;
use crate::policies::load_engine;

use request::CheckResourcesRequest;
use response::{CheckResourcesResponse, ResultEntry};

/// Arguments of `authz check`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct CheckArgs {
    /// The policy directory.
    #[arg(long, value_name = "DIR")]
    pub policies: PathBuf,
    /// The JSON input file; `-` (the default) reads standard input.
    #[arg(long, value_name = "FILE", default_value = "-")]
    pub input: PathBuf,
    /// Engine-level mode: read `{"inputs": [CheckInput...]}`, write `{"outputs": [CheckOutput...]}`.
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
    inputs: Vec<CheckInput>,
}

/// `{"outputs": [...]}`.
#[derive(Debug, Serialize)]
struct EngineResponse {
    outputs: Vec<CheckOutput>,
}

/// Runs `authz check`: reads the input (from `stdin` when `--input -`), writes the response
/// to `stdout` and build errors to `stderr`.
///
/// # Errors
/// Unreadable, malformed or invalid input ([`Exit::InvalidInput`]); unwritable output.
/// Policies that fail to build are reported on `stderr` and return [`Exit::BuildFailed`].
pub fn check(
    args: &CheckArgs,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Exit, CliError> {
    let text = read_input(&args.input, stdin)?;
    let now = args.flags.now();
    if args.engine {
        let request: EngineRequest = parse_json(&text, "engine input")?;
        let Some(engine) = load_engine(&args.policies, &args.flags, stderr)? else {
            return Ok(Exit::BuildFailed);
        };
        let outputs = engine.check_at(&request.inputs, now);
        write_json(stdout, &EngineResponse { outputs })?;
        return Ok(Exit::Success);
    }

    const WHAT: &str = "CheckResources request";
    let request: CheckResourcesRequest = parse_json(&text, WHAT)?;
    let errors = request.validate();
    if !errors.is_empty() {
        return Err(CliError::InvalidInput { what: WHAT, errors });
    }
    let Some(engine) = load_engine(&args.policies, &args.flags, stderr)? else {
        return Ok(Exit::BuildFailed);
    };
    let request_id = request.request_id.clone();
    let include_meta = request.include_meta;
    let inputs = request.into_inputs();
    let outputs = engine.check_at(&inputs, now);
    let results = inputs
        .iter()
        .zip(outputs)
        .map(|(input, output)| ResultEntry::new(&input.resource, output, include_meta))
        .collect();
    let response = CheckResourcesResponse {
        request_id,
        cerbos_call_id: ulid::Ulid::generate().to_string(),
        results,
    };
    write_json(stdout, &response)?;
    Ok(Exit::Success)
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

    fn args(engine: bool) -> CheckArgs {
        CheckArgs {
            policies: policies(),
            input: PathBuf::from("-"),
            engine,
            flags: EngineFlags::default(),
        }
    }

    fn run(args: &CheckArgs, input: &str) -> (Result<Exit, CliError>, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let r = check(args, &mut input.as_bytes(), &mut out, &mut err);
        (
            r,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn invalid(input: &str) -> Vec<String> {
        match run(&args(false), input).0 {
            Err(CliError::InvalidInput { errors, .. }) => {
                errors.iter().map(ToString::to_string).collect()
            }
            other => panic!("expected invalid input, got {other:?}"),
        }
    }

    fn request(principal: Value, resources: Value) -> String {
        json!({"principal": principal, "resources": resources}).to_string()
    }

    #[test]
    fn evaluates_a_request() {
        let input = request(
            json!({"id": "bob", "roles": ["user"]}),
            json!([{"resource": {"kind": "expense", "id": "e4", "attr": {"owner": "bob", "status": "approved"}},
                    "actions": ["read", "update"]}]),
        );
        let (r, out, err) = run(&args(false), &input);
        assert_eq!(r.unwrap(), Exit::Success);
        assert_eq!(err, "");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v["results"][0]["actions"],
            json!({"read": "EFFECT_ALLOW", "update": "EFFECT_DENY"})
        );
        assert!(v.get("requestId").is_none());
        assert!(v["results"][0].get("meta").is_none());
    }

    #[test]
    fn every_rule_breach_is_listed() {
        let errors = invalid(&request(
            json!({"id": "", "roles": ["a", "", "a"], "policyVersion": "v-1", "attr": {"": 1}}),
            json!([{"resource": {"kind": "", "id": "", "scope": "a.", "policyVersion": "x y"},
                    "actions": ["", "v", "v"]}]),
        ));
        assert_eq!(
            errors,
            [
                "`principal.id`: must not be empty",
                "`principal.roles[1]`: must not be empty",
                "`principal.roles[2]`: duplicate role `a`",
                "`principal.policyVersion`: `v-1` is not a policy version: use only `A-Z`, `a-z`, `0-9` and `_`",
                "`principal.attr`: attribute names must not be empty",
                "`resources[0].resource.kind`: must not be empty",
                "`resources[0].resource.id`: must not be empty",
                "`resources[0].resource.policyVersion`: `x y` is not a policy version: use only `A-Z`, `a-z`, `0-9` and `_`",
                "`resources[0].resource.scope`: `a.` is not a scope: use dot-separated names of `A-Z`, `a-z`, `0-9`, `_` and `-`",
                "`resources[0].actions[0]`: must not be empty",
                "`resources[0].actions[2]`: duplicate action `v`",
            ]
        );
    }

    #[test]
    fn limits() {
        let actions: Vec<String> = (0..51).map(|i| format!("a{i}")).collect();
        let errors = invalid(&request(
            json!({"id": "u", "roles": ["user"]}),
            json!([{"resource": {"kind": "doc", "id": "d"}, "actions": actions}]),
        ));
        assert_eq!(
            errors,
            ["`resources[0].actions`: at most 50 actions are allowed, got 51"]
        );
        let ok: Vec<String> = (0..50).map(|i| format!("a{i}")).collect();
        let input = request(
            json!({"id": "u", "roles": ["user"]}),
            json!([{"resource": {"kind": "doc", "id": "d"}, "actions": ok}]),
        );
        assert_eq!(run(&args(false), &input).0.unwrap(), Exit::Success);
    }

    #[test]
    fn aux_data_rules() {
        let base = json!({"principal": {"id": "u", "roles": ["user"]},
                          "resources": [{"resource": {"kind": "doc", "id": "d"}, "actions": ["read"]}]});
        let with = |aux: Value| {
            let mut v = base.clone();
            v["auxData"] = aux;
            v.to_string()
        };
        let both = invalid(&with(
            json!({"jwt": {"token": "t"}, "jwts": {"x": {"token": "t"}}}),
        ));
        assert_eq!(both, ["`auxData`: set `jwt` or `jwts`, not both"]);
        let named = invalid(&with(
            json!({"jwts": {"a": {"token": "t"}, "b": {"token": "u", "key_set_id": "k"}}}),
        ));
        assert_eq!(named.len(), 2);
        assert!(named[1].starts_with("`auxData.jwts.b`: cannot verify the token"));
        // No tokens: nothing to verify.
        assert_eq!(
            run(&args(false), &with(json!({}))).0.unwrap(),
            Exit::Success
        );
        assert_eq!(
            run(&args(false), &with(json!({"jwts": {}}))).0.unwrap(),
            Exit::Success
        );
    }

    #[test]
    fn json_errors_name_the_path() {
        assert_eq!(
            invalid(r#"{"principal": {"id": "u", "roles": ["user"]}, "resources": [{"resource": {"kind": "doc", "id": 7}, "actions": ["r"]}]}"#),
            ["`resources[0].resource.id`: invalid type: integer `7`, expected a string at line 1 column 96"]
        );
        let trailing =
            invalid(r#"{"principal": {"id": "u", "roles": ["user"]}, "resources": []} x"#);
        assert!(
            trailing[0].starts_with("trailing characters"),
            "{trailing:?}"
        );
    }

    #[test]
    fn engine_mode_round_trips_inputs() {
        let input = json!({"inputs": [{
            "requestId": "x",
            "principal": {"id": "ada", "roles": ["admin"]},
            "resource": {"kind": "expense", "id": "e1"},
            "actions": ["approve"],
            "auxData": {"jwt": {"sub": "ada"}}
        }]});
        let (r, out, _) = run(&args(true), &input.to_string());
        assert_eq!(r.unwrap(), Exit::Success);
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            v,
            json!({"outputs": [{"requestId": "x", "resourceId": "e1",
                "actions": {"approve": {"effect": "EFFECT_ALLOW", "policy": "resource.expense.vdefault"}}}]})
        );
        // A CheckResources request is not engine input.
        match run(&args(true), r#"{"principal": {}}"#).0 {
            Err(CliError::InvalidInput { what, errors }) => {
                assert_eq!(what, "engine input");
                assert_eq!(errors[0].field, "principal");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn build_failure_and_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.yaml"),
            "apiVersion: api.cerbos.dev/v1\nresourcePolicy: 3\n",
        )
        .unwrap();
        let mut a = args(true);
        a.policies = dir.path().to_path_buf();
        let (r, out, err) = run(&a, r#"{"inputs": []}"#);
        assert_eq!(r.unwrap(), Exit::BuildFailed);
        assert_eq!(out, "");
        assert!(err.starts_with("bad.yaml:2:"), "{err}");

        a.policies = dir.path().join("bad.yaml");
        assert!(matches!(
            run(&a, r#"{"inputs": []}"#).0,
            Err(CliError::NotADirectory { .. })
        ));
        a.policies = dir.path().join("missing");
        let e = run(&a, r#"{"inputs": []}"#).0.unwrap_err();
        assert_eq!(e.exit(), Exit::InvalidInput);
        assert!(e.to_string().starts_with("cannot read `"), "{e}");
    }
}
