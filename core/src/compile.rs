//! Building a policy set: parse every document, check every rule of the format, compile every
//! expression once, and index the result for evaluation. All problems are collected, not only
//! the first.

pub(crate) mod condition;
pub(crate) mod cx;
pub(crate) mod defs;
pub(crate) mod expr;
pub(crate) mod model;
pub(crate) mod scoped;

mod chains;
mod policies;

use std::collections::HashMap;

use crate::error::{BuildError, BuildErrorKind as K, BuildErrors};
use crate::load::{self, Parsed, Seg, Tree};
use crate::schema::SchemaStore;
use crate::source::Location;
use cx::FileCx;
use defs::Exports;
use model::Compiled;

/// Stack for building: the CEL parser recurses per nesting level, deeply in debug builds.
const BUILD_STACK: usize = 256 * 1024 * 1024;

/// Builds the compiled set from the files of a policy root, on a thread with a large stack
/// so that deeply nested expressions are reported as errors instead of overflowing the
/// caller's stack.
pub(crate) fn build(tree: &Tree) -> Result<Compiled, BuildErrors> {
    std::thread::scope(|s| {
        let handle = std::thread::Builder::new()
            .name("authz-build".into())
            .stack_size(BUILD_STACK)
            .spawn_scoped(s, || build_here(tree));
        match handle.map(|h| h.join()) {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(BuildErrors(vec![BuildError::new(
                K::Io,
                Location::file("<policy set>"),
                "internal error while building the policy set",
            )])),
            // No thread could be started: build here.
            Err(_) => build_here(tree),
        }
    })
}

fn build_here(tree: &Tree) -> Result<Compiled, BuildErrors> {
    let mut errors: Vec<BuildError> = tree.errors.clone();
    let parsed = load::parse_policies(&tree.policies, &mut errors);

    // Envelope checks; keep enabled documents with exactly one body.
    let mut enabled: Vec<&Parsed> = Vec::new();
    for p in &parsed {
        let mut cx = FileCx {
            path: &p.file.path,
            root: &p.root,
            errors: &mut errors,
        };
        if p.doc.api_version != "api.cerbos.dev/v1" {
            cx.err(
                K::Schema,
                &[Seg::Key("apiVersion")],
                format!(
                    "unsupported apiVersion `{}`: expected `api.cerbos.dev/v1`",
                    p.doc.api_version
                ),
            );
            continue;
        }
        let d = &p.doc;
        let bodies = [
            d.resource_policy.is_some(),
            d.principal_policy.is_some(),
            d.derived_roles.is_some(),
            d.role_policy.is_some(),
            d.export_variables.is_some(),
            d.export_constants.is_some(),
        ]
        .iter()
        .filter(|x| **x)
        .count();
        if bodies != 1 {
            cx.err(
                K::Schema,
                &[],
                "a policy document needs exactly one of `resourcePolicy`, `principalPolicy`, `derivedRoles`, `rolePolicy`, `exportVariables` or `exportConstants`",
            );
            continue;
        }
        if !d.disabled {
            enabled.push(p);
        }
    }

    // Named sets: exported variables/constants and derived roles.
    let mut exports = Exports::default();
    let mut derived_sets: HashMap<String, &Parsed> = HashMap::new();
    for p in &enabled {
        let mut cx = FileCx {
            path: &p.file.path,
            root: &p.root,
            errors: &mut errors,
        };
        let (name, kind, map): (&str, &str, &mut HashMap<String, &Parsed>) =
            if let Some(v) = &p.doc.export_variables {
                (&v.name, "exportVariables", &mut exports.vars)
            } else if let Some(c) = &p.doc.export_constants {
                (&c.name, "exportConstants", &mut exports.consts)
            } else if let Some(r) = &p.doc.derived_roles {
                (&r.name, "derivedRoles", &mut derived_sets)
            } else {
                continue;
            };
        if !crate::names::is_valid_name_ref(name) {
            cx.err(
                K::Schema,
                &[Seg::Key(kind), Seg::Key("name")],
                format!("invalid name `{name}`"),
            );
        }
        if let Some(prev) = map.get(name) {
            cx.err(
                K::Duplicate,
                &[Seg::Key(kind), Seg::Key("name")],
                format!(
                    "duplicate {kind} `{name}`: also defined in {}",
                    prev.file.path
                ),
            );
        } else {
            map.insert(name.to_string(), p);
        }
    }

    let schema_store = SchemaStore::new(tree.schemas.iter().map(|f| {
        let rel = f
            .path
            .strip_prefix("_schemas/")
            .unwrap_or(&f.path)
            .to_string();
        (rel, f.text.to_string())
    }));

    let mut b = policies::Builder {
        errors: &mut errors,
        exports: &exports,
        derived_sets: &derived_sets,
        derived_cache: HashMap::new(),
        schema_store: &schema_store,
        out: Compiled::default(),
        next_defs_id: 0,
        origins: HashMap::new(),
        perm_owners: HashMap::new(),
    };
    b.compile_derived_sets(&enabled);
    for p in &enabled {
        b.compile(p);
    }
    let origins = std::mem::take(&mut b.origins);
    let mut compiled = b.out;
    chains::check(&compiled, &origins, &mut errors);

    if errors.is_empty() {
        compiled.policy_count = enabled.len();
        Ok(compiled)
    } else {
        errors.sort_by(|a, b| a.location.cmp(&b.location));
        errors.dedup();
        Err(BuildErrors(errors))
    }
}

/// Where a compiled policy came from, for chain errors.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    pub(crate) location: Location,
}
