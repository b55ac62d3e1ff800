//! The per-file build context: where errors go and how they are located.

use crate::error::{BuildError, BuildErrorKind};
use crate::load::{self, Seg};
use crate::source::Location;
use crate::yaml;

/// A file being compiled: its path, its YAML tree, and the shared error list.
pub(crate) struct FileCx<'a> {
    pub(crate) path: &'a std::sync::Arc<str>,
    pub(crate) root: &'a yaml::Node,
    pub(crate) errors: &'a mut Vec<BuildError>,
}

impl FileCx<'_> {
    /// The location of the node at `path`.
    pub(crate) fn loc(&self, path: &[Seg<'_>]) -> Location {
        let n = load::node_at(self.root, path);
        Location::at(self.path.clone(), n.pos.line, n.pos.col)
    }

    /// The node at `path`.
    pub(crate) fn node(&self, path: &[Seg<'_>]) -> &yaml::Node {
        load::node_at(self.root, path)
    }

    /// Records an error at the node at `path`.
    pub(crate) fn err(&mut self, kind: BuildErrorKind, path: &[Seg<'_>], msg: impl Into<String>) {
        let loc = self.loc(path);
        self.errors.push(BuildError::new(kind, loc, msg));
    }

    /// Records an error with a hint.
    pub(crate) fn err_help(
        &mut self,
        kind: BuildErrorKind,
        path: &[Seg<'_>],
        msg: impl Into<String>,
        help: impl Into<String>,
    ) {
        let loc = self.loc(path);
        self.errors
            .push(BuildError::new(kind, loc, msg).with_help(help));
    }

    /// Records an error at an explicit position.
    pub(crate) fn err_at(&mut self, kind: BuildErrorKind, pos: yaml::Pos, msg: impl Into<String>) {
        let loc = Location::at(self.path.clone(), pos.line, pos.col);
        self.errors.push(BuildError::new(kind, loc, msg));
    }
}

/// Appends a segment to a path.
pub(crate) fn join<'p>(base: &[Seg<'p>], more: &[Seg<'p>]) -> Vec<Seg<'p>> {
    let mut v = base.to_vec();
    v.extend_from_slice(more);
    v
}
