//! cel-go's sets extension: `sets.contains(a, b)`, `sets.equivalent(a, b)` and
//! `sets.intersects(a, b)`, on lists taken as sets (order and duplicates don't matter), their
//! elements compared with CEL equality.

use cel::common::functions::Function;
use cel::common::types::LIST_TYPE;
use cel::common::value::CowVal;
use cel::{DeclarationError, Env, ExecutionError};

use super::lists::{boolean, contains, elements, two_args};

/// Each function, by name, with its implementation.
const FUNCTIONS: [(&str, Function); 3] = [
    ("sets.contains", sets_contains as Function),
    ("sets.equivalent", sets_equivalent as Function),
    ("sets.intersects", sets_intersects as Function),
];

/// Declares the sets functions on `env`, for two lists.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    for (name, function) in FUNCTIONS {
        env.add_overload(
            name,
            &format!("{name}_list_list"),
            vec![LIST_TYPE, LIST_TYPE],
            function,
        )?;
    }
    Ok(())
}

/// `sets.contains(a, b)`: whether every element of `b` is in `a`.
fn sets_contains<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = (elements(a.as_ref())?, elements(b.as_ref())?);
    Ok(boolean(b.iter().all(|x| contains(&a, *x))))
}

/// `sets.equivalent(a, b)`: whether `a` and `b` hold the same elements.
fn sets_equivalent<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = (elements(a.as_ref())?, elements(b.as_ref())?);
    Ok(boolean(
        b.iter().all(|x| contains(&a, *x)) && a.iter().all(|x| contains(&b, *x)),
    ))
}

/// `sets.intersects(a, b)`: whether some element of `a` is in `b`.
fn sets_intersects<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [a, b] = two_args(args)?;
    let (a, b) = (elements(a.as_ref())?, elements(b.as_ref())?);
    Ok(boolean(a.iter().any(|x| contains(&b, *x))))
}
