//! The engine flags shared by `compile` and `check`, turned into an [`EngineConfig`].
//!
//! ```
//! use authz_cli::EngineFlags;
//! use authz_core::EvaluationMode;
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Demo {
//!     #[command(flatten)]
//!     engine: EngineFlags,
//! }
//!
//! let demo = Demo::try_parse_from(["demo", "--lenient", "--globals", r#"{"region": "eu"}"#]).unwrap();
//! let cfg = demo.engine.config();
//! assert_eq!(cfg.evaluation_mode, EvaluationMode::CerbosCompat);
//! assert_eq!(cfg.globals["region"], "eu");
//! ```

use authz_core::{Attributes, EngineConfig, EvaluationMode, SchemaEnforcement};
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};

/// Settings that change decisions (`policy-format.md` §15).
#[derive(Debug, Clone, Default, PartialEq, Args)]
pub struct EngineFlags {
    /// The `globals` / `G` map, as a JSON object.
    #[arg(long, value_name = "JSON", value_parser = parse_globals)]
    pub globals: Option<Attributes>,
    /// What `now()` returns in conditions, as an RFC 3339 timestamp (default: the current time,
    /// read once per invocation). `check` and `plan` only: test suites set `now` in their options.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// Cerbos-compatible evaluation: a condition that fails to evaluate counts as false
    /// instead of denying the action (strict is the default).
    #[arg(long)]
    pub lenient: bool,
    /// Skip requested scopes that have no policies instead of matching nothing.
    #[arg(long)]
    pub lenient_scope_search: bool,
    /// What to do with attributes that break a policy's JSON Schema.
    #[arg(long, value_enum, value_name = "MODE", default_value_t = SchemaEnforcementArg::None)]
    pub schema_enforcement: SchemaEnforcementArg,
    /// Policy version for requests without one [default: default].
    #[arg(long, value_name = "VERSION", value_parser = parse_version)]
    pub default_policy_version: Option<String>,
    /// Scope for requests without one [default: the root].
    #[arg(long, value_name = "SCOPE", value_parser = parse_scope)]
    pub default_scope: Option<String>,
}

/// `--schema-enforcement` values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SchemaEnforcementArg {
    /// Do not validate attributes.
    #[default]
    None,
    /// Validate and report violations, decide normally.
    Warn,
    /// Deny every action of an input whose attributes break the schema.
    Reject,
}

impl From<SchemaEnforcementArg> for SchemaEnforcement {
    fn from(a: SchemaEnforcementArg) -> Self {
        match a {
            SchemaEnforcementArg::None => SchemaEnforcement::None,
            SchemaEnforcementArg::Warn => SchemaEnforcement::Warn,
            SchemaEnforcementArg::Reject => SchemaEnforcement::Reject,
        }
    }
}

impl EngineFlags {
    /// The engine settings these flags select; unset flags keep [`EngineConfig::default`].
    pub fn config(&self) -> EngineConfig {
        let mut cfg = EngineConfig::default();
        if let Some(globals) = &self.globals {
            cfg.globals = globals.clone();
        }
        if self.lenient {
            cfg.evaluation_mode = EvaluationMode::CerbosCompat;
        }
        cfg.lenient_scope_search = self.lenient_scope_search;
        cfg.schema_enforcement = self.schema_enforcement.into();
        if let Some(v) = &self.default_policy_version {
            cfg.default_policy_version = v.clone();
        }
        if let Some(s) = &self.default_scope {
            cfg.default_scope = s.clone();
        }
        cfg
    }

    /// The evaluation mode selected by `--lenient`.
    pub fn evaluation_mode(&self) -> EvaluationMode {
        if self.lenient {
            EvaluationMode::CerbosCompat
        } else {
            EvaluationMode::Strict
        }
    }

