//! Finding and parsing policy files: directory trees, in-memory sources and embedded trees.
//!
//! Which files count is `policy-format.md` §1.1: hidden paths and `testdata/` are skipped,
//! `*_test.yaml` files are test suites, `_schemas/**/*.json` are JSON Schemas.

use std::path::Path;
use std::sync::Arc;

use crate::error::{BuildError, BuildErrorKind};
use crate::policy::doc::PolicyDoc;
use crate::source::{Location, SourceFile};
use crate::yaml;

/// What a path inside a policy root is (§1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// A policy document.
    Policy,
    /// A test suite (`*_test.yaml`).
    TestSuite,
    /// A JSON Schema under the root's `_schemas/`.
    Schema,
    /// A `_schemas` directory that is not at the root: a build error.
    MisplacedSchemas,
    /// A fixture file under a `testdata/` directory.
    TestData,
    /// Anything else.
    Ignored,
}

/// Classifies a path relative to the policy root, with `/` separators.
pub(crate) fn classify(rel: &str) -> FileKind {
    let segments: Vec<&str> = rel.split('/').filter(|s| !s.is_empty()).collect();
    let Some((file, dirs)) = segments.split_last() else {
        return FileKind::Ignored;
    };
    if segments.iter().any(|s| s.starts_with('.')) {
        return FileKind::Ignored;
    }
    let lower = file.to_ascii_lowercase();
    if dirs.first() == Some(&"_schemas") {
        return if lower.ends_with(".json") {
            FileKind::Schema
        } else {
            FileKind::Ignored
        };
    }
    if dirs.contains(&"_schemas") {
        return FileKind::MisplacedSchemas;
    }
    let is_data = [".yaml", ".yml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e));
    if !is_data {
        return FileKind::Ignored;
    }
    if dirs.contains(&"testdata") {
        return FileKind::TestData;
    }
    if ["_test.yaml", "_test.yml", "_test.json"]
        .iter()
        .any(|e| lower.ends_with(e))
    {
        return FileKind::TestSuite;
    }
    FileKind::Policy
}

/// The files of a policy root, sorted by path.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub(crate) policies: Vec<SourceFile>,
    pub(crate) schemas: Vec<SourceFile>,
    pub(crate) tests: Vec<SourceFile>,
    pub(crate) testdata: Vec<SourceFile>,
    pub(crate) errors: Vec<BuildError>,
}

impl Tree {
    /// Sorts files into their kinds.
    pub(crate) fn from_files(files: impl IntoIterator<Item = SourceFile>) -> Tree {
        let mut tree = Tree::default();
        for f in files {
            match classify(&f.path) {
                FileKind::Policy => tree.policies.push(f),
                FileKind::TestSuite => tree.tests.push(f),
                FileKind::Schema => tree.schemas.push(f),
                FileKind::TestData => tree.testdata.push(f),
                FileKind::MisplacedSchemas => tree.errors.push(BuildError::new(
                    BuildErrorKind::Schema,
                    Location::file(f.path.clone()),
                    "a `_schemas` directory is only allowed at the root of the policy directory",
                )),
                FileKind::Ignored => {}
            }
        }
        for v in [
            &mut tree.policies,
            &mut tree.schemas,
            &mut tree.tests,
            &mut tree.testdata,
        ] {
            v.sort_by(|a, b| a.path.cmp(&b.path));
        }
        tree
    }

    /// Reads every relevant file under `root`.
    pub(crate) fn read_dir(root: &Path) -> Tree {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        walk(root, "", &mut files, &mut errors);
        let mut tree = Tree::from_files(files);
        tree.errors.extend(errors);
        tree
    }
}

fn walk(dir: &Path, rel: &str, files: &mut Vec<SourceFile>, errors: &mut Vec<BuildError>) {
    let io_err = |e: std::io::Error, path: &str| {
        BuildError::new(
            BuildErrorKind::Io,
            Location::file(if path.is_empty() {
                dir.display().to_string()
            } else {
                path.to_string()
            }),
            format!("cannot read: {e}"),
        )
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(io_err(e, rel));
            return;
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() || (ft.is_symlink() && path.is_dir()) {
            walk(&path, &child_rel, files, errors);
            continue;
        }
        if classify(&child_rel) == FileKind::Ignored {
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => files.push(SourceFile {
                path: child_rel.into(),
                text: text.into(),
            }),
            Err(e) => errors.push(io_err(e, &child_rel)),
        }
    }
}

