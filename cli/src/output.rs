//! Writing results: pretty JSON with a trailing newline, and policy build errors as text or
//! JSON.
//!
//! A build error is one line `file:line:col: message`, followed by an indented
//! `  help: ...` line when the error carries a hint.

use std::io::Write;

use authz_core::{BuildError, BuildErrorKind, BuildErrors};
use clap::ValueEnum;
use serde::Serialize;

use crate::error::CliError;

/// How `compile` writes its results.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable text.
    #[default]
    Human,
    /// Pretty-printed JSON.
    Json,
}

/// Writes `value` as pretty-printed JSON followed by a newline.
pub(crate) fn write_json<T: Serialize + ?Sized>(
    out: &mut dyn Write,
    value: &T,
) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    out.flush()?;
    Ok(())
}

/// Writes every build error as `file:line:col: message` (plus `  help: ...`).
pub(crate) fn write_build_errors(
    out: &mut dyn Write,
    errors: &BuildErrors,
) -> Result<(), CliError> {
    for e in errors.errors() {
        writeln!(out, "{}: {}", e.location, e.message)?;
        if let Some(help) = &e.help {
            writeln!(out, "  help: {help}")?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `{"buildFailure": {"errors": [...]}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BuildFailureJson<'a> {
    build_failure: BuildFailureErrors<'a>,
}

#[derive(Debug, Serialize)]
struct BuildFailureErrors<'a> {
    errors: Vec<BuildErrorJson<'a>>,
}

#[derive(Debug, Serialize)]
struct BuildErrorJson<'a> {
    file: &'a str,
    /// 1-based; 0 when unknown.
    line: u32,
    /// 1-based; 0 when unknown.
    column: u32,
    kind: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

impl<'a> BuildFailureJson<'a> {
    pub(crate) fn new(errors: &'a BuildErrors) -> Self {
        BuildFailureJson {
            build_failure: BuildFailureErrors {
                errors: errors.errors().iter().map(BuildErrorJson::new).collect(),
            },
        }
    }
}

impl<'a> BuildErrorJson<'a> {
    fn new(e: &'a BuildError) -> Self {
        BuildErrorJson {
            file: &e.location.file,
            line: e.location.line,
            column: e.location.column,
            kind: kind_name(e.kind),
            message: &e.message,
            help: e.help.as_deref(),
        }
    }
}

/// The JSON name of a build error kind.
pub(crate) fn kind_name(kind: BuildErrorKind) -> &'static str {
    match kind {
        BuildErrorKind::Io => "io",
        BuildErrorKind::Syntax => "syntax",
        BuildErrorKind::Schema => "schema",
        BuildErrorKind::Cel => "cel",
        BuildErrorKind::Reference => "reference",
        BuildErrorKind::Duplicate => "duplicate",
        BuildErrorKind::Cycle => "cycle",
        BuildErrorKind::Scope => "scope",
        _ => "other",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use authz_core::PolicySet;

    fn broken() -> BuildErrors {
        PolicySet::from_sources([(
            "bad.yaml",
            "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: R.attr.x ==\n",
        )])
        .unwrap_err()
    }

    #[test]
    fn human_errors_are_file_line_col() {
        let errors = broken();
        let mut out = Vec::new();
        write_build_errors(&mut out, &errors).unwrap();
        let text = String::from_utf8(out).unwrap();
        let first = text.lines().next().unwrap();
        assert!(first.starts_with("bad.yaml:11:"), "{text}");
        assert_eq!(
            text.lines().filter(|l| !l.starts_with("  help: ")).count(),
            errors.errors().len()
        );
    }

    #[test]
    fn json_errors_have_every_field() {
        let errors = broken();
        let mut out = Vec::new();
        write_json(&mut out, &BuildFailureJson::new(&errors)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with("}\n"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let e = &v["buildFailure"]["errors"][0];
        assert_eq!(e["file"], "bad.yaml");
        assert_eq!(e["line"], 11);
        assert!(e["column"].as_u64().unwrap() > 0);
        assert_eq!(e["kind"], "cel");
        assert!(!e["message"].as_str().unwrap().is_empty());
    }
}
