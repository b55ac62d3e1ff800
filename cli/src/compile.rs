//! `authz compile`: loads and validates a policy directory, then runs its test suites.

use std::io::Write;
use std::path::PathBuf;

use authz_core::testing::{render_human, TestFilter, TestRunner};
use clap::Args;

use crate::error::{CliError, Exit};
use crate::flags::EngineFlags;
use crate::output::{write_build_errors, write_json, BuildFailureJson, OutputFormat};
use crate::policies::{ensure_dir, load_policies, LoadError};

/// Arguments of `authz compile`.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct CompileArgs {
    /// The policy directory.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Run the test suites found under this directory instead of under DIR.
    #[arg(long, value_name = "TESTDIR")]
    pub tests: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
    /// Only build the policies; do not run tests.
    #[arg(long)]
    pub skip_tests: bool,
    /// Run only what this filter selects:
    /// `suite=<glob>;test=<glob>;principal=<glob>;resource=<glob>;action=<glob>` (any subset).
    #[arg(long, value_name = "FILTER")]
    pub run: Option<String>,
    /// Engine settings for the tests (suite and test options override them).
    #[command(flatten)]
    pub flags: EngineFlags,
}

/// Runs `authz compile`: build errors go to `stderr` (to `stdout` as JSON with
/// `--output json`), test results to `stdout`.
///
/// Returns [`Exit::BuildFailed`] when the policies do not build, [`Exit::TestsFailed`] when a
/// test failed or errored, [`Exit::Success`] otherwise.
///
/// # Errors
/// An invalid flag (`--run`, `--now`), a missing or unreadable directory, unwritable output.
pub fn compile(
    args: &CompileArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Exit, CliError> {
    if args.flags.now.is_some() {
        return Err(CliError::Flag {
            flag: "--now",
            message: "tests take `now` from their `options.now`; `--now` applies to `check` and `plan` only"
                .to_string(),
        });
    }
    let filter = match &args.run {
        Some(f) => TestFilter::parse(f).map_err(|message| CliError::Flag {
            flag: "--run",
            message,
        })?,
        None => TestFilter::all(),
    };
    if let Some(tests) = &args.tests {
        ensure_dir(tests)?;
    }

    let set = match load_policies(&args.dir) {
        Ok(set) => set,
        Err(LoadError::Cli(e)) => return Err(e),
        Err(LoadError::Build(errors)) => {
            match args.output {
                OutputFormat::Human => write_build_errors(stderr, &errors)?,
                OutputFormat::Json => write_json(stdout, &BuildFailureJson::new(&errors))?,
            }
            return Ok(Exit::BuildFailed);
        }
    };

    if args.skip_tests {
        if args.output == OutputFormat::Human {
            let n = set.len();
            writeln!(
                stdout,
                "compiled {n} polic{} from {}",
                if n == 1 { "y" } else { "ies" },
                args.dir.display()
            )?;
        }
        return Ok(Exit::Success);
    }

    let results = TestRunner::new(set)
        .with_config(args.flags.config())
        .with_default_mode(args.flags.evaluation_mode())
        .with_filter(filter)
        .run_dir(args.tests.as_ref().unwrap_or(&args.dir));
    match args.output {
        OutputFormat::Human => {
            stdout.write_all(render_human(&results).as_bytes())?;
            stdout.flush()?;
        }
        OutputFormat::Json => write_json(stdout, &results)?,
    }
    Ok(if results.overall().is_success() {
        Exit::Success
    } else {
        Exit::TestsFailed
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::path::Path;

    fn args(dir: &Path) -> CompileArgs {
        CompileArgs {
            dir: dir.to_path_buf(),
            tests: None,
            output: OutputFormat::Human,
            skip_tests: false,
            run: None,
            flags: EngineFlags::default(),
        }
    }

    fn run(args: &CompileArgs) -> (Result<Exit, CliError>, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let r = compile(args, &mut out, &mut err);
        (
            r,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies")
    }

    #[test]
    fn repo_policies_pass() {
        let (r, out, err) = run(&args(&repo()));
        assert_eq!(r.unwrap(), Exit::Success);
        assert!(out.contains("PASSED: 120 passed"), "{out}");
        assert_eq!(err, "");
    }

    #[test]
    fn filter_that_selects_nothing_skips_everything() {
        let mut a = args(&repo());
        a.run = Some("suite=NoSuchSuite".to_string());
        a.output = OutputFormat::Json;
        let (r, out, _) = run(&a);
        assert_eq!(r.unwrap(), Exit::Success);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["summary"]["overallResult"], "RESULT_SKIPPED");
    }

    #[test]
    fn build_errors_go_to_stderr_with_help() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("doc.yaml"),
            "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [read]\n      effect: EFFECT_ALLOW\n",
        )
        .unwrap();
        let (r, out, err) = run(&args(dir.path()));
        assert_eq!(r.unwrap(), Exit::BuildFailed);
        assert_eq!(out, "");
        let first = err.lines().next().unwrap();
        assert!(first.starts_with("doc.yaml:6:"), "{err}");
        assert!(
            first.contains("does not specify any roles or derived roles"),
            "{err}"
        );
    }

    #[test]
    fn flag_errors() {
        let mut a = args(&repo());
        a.run = Some("nonsense".to_string());
        let e = run(&a).0.unwrap_err();
        assert!(matches!(e, CliError::Flag { flag: "--run", .. }), "{e:?}");
        let mut a = args(&repo());
        a.tests = Some(repo().join("expense.yaml"));
        let e = run(&a).0.unwrap_err();
        assert!(matches!(e, CliError::NotADirectory { .. }), "{e:?}");
        assert_eq!(e.exit(), Exit::InvalidInput);
    }
}
