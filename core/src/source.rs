//! Where things were written: policy files and positions inside them.

use std::fmt;
use std::sync::Arc;

/// A policy or test file as loaded: its path (relative to the policy root, or the
/// name given to an in-memory source) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the policy root, with `/` separators, or a caller-chosen name.
    pub path: Arc<str>,
    /// The file's full text.
    pub text: Arc<str>,
}

/// A position in a policy file: file, 1-based line and 1-based column.
///
/// Displayed as `file:line:col`, the form editors and CI annotations understand.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file, as in [`SourceFile::path`].
    pub file: Arc<str>,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column (in characters); 0 when unknown.
    pub column: u32,
}

impl Location {
    /// A location naming only a file.
    pub fn file(file: impl Into<Arc<str>>) -> Self {
        Location {
            file: file.into(),
            line: 0,
            column: 0,
        }
    }

    /// A location at `line:column` of `file`.
    pub fn at(file: impl Into<Arc<str>>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}", self.file),
            (l, 0) => write!(f, "{}:{l}", self.file),
            (l, c) => write!(f, "{}:{l}:{c}", self.file),
        }
    }
}
