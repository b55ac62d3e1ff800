#![doc = include_str!("../README.md")]

mod check;
mod compile;
mod error;
mod fields;
mod flags;
mod input;
mod output;
mod plan;
mod policies;

use std::io::{Read, Write};

use clap::{Parser, Subcommand};

pub use check::{check, CheckArgs};
pub use compile::{compile, CompileArgs};
pub use error::{CliError, Exit, FieldError};
pub use flags::{EngineFlags, SchemaEnforcementArg};
pub use output::OutputFormat;
pub use plan::{plan, PlanArgs};

/// The `authz` command line; parse it with [`clap::Parser`], run it with [`run`].
#[derive(Debug, Clone, Parser)]
#[command(
    name = "authz",
    version,
    about = "Compile, test and query authz policy sets",
    long_about = None
)]
pub struct Cli {
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Load and validate a policy directory, then run its test suites.
    Compile(CompileArgs),
    /// Evaluate a CheckResources request (or engine-level check inputs) against a policy directory.
    Check(CheckArgs),
    /// Turn a PlanResources request (or engine-level plan inputs) into a filter over resource
    /// attributes.
    Plan(PlanArgs),
}

/// Runs a parsed command line: `stdin` feeds `check`/`plan --input -`, results go to `stdout`,
/// diagnostics to `stderr`. Returns the process exit status.
///
/// ```
/// use authz_cli::{run, Cli, Command, Exit};
/// use clap::Parser;
///
/// let cli = Cli::try_parse_from(["authz", "compile", "policies", "--skip-tests"]).unwrap();
/// assert!(matches!(cli.command, Command::Compile(ref a) if a.skip_tests));
///
/// let cli = Cli::try_parse_from(["authz", "check", "--policies", "/nonexistent/dir"]).unwrap();
/// let (mut out, mut err) = (Vec::new(), Vec::new());
/// let exit = run(&cli, &mut "{}".as_bytes(), &mut out, &mut err);
/// assert_eq!(exit, Exit::InvalidInput);
/// assert!(String::from_utf8(err).unwrap().starts_with("error: "));
/// ```
pub fn run(
    cli: &Cli,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Exit {
    let result = match &cli.command {
        Command::Compile(args) => compile(args, stdout, stderr),
        Command::Check(args) => check(args, stdin, stdout, stderr),
        Command::Plan(args) => plan(args, stdin, stdout, stderr),
    };
    match result {
        Ok(exit) => exit,
        // A closed pipe (`authz ... | head`) is not worth a message.
        Err(CliError::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::OutputFailed,
        Err(e) => {
            // Nothing more can be done if stderr itself is gone.
            let _ = writeln!(stderr, "error: {e}");
            e.exit()
        }
    }
}
