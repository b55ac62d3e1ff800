//! Maps keyed by scope that never compare the root scope's empty key, and the fast hash of
//! the compiled index.
//!
//! The root scope is the empty string. Comparing two empty strings looks free but is not:
//! `str` equality calls `memcmp` even for length 0, and glibc's AVX-512 `memcmp` (picked on
//! CPUs that have it) issues a masked load at the empty string's dangling pointer (`0x1`),
//! which costs a microcode assist of ~130 ns (BENCHMARKS.md, "empty-string comparisons").
//! A check looks the root scope up several times, so [`ByScope`] keeps the root entry in a
//! field of its own and answers `""` without touching the map.
//!
//! ```text
//! ByScope { root: Some(policy at ""), nested: { "acme": .., "acme.hr": .. } }
//! get("")        → root            (no hashing, no comparison)
//! get("acme.hr") → nested lookup
//! ```

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// The hasher of the compiled index and of per-check tables: foldhash, several times faster
/// than the default SipHash on the short names looked up per check. Keys are inserted from
/// policies only (requests just look up), and the seed is still random per process.
pub(crate) type FastHash = foldhash::fast::RandomState;

/// A `HashMap` with [`FastHash`].
pub(crate) type FastMap<K, V> = HashMap<K, V, FastHash>;

/// Values by scope; the root scope (`""`) is held apart (see the module docs).
///
/// `K` is the owned key type of the nested scopes: `String` in the compiled index, `&str`
/// in per-check tables.
#[derive(Debug, Clone)]
pub(crate) struct ByScope<T, K = String> {
    root: Option<T>,
    nested: FastMap<K, T>,
}

/// A set of scopes.
pub(crate) type ScopeSet = ByScope<()>;

impl<T, K> Default for ByScope<T, K> {
    fn default() -> Self {
        ByScope {
            root: None,
            nested: FastMap::default(),
        }
    }
}

impl<T, K: Borrow<str> + Hash + Eq> ByScope<T, K> {
    /// The value at `scope`.
    pub(crate) fn get(&self, scope: &str) -> Option<&T> {
        if scope.is_empty() {
            self.root.as_ref()
        } else {
            self.nested.get(scope)
        }
    }

    /// Whether `scope` has a value.
    pub(crate) fn contains(&self, scope: &str) -> bool {
        self.get(scope).is_some()
    }

    /// The value at `scope`, inserted with `make` if absent.
    pub(crate) fn get_or_insert_with(&mut self, scope: K, make: impl FnOnce() -> T) -> &mut T {
        if scope.borrow().is_empty() {
            self.root.get_or_insert_with(make)
        } else {
            self.nested.entry(scope).or_insert_with(make)
        }
    }

    /// Sets the value at `scope`, returning the previous one.
    pub(crate) fn insert(&mut self, scope: K, value: T) -> Option<T> {
        if scope.borrow().is_empty() {
            self.root.replace(value)
        } else {
            self.nested.insert(scope, value)
        }
    }

    /// Every `(scope, value)`, the root first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.root
            .iter()
            .map(|v| ("", v))
            .chain(self.nested.iter().map(|(k, v)| (k.borrow(), v)))
    }

    /// Every value, the root's first.
    pub(crate) fn values(&self) -> impl Iterator<Item = &T> {
        self.root.iter().chain(self.nested.values())
    }
}

impl ScopeSet {
    /// Adds `scope` to the set.
    pub(crate) fn add(&mut self, scope: &str) {
        if !self.contains(scope) {
            self.insert(scope.to_string(), ());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_and_nested_scopes_are_distinct_entries() {
        let mut m: ByScope<u8> = ByScope::default();
        assert_eq!(m.get(""), None);
        assert_eq!(m.insert(String::new(), 1), None);
        assert_eq!(m.insert("a".into(), 2), None);
        assert_eq!(m.insert("a.b".into(), 3), None);
        assert_eq!(m.insert(String::new(), 4), Some(1));
        assert_eq!(m.get(""), Some(&4));
        assert_eq!(m.get("a"), Some(&2));
        assert_eq!(m.get("a.b"), Some(&3));
        assert!(!m.contains("b"));
        *m.get_or_insert_with("b".into(), || 5) += 1;
        *m.get_or_insert_with(String::new(), || 9) += 1;
        let mut all: Vec<_> = m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        all.sort();
        assert_eq!(
            all,
            [
                ("".into(), 5),
                ("a".into(), 2),
                ("a.b".into(), 3),
                ("b".into(), 6)
            ]
        );
        assert_eq!(m.values().count(), 4);
    }

    #[test]
    fn scope_sets_hold_the_root_scope() {
        let mut s = ScopeSet::default();
        s.add("");
        s.add("x");
        s.add("x");
        assert!(s.contains("") && s.contains("x") && !s.contains("y"));
        assert_eq!(s.iter().count(), 2);
    }
}
