//! Test fixtures: the `testdata/` files beside a suite (§16.1), and the lookup of principals,
//! resources, groups and aux data where the suite's own definitions shadow the fixtures.

use indexmap::IndexMap;

use super::suite::{AuxDataFixture, PrincipalsFixture, ResourcesFixture, SuiteDoc};
use crate::error::{BuildError, BuildErrorKind};
use crate::load::{self, Seg};
use crate::request::{AuxData, Principal, Resource};
use crate::source::{Location, SourceFile};
use crate::yaml;

/// A principal or resource group with the location of each member.
#[derive(Debug)]
pub(crate) struct Group {
    /// Member keys, each with where it is written.
    pub(crate) members: Vec<(String, Location)>,
}

/// Builds [`Group`]s from `name -> members`, locating members at `<key>.<name>.<inner>[i]`.
pub(crate) fn groups(
    path: &std::sync::Arc<str>,
    root: &yaml::Node,
    key: &str,
    inner: &str,
    defs: impl IntoIterator<Item = (String, Vec<String>)>,
) -> IndexMap<String, Group> {
    defs.into_iter()
        .map(|(name, members)| {
            let members = members
                .into_iter()
                .enumerate()
                .map(|(i, m)| {
                    let at = [
                        Seg::Key(key),
                        Seg::Key(&name),
                        Seg::Key(inner),
                        Seg::Index(i),
                    ];
                    (m, locate(path, root, &at))
                })
                .collect();
            (name, Group { members })
        })
        .collect()
}

/// The location of the node at `at` (or its deepest existing ancestor).
pub(crate) fn locate(path: &std::sync::Arc<str>, root: &yaml::Node, at: &[Seg<'_>]) -> Location {
    let n = load::node_at(root, at);
    Location::at(path.clone(), n.pos.line, n.pos.col)
}

/// The fixtures of one directory.
#[derive(Debug, Default)]
pub(crate) struct Fixtures {
    pub(crate) principals: IndexMap<String, Principal>,
    pub(crate) principal_groups: IndexMap<String, Group>,
    pub(crate) resources: IndexMap<String, Resource>,
    pub(crate) resource_groups: IndexMap<String, Group>,
    pub(crate) aux_data: IndexMap<String, AuxData>,
}

/// Which fixture a file in `testdata/` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Principals,
    Resources,
    AuxData,
}

impl Kind {
    fn of(file_name: &str) -> Option<Kind> {
        let lower = file_name.to_ascii_lowercase();
        let (stem, ext) = lower.rsplit_once('.')?;
        if !matches!(ext, "yaml" | "yml" | "json") {
            return None;
        }
        match stem {
            "principals" => Some(Kind::Principals),
            "resources" => Some(Kind::Resources),
            "auxdata" | "aux_data" => Some(Kind::AuxData),
            _ => None,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Principals => "principals",
            Kind::Resources => "resources",
            Kind::AuxData => "aux data",
        }
    }
}

/// The directory part of a `/`-separated path (empty for a file at the root).
pub(crate) fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// Loads the fixtures in `<dir>/testdata/` from `testdata` (every fixture file of the tree).
///
/// # Errors
/// Every fixture file that fails to parse, and a fixture given by more than one file.
pub(crate) fn load(dir: &str, testdata: &[SourceFile]) -> Result<Fixtures, Vec<BuildError>> {
    let prefix = if dir.is_empty() {
        "testdata/".to_string()
    } else {
        format!("{dir}/testdata/")
    };
    let mut found: Vec<(Kind, &SourceFile)> = Vec::new();
    for f in testdata {
        let Some(name) = f.path.strip_prefix(prefix.as_str()) else {
            continue;
        };
        if name.contains('/') {
            continue;
        }
        if let Some(kind) = Kind::of(name) {
            found.push((kind, f));
        }
    }
    let mut errors = Vec::new();
    let mut fx = Fixtures::default();
    for kind in [Kind::Principals, Kind::Resources, Kind::AuxData] {
        let files: Vec<&SourceFile> = found
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, f)| *f)
            .collect();
        let Some((first, rest)) = files.split_first() else {
            continue;
        };
        if !rest.is_empty() {
            let names: Vec<String> = files.iter().map(|f| format!("`{}`", f.path)).collect();
            errors.push(
                BuildError::new(
                    BuildErrorKind::Duplicate,
                    Location::file(first.path.clone()),
                    format!(
                        "{} fixtures are defined by more than one file: {}",
                        kind.noun(),
                        names.join(", ")
                    ),
                )
                .with_help("keep one of them"),
            );
            continue;
        }
        if let Err(e) = load_one(kind, first, &mut fx) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(fx)
    } else {
        Err(errors)
    }
}

fn load_one(kind: Kind, file: &SourceFile, fx: &mut Fixtures) -> Result<(), BuildError> {
    match kind {
        Kind::Principals => {
            if let Some((root, doc)) = load::parse_document::<PrincipalsFixture>(file)? {
                fx.principals = doc.principals;
                fx.principal_groups = groups(
                    &file.path,
                    &root,
                    "principalGroups",
                    "principals",
                    doc.principal_groups
                        .into_iter()
                        .map(|(k, g)| (k, g.principals)),
                );
            }
        }
        Kind::Resources => {
            if let Some((root, doc)) = load::parse_document::<ResourcesFixture>(file)? {
                fx.resources = doc.resources;
                fx.resource_groups = groups(
                    &file.path,
                    &root,
                    "resourceGroups",
                    "resources",
                    doc.resource_groups
                        .into_iter()
                        .map(|(k, g)| (k, g.resources)),
                );
            }
        }
        Kind::AuxData => {
            if let Some((_, doc)) = load::parse_document::<AuxDataFixture>(file)? {
                fx.aux_data = doc.aux_data;
            }
        }
    }
    Ok(())
}

/// What a suite can refer to: its own definitions first, then the directory's fixtures.
#[derive(Debug)]
pub(crate) struct Catalog<'a> {
    pub(crate) suite: &'a SuiteDoc,
    pub(crate) principal_groups: IndexMap<String, Group>,
    pub(crate) resource_groups: IndexMap<String, Group>,
    pub(crate) fixtures: &'a Fixtures,
}

impl<'a> Catalog<'a> {
    /// The principal defined under `key`.
    pub(crate) fn principal(&self, key: &str) -> Option<&'a Principal> {
        self.suite
            .principals
            .get(key)
            .or_else(|| self.fixtures.principals.get(key))
    }

    /// The resource defined under `key`.
    pub(crate) fn resource(&self, key: &str) -> Option<&'a Resource> {
        self.suite
            .resources
            .get(key)
            .or_else(|| self.fixtures.resources.get(key))
    }

    /// The aux data defined under `key`.
    pub(crate) fn aux_data(&self, key: &str) -> Option<&'a AuxData> {
        self.suite
            .aux_data
            .get(key)
            .or_else(|| self.fixtures.aux_data.get(key))
    }

    /// The principal group `name`.
    pub(crate) fn principal_group(&self, name: &str) -> Option<&Group> {
        self.principal_groups
            .get(name)
            .or_else(|| self.fixtures.principal_groups.get(name))
    }

    /// The resource group `name`.
    pub(crate) fn resource_group(&self, name: &str) -> Option<&Group> {
        self.resource_groups
            .get(name)
            .or_else(|| self.fixtures.resource_groups.get(name))
    }
}
