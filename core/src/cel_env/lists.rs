//! Cerbos's list functions: `hasIntersection`, `intersect`, `except`, `isSubset`, and the
//! deprecated `has_intersection` and `is_subset`, each callable as `f(a, b)` and as `a.f(b)`.
//!
//! Elements compare with CEL equality, [`Val::equals`]: `1` and `1.0` are equal, as JSON numbers
//! arrive as doubles while literals in policies are ints.

use cel::common::functions::Function;
use cel::common::types::{CelBool, CelList, LIST_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

/// Each function, by name, with its implementation.
const FUNCTIONS: [(&str, Function); 6] = [
    ("hasIntersection", has_intersection as Function),
    ("has_intersection", has_intersection as Function),
    ("intersect", intersect as Function),
    ("except", except as Function),
    ("isSubset", is_subset as Function),
    ("is_subset", is_subset as Function),
];

/// Declares the list functions on `env`, for two lists, globally and as members of a list.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    for (name, function) in FUNCTIONS {
        env.add_overload(
            name,
            &format!("{name}_list_list"),
            vec![LIST_TYPE, LIST_TYPE],
            function,
        )?;
        env.add_member_overload(
            name,
            &format!("list_{name}_list"),
            LIST_TYPE,
            vec![LIST_TYPE],
            function,
        )?;
    }
    Ok(())
}

/// `hasIntersection(a, b)`: whether some element of `a` is in `b`.
fn has_intersection<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = (elements(a.as_ref())?, elements(b.as_ref())?);
    Ok(boolean(a.iter().any(|x| contains(&b, *x))))
}

/// `intersect(a, b)`: the elements of the shorter list, `a` when both are as long, that are in
/// the other, in order, duplicates kept.
fn intersect<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = (elements(a.as_ref())?, elements(b.as_ref())?);
    let (shorter, other) = if b.len() < a.len() { (b, a) } else { (a, b) };
    let kept = shorter
        .into_iter()
        .filter(|x| contains(&other, *x))
        .map(|x| x.clone_as_boxed())
        .collect::<Vec<_>>();
    Ok(CowVal::owned(CelList::from(kept)))
}

/// `except(a, b)`: the elements of `a` that are not in `b`, in order, duplicates kept.
fn except<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = (elements(a.as_ref())?, elements(b.as_ref())?);
    let kept = a
        .into_iter()
        .filter(|x| !contains(&b, *x))
        .map(|x| x.clone_as_boxed())
        .collect::<Vec<_>>();
    Ok(CowVal::owned(CelList::from(kept)))
}

/// `isSubset(a, b)`: whether every element of `a` is in `b`.
fn is_subset<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = (elements(a.as_ref())?, elements(b.as_ref())?);
    Ok(boolean(a.iter().all(|x| contains(&b, *x))))
}

/// The two arguments of a call: the target and the argument of a member call.
pub(super) fn two_args<'b, 'v>(
    args: Vec<CowVal<'b, 'v>>,
) -> Result<[CowVal<'b, 'v>; 2], ExecutionError> {
    args.try_into()
        .map_err(|args: Vec<_>| ExecutionError::invalid_argument_count(2, args.len()))
}

/// The elements of `list`, which may be any value that iterates as a list.
pub(super) fn elements<'b, 'v>(
    list: &'b (dyn Val + 'v),
) -> Result<Vec<&'b (dyn Val + 'v)>, ExecutionError> {
    let iterable = list
        .as_iterable()
        .ok_or_else(|| ExecutionError::UnexpectedType {
            got: list.get_type().name().to_owned(),
            want: "list".to_owned(),
        })?;
    let mut items = iterable.iter();
    let mut out = Vec::new();
    while let Some(item) = items.next() {
        out.push(item);
    }
    Ok(out)
}

/// Whether `value` equals an element of `list`, by CEL equality.
pub(super) fn contains(list: &[&(dyn Val + '_)], value: &dyn Val) -> bool {
    list.iter().any(|item| value.equals(*item))
}

/// A `bool` result.
pub(super) fn boolean<'b, 'v>(value: bool) -> CowVal<'b, 'v> {
    CowVal::owned(CelBool::from(value))
}
