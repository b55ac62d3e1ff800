//! Cerbos's hierarchies: dotted paths such as `"eu.pt.lisbon"` (`cel-environment.md` §4).
//!
//! `hierarchy(s)` splits on `.`, `hierarchy(s, delim)` on `delim`, and `hierarchy(list)` takes
//! the elements of a list of strings. With `a = hierarchy("eu.pt.lisbon")`: `a.size() == 3`,
//! `a[1] == "pt"` (out of range is an error), `==` compares element-wise, `string(a)` joins with
//! `.`, and the relations `ancestorOf` (a strict prefix), `descendentOf`, `immediateParentOf`,
//! `immediateChildOf` (lengths differing by exactly one), `siblingOf` (equal lengths, equal but
//! for the last element: a hierarchy is its own sibling), `overlaps` (one a prefix of the other)
//! and `commonAncestors` (the common prefix, after dropping the last element of each when the
//! lengths are equal).

use std::any::Any;

use cel::common::functions::Function;
use cel::common::traits::Indexer;
use cel::common::types::{CelInt, CelString, Type, LIST_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, StaticVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

use super::lists::{boolean, elements, two_args};

/// The name of the type, and of the function that makes values of it.
const NAME: &str = "hierarchy";

/// The type of hierarchies.
pub(super) static HIERARCHY_TYPE: Type = Type::new_unspecified_type(NAME);

/// A hierarchy: its elements, root first.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Hierarchy(Vec<String>);

impl Hierarchy {
    /// The hierarchy of `elements`, root first.
    pub(super) fn new(elements: Vec<String>) -> Self {
        Self(elements)
    }

    /// Whether `self` is a strict prefix of `other`.
    fn ancestor_of(&self, other: &Self) -> bool {
        self.0.len() < other.0.len() && other.0.starts_with(&self.0)
    }

    /// Whether `self` is the parent of `other`.
    fn immediate_parent_of(&self, other: &Self) -> bool {
        self.0.len() + 1 == other.0.len() && self.ancestor_of(other)
    }

    /// Whether `self` and `other` are as long and equal but for their last elements.
    fn sibling_of(&self, other: &Self) -> bool {
        let n = self.0.len();
        n == other.0.len() && self.0[..n.saturating_sub(1)] == other.0[..n.saturating_sub(1)]
    }

    /// Whether one of `self` and `other` is a prefix of the other.
    fn overlaps(&self, other: &Self) -> bool {
        self.0.starts_with(&other.0) || other.0.starts_with(&self.0)
    }

    /// The common prefix of `self` and `other`, after dropping the last element of each when
    /// they are as long.
    fn common_ancestors(&self, other: &Self) -> Self {
        let (a, b) = (self.0.len(), other.0.len());
        let n = if a == b {
            a.saturating_sub(1)
        } else {
            a.min(b)
        };
        let common = self
            .0
            .iter()
            .zip(&other.0)
            .take(n)
            .take_while(|(x, y)| x == y)
            .count();
        Self(self.0[..common].to_vec())
    }
}

impl Val for Hierarchy {
    fn get_type(&self) -> &Type {
        &HIERARCHY_TYPE
    }

    fn cel_type() -> &'static Type {
        &HIERARCHY_TYPE
    }

    fn as_indexer<'b, 'v>(&'b self) -> Option<&'b (dyn Indexer + 'v)>
    where
        Self: 'v,
    {
        Some(self)
    }

    fn equals(&self, other: &dyn Val) -> bool {
        other.downcast_ref::<Hierarchy>() == Some(self)
    }

    fn clone_as_boxed<'v>(&self) -> Box<dyn Val + 'v>
    where
        Self: 'v,
    {
        Box::new(self.clone())
    }

    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

impl StaticVal for Hierarchy {}

impl Indexer for Hierarchy {
    fn get<'b, 'v>(&'b self, idx: &dyn Val) -> Result<CowVal<'b, 'v>, ExecutionError>
    where
        Self: 'v,
    {
        let i = idx
            .downcast_ref::<CelInt>()
            .ok_or_else(|| ExecutionError::UnexpectedType {
                got: idx.get_type().name().to_owned(),
                want: "int".to_owned(),
            })?;
        usize::try_from(*i.inner())
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|element| CowVal::owned(CelString::from(element.clone())))
            .ok_or_else(|| ExecutionError::IndexOutOfBounds(cel::Value::Int(*i.inner())))
    }

    fn steal<'v>(self: Box<Self>, idx: &dyn Val) -> Result<Box<dyn Val + 'v>, ExecutionError>
    where
        Self: 'v,
    {
        self.get(idx).map(CowVal::into_owned)
    }
}

/// The relations between two hierarchies, by name, with their implementations.
const RELATIONS: [(&str, Function); 7] = [
    ("ancestorOf", ancestor_of as Function),
    ("descendentOf", descendent_of as Function),
    ("immediateParentOf", immediate_parent_of as Function),
    ("immediateChildOf", immediate_child_of as Function),
    ("siblingOf", sibling_of as Function),
    ("overlaps", overlaps as Function),
    ("commonAncestors", common_ancestors as Function),
];

/// Declares `hierarchy(..)`, the methods of hierarchies, and `string(hierarchy)` on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    let hierarchy = || HIERARCHY_TYPE.to_owned();
    env.add_overload(NAME, "hierarchy_string", vec![STRING_TYPE], from_string)?;
    env.add_overload(
        NAME,
        "hierarchy_string_string",
        vec![STRING_TYPE, STRING_TYPE],
        from_string,
    )?;
    env.add_overload(NAME, "hierarchy_list", vec![LIST_TYPE], from_list)?;
    for (name, function) in RELATIONS {
        env.add_member_overload(
            name,
            &format!("hierarchy_{name}_hierarchy"),
            hierarchy(),
            vec![hierarchy()],
            function,
        )?;
    }
    env.add_member_overload("size", "hierarchy_size", hierarchy(), vec![], size)?;
    env.add_overload(
        "string",
        "hierarchy_to_string",
        vec![hierarchy()],
        to_string,
    )
}

/// `hierarchy(s)` and `hierarchy(s, delim)`: `s` split on `.` or on `delim`.
fn from_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let s = args.first().map(|s| string(s.as_ref())).transpose()?;
    let delim = args.get(1).map(|d| string(d.as_ref())).transpose()?;
    let (Some(s), Some(delim)) = (s, delim.or(Some("."))) else {
        return Err(ExecutionError::invalid_argument_count(1, args.len()));
    };
    let elements = if delim.is_empty() {
        // As Go's `strings.Split`: each character.
        s.chars().map(String::from).collect()
    } else {
        s.split(delim).map(str::to_owned).collect()
    };
    Ok(CowVal::owned(Hierarchy(elements)))
}

/// `hierarchy(list)`: the strings of `list`.
fn from_list<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = args
        .first()
        .ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    let elements = elements(list.as_ref())?
        .into_iter()
        .map(|element| string(element).map(str::to_owned))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CowVal::owned(Hierarchy(elements)))
}

