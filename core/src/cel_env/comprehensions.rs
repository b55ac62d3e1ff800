//! cel-go's two-variable comprehensions: `x.all(i, v, p)`, `x.exists(i, v, p)`,
//! `x.existsOne(i, v, p)` (and `exists_one`), `x.transformList(i, v, [filter,] expr)`,
//! `x.transformMap(k, v, [filter,] expr)` and `x.transformMapEntry(k, v, [filter,] mapExpr)`.
//! Over a list, the first variable is the index and the second the element; over a map, the
//! key and its value.
//!
//! The `cel` 0.15 interpreter ignores a comprehension's second iteration variable, so each
//! macro expands to single-variable comprehensions only, much as `cel.bind` does:
//!
//! ```text
//! x.all(i, v, p)
//!   => cel.bind(@x, x,
//!        @it2range(@x).all(i, cel.bind(v, @x[i], p)))
//! ```
//!
//! `x` is evaluated once and bound to a name no expression can write; `@it2range(x)` gives the
//! indices of a list, or the keys of a map, and `v` is bound, for each `i`, to `@x[i]`, which
//! is the element at that index, or the value of that key: the same bindings, in the same
//! order, as iterating with two variables. The loop steps keep the shapes the interpreter
//! recognises, so `all` and `exists` still absorb errors as cel-go does (`false && error` is
//! `false`), and `transformList` still appends in place.
//!
//! `transformMap` and `transformMapEntry` build their map with `@mapInsert`, as cel-go does:
//! `@mapInsert(m, k, v)` adds the entry `k: v`, and `@mapInsert(m, entries)` the entries of
//! a map, a key already present being an error (`transformMapEntry` producing a key twice).
//! Neither name can be written in an expression.

use cel::common::ast::{
    operators, CallExpr, ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue, MapExpr,
};
use cel::common::types::{
    CelBool, CelInt, CelList, CelMap, CelMapKey, CelString, CelUInt, Kind, DYN_TYPE, MAP_TYPE,
};
use cel::common::value::{CowVal, Val};
use cel::parser::{Macro, MacroExprHelper};
use cel::{DeclarationError, Env, ExecutionError, ParseError};

use super::lists::elements;

/// The function giving the indices of a list or the keys of a map.
const RANGE: &str = "@it2range";

/// The function inserting into the map a comprehension builds.
const MAP_INSERT: &str = "@mapInsert";

/// The variable holding the range of the comprehension being evaluated.
const RANGE_VAR: &str = "@it2";

/// The accumulator of the comprehensions, as in the standard macros.
const RESULT: &str = "@result";

/// The iteration variable of a binding, never bound as its range is empty.
const UNUSED: &str = "#unused";

/// What a macro computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `all(i, v, p)`.
    All,
    /// `exists(i, v, p)`.
    Exists,
    /// `existsOne(i, v, p)`.
    ExistsOne,
    /// `transformList(i, v, [filter,] expr)`.
    TransformList,
    /// `transformMap(k, v, [filter,] expr)`.
    TransformMap,
    /// `transformMapEntry(k, v, [filter,] mapExpr)`.
    TransformMapEntry,
}

/// The macros, by name, what each computes, and the argument counts each takes.
const MACROS: [(&str, Form, &[usize]); 7] = [
    ("all", Form::All, &[3]),
    ("exists", Form::Exists, &[3]),
    ("existsOne", Form::ExistsOne, &[3]),
    ("exists_one", Form::ExistsOne, &[3]),
    ("transformList", Form::TransformList, &[3, 4]),
    ("transformMap", Form::TransformMap, &[3, 4]),
    ("transformMapEntry", Form::TransformMapEntry, &[3, 4]),
];

/// Declares the macros and the functions their expansions call on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    for (name, form, arities) in MACROS {
        for &argc in arities {
            env.add_macro(Macro::receiver(name, argc, move |helper, target, args| {
                expand(form, helper, target, args).map(Some)
            }))?;
        }
    }
    env.add_overload(RANGE, "it2range_dyn", vec![DYN_TYPE], range)?;
    env.add_overload(
        MAP_INSERT,
        "mapInsert_map_dyn_dyn",
        vec![MAP_TYPE, DYN_TYPE, DYN_TYPE],
        map_insert,
    )?;
    env.add_overload(
        MAP_INSERT,
        "mapInsert_map_map",
        vec![MAP_TYPE, MAP_TYPE],
        map_insert,
    )
}

/// The name of an iteration variable, which must be a simple identifier.
fn variable(helper: &mut MacroExprHelper<'_>, arg: &IdedExpr) -> Result<String, ParseError> {
    match &arg.expr {
        Expr::Ident(name) => Ok(name.clone()),
        _ => Err(helper.new_error(arg.id, "argument must be a simple name")),
    }
}

