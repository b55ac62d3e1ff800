//! The `cel.bind(name, init, expr)` macro: `expr` evaluated with `name` bound to `init`.

use cel::common::ast::{ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue};
use cel::parser::{Macro, MacroExprHelper};
use cel::ParseError;

/// The namespace `bind` must be called on.
const NAMESPACE: &str = "cel";

/// The iteration variable of the expansion, never bound as the range is empty.
const UNUSED: &str = "#unused";

/// The `cel.bind` macro, for [`cel::Env::add_macro`].
///
/// As in cel-go, `cel.bind(x, init, expr)` expands to a comprehension over an empty list whose
/// accumulator is `x`, initialised to `init`, and whose result is `expr`: the loop never runs,
/// so `expr` is evaluated once, in a scope where `x` is `init` and shadows any outer `x`.
pub(super) fn bind_macro() -> Macro {
    Macro::receiver("bind", 3, expand)
}

/// Expands `cel.bind(name, init, expr)`; declines `bind` called on anything but `cel`.
fn expand(
    helper: &mut MacroExprHelper<'_>,
    target: &mut Option<IdedExpr>,
    args: &mut Vec<IdedExpr>,
) -> Result<Option<IdedExpr>, ParseError> {
    let on_cel =
        matches!(target.as_ref().map(|t| &t.expr), Some(Expr::Ident(ns)) if ns == NAMESPACE);
    if !on_cel {
        return Ok(None);
    }
    let name = match args.first() {
        Some(IdedExpr {
            expr: Expr::Ident(name),
            ..
        }) => name.clone(),
        Some(other) => {
            return Err(helper.new_error(
                other.id,
                "cel.bind() variable name must be a simple identifier",
            ))
        }
        None => return Ok(None),
    };
    // `args` holds exactly three expressions, as the macro is declared for three arguments.
    let (Some(result), Some(init)) = (args.pop(), args.pop()) else {
        return Ok(None);
    };
    args.clear();
    let iter_range = helper.next_expr(Expr::List(ListExpr::new(Vec::new())));
    let loop_cond = helper.next_expr(Expr::Literal(LiteralValue::Boolean(false.into())));
    let loop_step = helper.next_expr(Expr::Ident(name.clone()));
    let bind = ComprehensionExpr {
        iter_range,
        iter_var: UNUSED.to_owned(),
        iter_var2: None,
        accu_var: name,
        accu_init: init,
        loop_cond,
        loop_step,
        result,
    };
    Ok(Some(helper.next_expr(Expr::Comprehension(Box::new(bind)))))
}