/// The text of a `string` argument.
fn string<'b>(value: &'b (dyn Val + '_)) -> Result<&'b str, ExecutionError> {
    value
        .downcast_ref::<CelString>()
        .map(CelString::inner)
        .ok_or_else(|| {
            ExecutionError::function_error(
                NAME,
                format!("expected a string, got {}", value.get_type().name()),
            )
        })
}

/// The two hierarchies of a relation.
fn pair<'a>(
    a: &'a (dyn Val + '_),
    b: &'a (dyn Val + '_),
) -> Result<(&'a Hierarchy, &'a Hierarchy), ExecutionError> {
    let hierarchy = |v: &'a (dyn Val + '_)| {
        v.downcast_ref::<Hierarchy>()
            .ok_or_else(|| ExecutionError::UnexpectedType {
                got: v.get_type().name().to_owned(),
                want: NAME.to_owned(),
            })
    };
    Ok((hierarchy(a)?, hierarchy(b)?))
}

/// Applies the relation `f` to the two hierarchies of `args`.
fn relation<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
    f: fn(&Hierarchy, &Hierarchy) -> bool,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = pair(a.as_ref(), b.as_ref())?;
    Ok(boolean(f(a, b)))
}

/// `a.ancestorOf(b)`.
fn ancestor_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    relation(args, Hierarchy::ancestor_of)
}

/// `a.descendentOf(b)`.
fn descendent_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    relation(args, |a, b| b.ancestor_of(a))
}

/// `a.immediateParentOf(b)`.
fn immediate_parent_of<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    relation(args, Hierarchy::immediate_parent_of)
}

/// `a.immediateChildOf(b)`.
fn immediate_child_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    relation(args, |a, b| b.immediate_parent_of(a))
}

/// `a.siblingOf(b)`.
fn sibling_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    relation(args, Hierarchy::sibling_of)
}

/// `a.overlaps(b)`.
fn overlaps<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    relation(args, Hierarchy::overlaps)
}

/// `a.commonAncestors(b)`.
fn common_ancestors<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = pair(a.as_ref(), b.as_ref())?;
    Ok(CowVal::owned(a.common_ancestors(b)))
}

/// `h.size()`: the number of elements.
fn size<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let h = args
        .first()
        .and_then(|h| h.downcast_ref::<Hierarchy>())
        .ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    let n = i64::try_from(h.0.len()).unwrap_or(i64::MAX);
    Ok(CowVal::owned(CelInt::from(n)))
}

/// `string(h)`: the elements joined with `.`.
fn to_string<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let h = args
        .first()
        .and_then(|h| h.downcast_ref::<Hierarchy>())
        .ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    Ok(CowVal::owned(CelString::from(h.0.join("."))))
}