/// Expands `target.<form>(i, v, ..)`.
fn expand(
    form: Form,
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<IdedExpr, ParseError> {
    // The macros are declared for calls on a target with three or four arguments.
    let at = target.as_ref().map_or(0, |t| t.id);
    let (Some(range_of), [first, second, ..]) = (target.take(), args.as_slice()) else {
        return Err(helper.new_error(at, "expected a target and iteration variables"));
    };
    let i = variable(helper, first)?;
    let v = variable(helper, second)?;
    if i == v {
        return Err(helper.new_error(second.id, format!("duplicate variable name: {v}")));
    }
    let mut rest = args.split_off(2);
    args.clear();
    let Some(body) = rest.pop() else {
        return Err(helper.new_error(at, "expected an expression"));
    };
    let filter = rest.pop();

    let ident = |helper: &mut MacroExprHelper<'_>, name: &str| {
        helper.next_expr(Expr::Ident(name.to_owned()))
    };
    let call = |helper: &mut MacroExprHelper<'_>, name: &str, args: Vec<IdedExpr>| {
        helper.next_expr(Expr::Call(CallExpr {
            func_name: name.to_owned(),
            target: None,
            args,
        }))
    };
    let literal = |helper: &mut MacroExprHelper<'_>, value: LiteralValue| {
        helper.next_expr(Expr::Literal(value))
    };
    // `cel.bind(v, @it2[i], e)`: `e` with `v` bound to the current element or value.
    let with_value = |helper: &mut MacroExprHelper<'_>, e: IdedExpr| {
        let range = ident(helper, RANGE_VAR);
        let index = ident(helper, &i);
        let value = call(helper, operators::INDEX, vec![range, index]);
        bind(helper, &v, value, e)
    };

    let (init, cond, step, result) = match form {
        Form::All | Form::Exists => {
            let all = form == Form::All;
            let init = literal(helper, LiteralValue::Boolean(all.into()));
            let accu = ident(helper, RESULT);
            let cond_arg = if all {
                accu
            } else {
                call(helper, operators::LOGICAL_NOT, vec![accu])
            };
            let cond = call(helper, operators::NOT_STRICTLY_FALSE, vec![cond_arg]);
            let accu = ident(helper, RESULT);
            let p = with_value(helper, body);
            let op = if all {
                operators::LOGICAL_AND
            } else {
                operators::LOGICAL_OR
            };
            let step = call(helper, op, vec![accu, p]);
            (init, cond, step, ident(helper, RESULT))
        }
        Form::ExistsOne => {
            let init = literal(helper, LiteralValue::Int(0.into()));
            let cond = literal(helper, LiteralValue::Boolean(true.into()));
            let p = with_value(helper, body);
            let accu = ident(helper, RESULT);
            let one = literal(helper, LiteralValue::Int(1.into()));
            let plus_one = call(helper, operators::ADD, vec![accu, one]);
            let accu = ident(helper, RESULT);
            let step = call(helper, operators::CONDITIONAL, vec![p, plus_one, accu]);
            let accu = ident(helper, RESULT);
            let one = literal(helper, LiteralValue::Int(1.into()));
            let result = call(helper, operators::EQUALS, vec![accu, one]);
            (init, cond, step, result)
        }
        Form::TransformList | Form::TransformMap | Form::TransformMapEntry => {
            let init = match form {
                Form::TransformList => helper.next_expr(Expr::List(ListExpr::new(Vec::new()))),
                _ => helper.next_expr(Expr::Map(MapExpr {
                    entries: Vec::new(),
                })),
            };
            let cond = literal(helper, LiteralValue::Boolean(true.into()));
            let value = with_value(helper, body);
            let accu = ident(helper, RESULT);
            let step = match form {
                Form::TransformList => {
                    let item = helper.next_expr(Expr::List(ListExpr::new(vec![value])));
                    call(helper, operators::ADD, vec![accu, item])
                }
                Form::TransformMap => {
                    let key = ident(helper, &i);
                    call(helper, MAP_INSERT, vec![accu, key, value])
                }
                _ => call(helper, MAP_INSERT, vec![accu, value]),
            };
            let step = match filter {
                Some(filter) => {
                    let keep = with_value(helper, filter);
                    let accu = ident(helper, RESULT);
                    call(helper, operators::CONDITIONAL, vec![keep, step, accu])
                }
                None => step,
            };
            (init, cond, step, ident(helper, RESULT))
        }
    };

    let range_var = ident(helper, RANGE_VAR);
    let iter_range = call(helper, RANGE, vec![range_var]);
    let loop_ = helper.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range,
        iter_var: i.clone(),
        iter_var2: None,
        accu_var: RESULT.to_owned(),
        accu_init: init,
        loop_cond: cond,
        loop_step: step,
        result,
    })));
    Ok(bind(helper, RANGE_VAR, range_of, loop_))
}