/// One parsed policy document with its YAML tree, kept for locating errors.
#[derive(Debug)]
pub(crate) struct Parsed {
    pub(crate) file: SourceFile,
    pub(crate) root: yaml::Node,
    pub(crate) doc: PolicyDoc,
}

/// Parses the single document of a file and deserializes it as `T`. Returns `Ok(None)` for an
/// empty file.
pub(crate) fn parse_document<T: serde::de::DeserializeOwned>(
    file: &SourceFile,
) -> Result<Option<(yaml::Node, T)>, BuildError> {
    let loc = |p: yaml::Pos| Location::at(file.path.clone(), p.line, p.col);
    let mut docs = yaml::parse(&file.text)
        .map_err(|e| BuildError::new(BuildErrorKind::Syntax, loc(e.pos), e.message))?;
    if docs.len() > 1 {
        let second = docs.get(1).map(|d| d.pos).unwrap_or_default();
        return Err(BuildError::new(
            BuildErrorKind::Syntax,
            loc(second),
            "more than one document in the file",
        )
        .with_help("put each policy in its own file"));
    }
    let Some(root) = docs.pop() else {
        return Ok(None);
    };
    if root.value == yaml::Value::Null {
        return Ok(None);
    }
    let json = root.to_json();
    match serde_path_to_error::deserialize::<_, T>(json) {
        Ok(doc) => Ok(Some((root, doc))),
        Err(e) => {
            let path = e.path().clone();
            let inner = e.into_inner().to_string();
            let pos = root.error_pos(&path, &inner);
            let field = path.to_string();
            let message = if field.is_empty() || field == "." {
                inner
            } else {
                format!("{inner} (at `{field}`)")
            };
            Err(BuildError::new(BuildErrorKind::Schema, loc(pos), message))
        }
    }
}

/// Parses every policy file, collecting errors.
pub(crate) fn parse_policies(files: &[SourceFile], errors: &mut Vec<BuildError>) -> Vec<Parsed> {
    let mut out = Vec::new();
    for f in files {
        match parse_document::<PolicyDoc>(f) {
            Ok(Some((root, doc))) => out.push(Parsed {
                file: f.clone(),
                root,
                doc,
            }),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    out
}

/// A path segment used to find a node in a parsed document.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Seg<'a> {
    /// A mapping key (camelCase; the snake_case alias is tried too).
    Key(&'a str),
    /// A sequence index.
    Index(usize),
}

/// The node at `path`, or the deepest ancestor that exists.
pub(crate) fn node_at<'n>(root: &'n yaml::Node, path: &[Seg<'_>]) -> &'n yaml::Node {
    let mut node = root;
    for seg in path {
        let next = match (seg, &node.value) {
            (Seg::Key(k), yaml::Value::Map(entries)) => {
                let snake = to_snake(k);
                entries
                    .iter()
                    .find(|e| e.key == *k || e.key == snake)
                    .map(|e| &e.value)
            }
            (Seg::Index(i), yaml::Value::Seq(items)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

fn to_snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Makes a [`SourceFile`] from a name and text.
pub(crate) fn source(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: Arc::from(path),
        text: Arc::from(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths_per_spec() {
        assert_eq!(classify("a/b.yaml"), FileKind::Policy);
        assert_eq!(classify("a/B.YML"), FileKind::Policy);
        assert_eq!(classify("x.json"), FileKind::Policy);
        assert_eq!(classify("a/report_test.yaml"), FileKind::TestSuite);
        assert_eq!(classify("a/Report_TEST.json"), FileKind::TestSuite);
        assert_eq!(classify("_schemas/p.json"), FileKind::Schema);
        assert_eq!(classify("_schemas/a/p.json"), FileKind::Schema);
        assert_eq!(classify("_schemas/readme.md"), FileKind::Ignored);
        assert_eq!(classify("a/_schemas/p.json"), FileKind::MisplacedSchemas);
        assert_eq!(classify("a/testdata/principals.yaml"), FileKind::TestData);
        assert_eq!(classify(".hidden/a.yaml"), FileKind::Ignored);
        assert_eq!(classify("a/.b.yaml"), FileKind::Ignored);
        assert_eq!(classify("a/readme.md"), FileKind::Ignored);
    }
}
