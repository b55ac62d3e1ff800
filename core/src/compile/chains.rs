//! Build-time scope chain rules (§11.3): every scoped resource or principal policy needs its
//! ancestors.

use std::collections::HashMap;

use super::model::Compiled;
use super::Origin;
use crate::error::{BuildError, BuildErrorKind as K};
use crate::names::{self, sanitize};

/// Reports every missing ancestor, naming the missing key and the policies that need it.
pub(crate) fn check(c: &Compiled, origins: &HashMap<String, Origin>, errors: &mut Vec<BuildError>) {
    // missing key → (descendant keys)
    let mut missing: Vec<(String, Vec<String>)> = Vec::new();
    let mut note = |missing_key: String, child: &str| match missing
        .iter_mut()
        .find(|(k, _)| *k == missing_key)
    {
        Some((_, v)) => v.push(child.to_string()),
        None => missing.push((missing_key, vec![child.to_string()])),
    };
    for (kind, versions) in &c.resources {
        for (version, scopes) in versions {
            for (scope, policy) in scopes.iter() {
                let mut s = scope;
                while let Some(parent) = names::parent_scope(s) {
                    let has_policy = scopes.contains(parent);
                    let has_role = c.roles.get(parent).is_some_and(|roles| {
                        roles.values().flatten().any(|rp| {
                            rp.version == *version
                                && rp.rules.iter().any(|r| r.resource.matches(kind))
                        })
                    });
                    if !has_policy && !has_role {
                        let key = format!("resource.{kind}.v{}", sanitize(version));
                        let key = if parent.is_empty() {
                            key
                        } else {
                            format!("{key}/{parent}")
                        };
                        note(key, &policy.key);
                    }
                    s = parent;
                }
            }
        }
    }
    for (id, versions) in &c.principals {
        for (version, scopes) in versions {
            for (scope, policy) in scopes.iter() {
                let mut s = scope;
                while let Some(parent) = names::parent_scope(s) {
                    if !scopes.contains(parent) {
                        let key = format!("principal.{}.v{}", sanitize(id), sanitize(version));
                        let key = if parent.is_empty() {
                            key
                        } else {
                            format!("{key}/{parent}")
                        };
                        note(key, &policy.key);
                    }
                    s = parent;
                }
            }
        }
    }
    for (key, mut children) in missing {
        children.sort();
        let Some(first) = children.first().and_then(|c| origins.get(c)) else {
            continue;
        };
        errors.push(
            BuildError::new(
                K::Scope,
                first.location.clone(),
                format!(
                    "missing ancestor policy `{key}` required by {}",
                    children
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with_help(
                "add the ancestor policy (it may have no rules), or enable it if it is disabled",
            ),
        );
    }
}