/// `cel.bind(name, init, body)`: a comprehension over an empty list whose accumulator `name`
/// is `init` and whose result is `body`.
fn bind(helper: &mut MacroExprHelper<'_>, name: &str, init: IdedExpr, body: IdedExpr) -> IdedExpr {
    let iter_range = helper.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let loop_cond = helper.next_expr(Expr::Literal(LiteralValue::Boolean(false.into())));
    let loop_step = helper.next_expr(Expr::Ident(name.to_owned()));
    helper.next_expr(Expr::Comprehension(Box::new(ComprehensionExpr {
        iter_range,
        iter_var: UNUSED.to_owned(),
        iter_var2: None,
        accu_var: name.to_owned(),
        accu_init: init,
        loop_cond,
        loop_step,
        result: body,
    })))
}

/// `@it2range(x)`: the indices of a list, or the keys of a map.
fn range<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let x = args
        .first()
        .ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    let items = match x.get_type().kind() {
        Kind::List => {
            let n = x
                .as_sizer()
                .map_or(0, |s| usize::try_from(*s.size().inner()).unwrap_or(0));
            (0..n)
                .map(|i| {
                    let i = i64::try_from(i).unwrap_or(i64::MAX);
                    Box::new(CelInt::from(i)) as Box<dyn Val + 'v>
                })
                .collect::<Vec<_>>()
        }
        Kind::Map => elements(x.as_ref())?
            .into_iter()
            .map(|key| key.clone_as_boxed())
            .collect::<Vec<_>>(),
        _ => {
            return Err(ExecutionError::function_error(
                "comprehension",
                format!(
                    "a two-variable comprehension needs a list or a map, got {}",
                    x.get_type().name()
                ),
            ))
        }
    };
    Ok(CowVal::owned(CelList::from(items)))
}

/// `@mapInsert(m, k, v)` and `@mapInsert(m, entries)`: `m` with the entries added; a key
/// already in `m` is an error.
fn map_insert<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let mut args = args.into_iter();
    let map = args
        .next()
        .ok_or_else(|| ExecutionError::invalid_argument_count(2, 0))?;
    let map = map
        .downcast_ref::<CelMap>()
        .ok_or_else(|| ExecutionError::UnexpectedType {
            got: map.get_type().name().to_owned(),
            want: "map".to_owned(),
        })?;
    let mut entries = map
        .inner()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect::<std::collections::HashMap<_, _>>();
    let added: Vec<(Box<dyn Val + 'v>, Box<dyn Val + 'v>)> = match (args.next(), args.next()) {
        (Some(key), Some(value)) => vec![(key.into_owned(), value.into_owned())],
        (Some(more), None) => {
            let more =
                more.downcast_ref::<CelMap>()
                    .ok_or_else(|| ExecutionError::UnexpectedType {
                        got: more.get_type().name().to_owned(),
                        want: "map".to_owned(),
                    })?;
            more.inner()
                .iter()
                .map(|(k, v)| (k.inner().clone_as_boxed(), v.clone()))
                .collect()
        }
        _ => return Err(ExecutionError::invalid_argument_count(2, 1)),
    };
    for (key, value) in added {
        // As cel-go, with CEL's key lookup: `1` and `1u` are the same key.
        let present = map
            .as_container()
            .map(|c| c.contains(key.as_ref()))
            .transpose()?
            .unwrap_or(false);
        if present {
            return Err(ExecutionError::function_error(
                "transformMapEntry",
                format!(
                    "insert failed: key {} already exists",
                    display_key(key.as_ref())
                ),
            ));
        }
        entries.insert(CelMapKey::try_from(key)?, value);
    }
    Ok(CowVal::owned(CelMap::from(entries)))
}

/// A map key as an error message shows it.
fn display_key(key: &dyn Val) -> String {
    if let Some(s) = key.downcast_ref::<CelString>() {
        format!("{:?}", s.inner())
    } else if let Some(i) = key.downcast_ref::<CelInt>() {
        i.inner().to_string()
    } else if let Some(u) = key.downcast_ref::<CelUInt>() {
        format!("{}u", u.inner())
    } else if let Some(b) = key.downcast_ref::<CelBool>() {
        b.inner().to_string()
    } else {
        key.get_type().name().to_owned()
    }
}
