//! A compiled, immutable set of policies.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::compile::{self, model::Compiled};
use crate::error::BuildErrors;
use crate::load::{self, Tree};
use crate::names::sanitize;

/// Every policy of a policy root, validated, compiled and indexed. Cheap to clone.
///
/// ```
/// use authz_core::PolicySet;
///
/// let set = PolicySet::from_sources([(
///     "expense.yaml",
///     r#"
/// apiVersion: api.cerbos.dev/v1
/// resourcePolicy:
///   resource: expense
///   version: default
///   rules:
///     - actions: [view]
///       effect: EFFECT_ALLOW
///       roles: [user]
/// "#,
/// )])
/// .expect("valid policies");
/// assert_eq!(set.len(), 1);
/// assert_eq!(set.actions("expense"), vec!["view"]);
/// ```
#[derive(Clone)]
pub struct PolicySet {
    pub(crate) inner: Arc<Compiled>,
}

impl fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PolicySet")
            .field("policies", &self.inner.policy_count)
            .finish_non_exhaustive()
    }
}

impl PolicySet {
    /// Loads every policy under `dir` (§1.1: hidden paths, `testdata/` and test suites are
    /// skipped; `_schemas/` holds JSON Schemas).
    ///
    /// # Errors
    /// Every problem found, each with file, line and column.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<PolicySet, BuildErrors> {
        Self::from_tree(&Tree::read_dir(dir.as_ref()))
    }

    /// Builds from in-memory files: `(path, text)` pairs. Paths are classified like files of a
    /// policy root (`_schemas/x.json` is a schema, `*_test.yaml` is skipped).
    ///
    /// # Errors
    /// Every problem found, each with file, line and column.
    pub fn from_sources<P: AsRef<str>, T: AsRef<str>>(
        sources: impl IntoIterator<Item = (P, T)>,
    ) -> Result<PolicySet, BuildErrors> {
        let files = sources
            .into_iter()
            .map(|(p, t)| load::source(p.as_ref(), t.as_ref()));
        Self::from_tree(&Tree::from_files(files))
    }

    /// Builds from a directory embedded in the binary with [`include_dir::include_dir!`], so a
    /// service needs no policy files at run time.
    ///
    /// ```
    /// use authz_core::{include_dir, PolicySet};
    /// static POLICIES: include_dir::Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/tests/embedded");
    /// let set = PolicySet::from_embedded(&POLICIES).expect("valid policies");
    /// assert!(set.len() >= 1);
    /// ```
    ///
    /// # Errors
    /// Every problem found, each with file, line and column.
    #[cfg(feature = "embed")]
    pub fn from_embedded(dir: &include_dir::Dir<'_>) -> Result<PolicySet, BuildErrors> {
        let mut files = Vec::new();
        collect_embedded(dir, &mut files);
        Self::from_sources(files)
    }

    pub(crate) fn from_tree(tree: &Tree) -> Result<PolicySet, BuildErrors> {
        compile::build(tree).map(|c| PolicySet { inner: Arc::new(c) })
    }

    /// Number of enabled policy documents (all kinds).
    pub fn len(&self) -> usize {
        self.inner.policy_count
    }

    /// Whether the set has no policies.
    pub fn is_empty(&self) -> bool {
        self.inner.policy_count == 0
    }

    /// Every action named literally by a resource rule for `kind`, sorted and deduplicated:
    /// for startup checks that a route's declared action exists.
    pub fn actions(&self, kind: &str) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .inner
            .actions
            .get(sanitize(kind).as_ref())
            .map(|a| a.iter().map(String::as_str).collect())
            .unwrap_or_default();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Whether some resource policy governs `kind`.
    pub fn has_resource_kind(&self, kind: &str) -> bool {
        self.inner.resources.contains_key(sanitize(kind).as_ref())
    }

    /// Whether a rule of some policy for `kind` could match `action` (literal or glob).
    pub fn knows_action(&self, kind: &str, action: &str) -> bool {
        let kind = sanitize(kind);
        let Some(versions) = self.inner.resources.get(kind.as_ref()) else {
            return false;
        };
        versions
            .values()
            .flat_map(|scopes| scopes.values())
            .any(|p| p.index.rules_for(action).next().is_some())
    }
}

#[cfg(feature = "embed")]
fn collect_embedded<'a>(dir: &'a include_dir::Dir<'a>, out: &mut Vec<(String, &'a str)>) {
    for entry in dir.entries() {
        match entry {
            include_dir::DirEntry::Dir(d) => collect_embedded(d, out),
            include_dir::DirEntry::File(f) => {
                if let Some(text) = f.contents_utf8() {
                    out.push((f.path().to_string_lossy().replace('\\', "/"), text));
                }
            }
        }
    }
}