    /// `--now`, or the current time.
    pub fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

fn parse_globals(s: &str) -> Result<Attributes, String> {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(serde_json::Value::Object(map)) => Ok(map),
        Ok(_) => Err("expected a JSON object, e.g. `{\"region\": \"eu\"}`".to_string()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("expected an RFC 3339 timestamp such as `2031-03-01T09:00:00Z`: {e}"))
}

fn parse_version(s: &str) -> Result<String, String> {
    if !s.is_empty() && is_version(s) {
        Ok(s.to_string())
    } else {
        Err("a policy version is one or more of `A-Z`, `a-z`, `0-9` and `_`".to_string())
    }
}

fn parse_scope(s: &str) -> Result<String, String> {
    if is_scope(s) {
        Ok(s.to_string())
    } else {
        Err(
            "a scope is dot-separated names of `A-Z`, `a-z`, `0-9`, `_` and `-`, e.g. `eu.lisbon`"
                .to_string(),
        )
    }
}

/// `^\w*$` with `\w` = `[A-Za-z0-9_]` (`policy-format.md` §3.4).
pub(crate) fn is_version(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The scope pattern of `policy-format.md` §3.4:
/// `^(^$|\.|[0-9a-zA-Z][\w\-]*(\.\w[\w\-]*)*)$`.
pub(crate) fn is_scope(s: &str) -> bool {
    if s.is_empty() || s == "." {
        return true;
    }
    s.split('.').enumerate().all(|(i, seg)| {
        let mut bytes = seg.bytes();
        let first_ok = match bytes.next() {
            Some(b) if i == 0 => b.is_ascii_alphanumeric(),
            Some(b) => b.is_ascii_alphanumeric() || b == b'_',
            None => false,
        };
        first_ok && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Demo {
        #[command(flatten)]
        engine: EngineFlags,
    }

    fn parse(args: &[&str]) -> Result<EngineFlags, clap::Error> {
        let mut v = vec!["demo"];
        v.extend_from_slice(args);
        Demo::try_parse_from(v).map(|d| d.engine)
    }

    #[test]
    fn defaults_match_engine_defaults() {
        let flags = parse(&[]).unwrap();
        assert_eq!(flags.config(), EngineConfig::default());
        assert_eq!(flags.evaluation_mode(), EvaluationMode::Strict);
    }

    #[test]
    fn every_flag_reaches_the_config() {
        let flags = parse(&[
            "--globals",
            r#"{"region": "eu", "n": 3}"#,
            "--now",
            "2031-03-01T10:00:00+01:00",
            "--lenient",
            "--lenient-scope-search",
            "--schema-enforcement",
            "reject",
            "--default-policy-version",
            "v2",
            "--default-scope",
            "eu.lisbon",
        ])
        .unwrap();
        let cfg = flags.config();
        assert_eq!(cfg.globals["region"], "eu");
        assert_eq!(cfg.globals["n"], 3);
        assert_eq!(cfg.evaluation_mode, EvaluationMode::CerbosCompat);
        assert!(cfg.lenient_scope_search);
        assert_eq!(cfg.schema_enforcement, SchemaEnforcement::Reject);
        assert_eq!(cfg.default_policy_version, "v2");
        assert_eq!(cfg.default_scope, "eu.lisbon");
        assert_eq!(flags.now().to_rfc3339(), "2031-03-01T09:00:00+00:00");
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for args in [
            &["--globals", "[1, 2]"][..],
            &["--globals", "{nope"],
            &["--now", "yesterday"],
            &["--schema-enforcement", "strict"],
            &["--default-policy-version", "v-2"],
            &["--default-scope", "eu..lisbon"],
        ] {
            let err = parse(args)
                .err()
                .unwrap_or_else(|| panic!("{args:?} was accepted"));
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }

    #[test]
    fn scope_pattern() {
        for ok in ["", ".", "eu", "eu.lisbon", "0a-b.c_d", "a._x", "a.b-c"] {
            assert!(is_scope(ok), "{ok}");
        }
        for bad in [
            "_eu",
            "-eu",
            "eu.",
            ".eu",
            "eu..x",
            "eu.-x",
            "eu lisbon",
            "eu/x",
            "é",
        ] {
            assert!(!is_scope(bad), "{bad}");
        }
    }

    #[test]
    fn version_pattern() {
        assert!(is_version(""));
        assert!(is_version("default_2"));
        assert!(!is_version("v-2"));
        assert!(!is_version("v.2"));
    }
}
