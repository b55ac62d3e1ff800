//! What can go wrong in a command, and the exit status each outcome maps to.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// The process exit status of a command.
///
/// ```
/// use authz_cli::Exit;
/// assert_eq!(Exit::BuildFailed.code(), 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `0`: the command did what was asked; every test passed or was skipped.
    Success,
    /// `1`: the output could not be written.
    OutputFailed,
    /// `2`: bad usage or input: an invalid flag value, unreadable file, malformed or invalid
    /// request.
    InvalidInput,
    /// `3`: the policies failed to build.
    BuildFailed,
    /// `4`: a policy test failed or errored.
    TestsFailed,
    /// `5`: no plan was written: the policies need something a filter cannot express
    /// exactly (or the planner failed), so no filter is safe to return.
    PlanRefused,
}

impl Exit {
    /// The numeric exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::OutputFailed => 1,
            Exit::InvalidInput => 2,
            Exit::BuildFailed => 3,
            Exit::TestsFailed => 4,
            Exit::PlanRefused => 5,
        }
    }
}

/// A problem with one field of a request, named by its path (`resources[0].actions[1]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the offending field, in the request's JSON (camelCase) names.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    pub(crate) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.field, self.message)
        }
    }
}

/// A command that could not run to a result. Policy build failures and failed tests are not
/// errors: they are reported by the command and mapped to their [`Exit`] status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A file or directory could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The path, as given.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A path that must be a directory is not one.
    #[error("`{}` is not a directory", path.display())]
    NotADirectory {
        /// The path, as given.
        path: PathBuf,
    },
    /// The input is not valid JSON or does not have the expected shape, or breaks a rule of
    /// `json-io.md` §2. Every problem found is listed.
    #[error("invalid {what}:{}", list(.errors))]
    InvalidInput {
        /// What was being read (`CheckResources request`, `engine input`).
        what: &'static str,
        /// The problems, each naming its field.
        errors: Vec<FieldError>,
    },
    /// A plan could not be made faithfully (`query-plan.md`): the filter would pass more or
    /// fewer resources than checks allow, so none is returned. One entry per failed input
    /// (`field` is `inputs[i]` in `--engine` mode, empty for a single request).
    #[error("{}", plan_list(.errors))]
    Plan {
        /// Why each failed input could not be planned.
        errors: Vec<FieldError>,
    },
    /// A flag has an unusable value.
    #[error("invalid value for `{flag}`: {message}")]
    Flag {
        /// The flag, e.g. `--run`.
        flag: &'static str,
        /// What is wrong.
        message: String,
    },
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Write(#[from] io::Error),
}

fn list(errors: &[FieldError]) -> String {
    match errors {
        [one] => format!(" {one}"),
        many => many.iter().map(|e| format!("\n  {e}")).collect(),
    }
}

fn plan_list(errors: &[FieldError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => format!("cannot plan {} inputs:{}", many.len(), list(many)),
    }
}

impl CliError {
    /// The exit status this error maps to.
    pub fn exit(&self) -> Exit {
        match self {
            CliError::Write(_) => Exit::OutputFailed,
            CliError::Plan { .. } => Exit::PlanRefused,
            _ => Exit::InvalidInput,
        }
    }
}
