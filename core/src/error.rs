//! Build errors: everything that stops a policy set from loading, each with its location.

use std::fmt;

use crate::source::Location;

/// What kind of problem a [`BuildError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuildErrorKind {
    /// The file could not be read.
    Io,
    /// The YAML or JSON does not parse.
    Syntax,
    /// A field is unknown, missing, of the wrong type, or breaks a constraint of the format.
    Schema,
    /// A CEL expression does not parse or refers to something that does not exist.
    Cel,
    /// A reference (import, derived role, variable, constant, schema) cannot be resolved.
    Reference,
    /// Two definitions clash (duplicate policies, redefined variables, ambiguous roles).
    Duplicate,
    /// Variables or constants refer to each other in a cycle.
    Cycle,
    /// A scope chain is broken or its `scopePermissions` disagree.
    Scope,
}

/// One problem found while building a policy set.
///
/// Displayed as `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildError {
    /// Where the problem is.
    pub location: Location,
    /// The category.
    pub kind: BuildErrorKind,
    /// What is wrong (lowercase, user input in backticks).
    pub message: String,
    /// How to fix it, when there is a useful hint.
    pub help: Option<String>,
}

impl BuildError {
    pub(crate) fn new(
        kind: BuildErrorKind,
        location: Location,
        message: impl Into<String>,
    ) -> Self {
        BuildError {
            location,
            kind,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(help) = &self.help {
            write!(f, " (help: {help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildError {}

/// Every problem found while building a policy set, sorted by location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildErrors(pub Vec<BuildError>);

impl BuildErrors {
    /// The individual errors.
    pub fn errors(&self) -> &[BuildError] {
        &self.0
    }
}

impl fmt::Display for BuildErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "policy set failed to build ({n} error{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BuildErrors {}
