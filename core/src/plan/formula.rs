//! Boolean formulas over residual expressions ("atoms"), and how a residual's outcome
//! (true / false / error) becomes formulas that are `true` exactly for that outcome.
//!
//! A check branches three ways on each condition: it holds, it does not, or its evaluation
//! fails (strict mode: the action is denied). The planner follows the same branches with a
//! formula for each: [`truth`] gives, for one condition, the formula that is true exactly when
//! it holds and the one that is true exactly when it is false. Both are built only from
//! `and`/`or` over atoms and negated atoms, so under CEL's three-valued logic (error absorbed
//! by `false` in `and`, by `true` in `or`) each is `true` exactly in its case, and an error
//! in an atom never turns into a `true`.

use std::sync::Arc;

use cel::common::ast::{Expr, IdedExpr};
use cel::Value;

use super::partial::{Pe, ERROR_MARK};

/// How an atom is tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pol {
    /// A boolean atom is `true`.
    True,
    /// A boolean atom is `false`: `not(atom)`.
    False,
    /// Any atom is the boolean `true`: `eq(atom, true)`.
    EqTrue,
    /// Any atom is the boolean `false`: `eq(atom, false)`.
    EqFalse,
    /// Any atom is a value other than `true` (a condition that does not hold):
    /// `ne(atom, true)`.
    NeTrue,
}

/// A formula. Cheap to clone: the walk shares sub-formulas between branches.
#[derive(Debug, Clone)]
pub(crate) enum Fm {
    Const(bool),
    And(Arc<[Fm]>),
    Or(Arc<[Fm]>),
    Atom(Arc<IdedExpr>, Pol),
    /// A case the plan cannot express; an error if it survives simplification.
    Unsupported(String),
}

impl PartialEq for Fm {
    fn eq(&self, other: &Fm) -> bool {
        match (self, other) {
            (Fm::Const(a), Fm::Const(b)) => a == b,
            (Fm::And(a), Fm::And(b)) | (Fm::Or(a), Fm::Or(b)) => Arc::ptr_eq(a, b) || a == b,
            (Fm::Atom(a, p), Fm::Atom(b, q)) => p == q && (Arc::ptr_eq(a, b) || a == b),
            (Fm::Unsupported(a), Fm::Unsupported(b)) => a == b,
            _ => false,
        }
    }
}

pub(crate) const TRUE: Fm = Fm::Const(true);
pub(crate) const FALSE: Fm = Fm::Const(false);

impl Fm {
    /// The same formula object (shared), or equal constants: a cheap test for dropping
    /// repeats while building; structurally equal copies are merged when rendering.
    fn same(&self, other: &Fm) -> bool {
        match (self, other) {
            (Fm::Const(a), Fm::Const(b)) => a == b,
            (Fm::And(a), Fm::And(b)) | (Fm::Or(a), Fm::Or(b)) => Arc::ptr_eq(a, b),
            (Fm::Atom(a, p), Fm::Atom(b, q)) => p == q && Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    pub(crate) fn is_false(&self) -> bool {
        *self == FALSE
    }

    pub(crate) fn is_true(&self) -> bool {
        *self == TRUE
    }
}

/// `a ∧ b`, simplified.
pub(crate) fn and(a: Fm, b: Fm) -> Fm {
    binary(a, b, true)
}

/// `a ∨ b`, simplified.
pub(crate) fn or(a: Fm, b: Fm) -> Fm {
    binary(a, b, false)
}

/// The common cases of a two-operand junction without allocating.
fn binary(a: Fm, b: Fm, is_and: bool) -> Fm {
    match (&a, &b) {
        (Fm::Const(x), _) if *x != is_and => a,
        (_, Fm::Const(y)) if *y != is_and => b,
        (Fm::Const(_), _) => b,
        (_, Fm::Const(_)) => a,
        _ if a.same(&b) => a,
        _ => junction([a, b], is_and),
    }
}

/// The conjunction of `items`, simplified: flattened, `true` dropped, `false` absorbing,
/// repeats dropped.
pub(crate) fn all(items: impl IntoIterator<Item = Fm>) -> Fm {
    junction(items, true)
}

/// The disjunction of `items`, simplified.
pub(crate) fn any(items: impl IntoIterator<Item = Fm>) -> Fm {
    junction(items, false)
}

fn junction(items: impl IntoIterator<Item = Fm>, is_and: bool) -> Fm {
    let unit = Fm::Const(is_and);
    let zero = Fm::Const(!is_and);
    let mut out: Vec<Fm> = Vec::new();
    // Returns false when the junction collapses to `zero`.
    let push = |out: &mut Vec<Fm>, p: &Fm| -> bool {
        if *p == zero {
            return false;
        }
        if *p != unit && !out.iter().any(|o| o.same(p)) {
            out.push(p.clone());
        }
        true
    };
    for f in items {
        let ok = match &f {
            Fm::And(v) if is_and => v.iter().all(|p| push(&mut out, p)),
            Fm::Or(v) if !is_and => v.iter().all(|p| push(&mut out, p)),
            other => push(&mut out, other),
        };
        if !ok {
            return zero;
        }
    }
    match out.len() {
        0 => unit,
        1 => out.pop().unwrap_or(unit),
        _ if is_and => Fm::And(out.into()),
        _ => Fm::Or(out.into()),
    }
}

/// The formulas of one outcome split: true exactly when the condition holds (`t`), and when
/// it is the boolean `false` (`f`). Neither: it failed, or (for `f`) is not a boolean.
#[derive(Debug, Clone)]
pub(crate) struct Tf {
    pub(crate) t: Fm,
    pub(crate) f: Fm,
}

/// Functions whose result is always a boolean (or an error).
const BOOLEAN_FUNCTIONS: &[&str] = &[
    "_==_",
    "_!=_",
    "_<_",
    "_<=_",
    "_>_",
    "_>=_",
    "@in",
    "startsWith",
    "endsWith",
    "contains",
    "@matches",
    "matches",
    "hasIntersection",
    "isSubset",
    "inIPAddrRange",
    "ancestorOf",
    "descendentOf",
    "immediateChildOf",
    "immediateParentOf",
    "overlaps",
    "containsIP",
    "isCanonical",
];

fn is_boolean(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::Select(s) => s.test,
        Expr::Comprehension(c) => super::partial::logical_fold(c).is_some(),
        Expr::Call(c) => BOOLEAN_FUNCTIONS.contains(&c.func_name.as_str()),
        _ => false,
    }
}

fn atom(e: &IdedExpr, pol: Pol) -> Fm {
    Fm::Atom(Arc::new(e.clone()), pol)
}

fn open_operand(e: &IdedExpr) -> Tf {
    if let Expr::Ident(n) = &e.expr {
        if n == ERROR_MARK {
            return Tf { t: FALSE, f: FALSE };
        }
    }
    if let Expr::Literal(cel::common::ast::LiteralValue::Boolean(b)) = &e.expr {
        let b = *b.inner();
        return Tf {
            t: Fm::Const(b),
            f: Fm::Const(!b),
        };
    }
    if let Expr::Literal(_) = &e.expr {
        return Tf { t: FALSE, f: FALSE };
    }
    if let Expr::Call(c) = &e.expr {
        if c.target.is_none() {
            match (c.func_name.as_str(), c.args.as_slice()) {
                ("_&&_", [a, b]) => {
                    let (a, b) = (open_operand(a), open_operand(b));
                    return Tf {
                        t: and(a.t, b.t),
                        f: or(a.f, b.f),
                    };
                }
                ("_||_", [a, b]) => {
                    let (a, b) = (open_operand(a), open_operand(b));
                    return Tf {
                        t: or(a.t, b.t),
                        f: and(a.f, b.f),
                    };
                }
                ("!_", [a]) => {
                    let a = open_operand(a);
                    return Tf { t: a.f, f: a.t };
                }
                ("_?_:_", [c, x, y]) => {
                    let (c, x, y) = (open_operand(c), open_operand(x), open_operand(y));
                    return Tf {
                        t: or(and(c.t.clone(), x.t), and(c.f.clone(), y.t)),
                        f: or(and(c.t, x.f), and(c.f, y.f)),
                    };
                }
                _ => {}
            }
        }
    }
    let shared = Arc::new(e.clone());
    if is_boolean(e) {
        Tf {
            t: Fm::Atom(shared.clone(), Pol::True),
            f: Fm::Atom(shared, Pol::False),
        }
    } else {
        Tf {
            t: Fm::Atom(shared.clone(), Pol::EqTrue),
            f: Fm::Atom(shared, Pol::EqFalse),
        }
    }
}

/// Outcome formulas of a condition expression as checks read it: `t` when it is `true`,
/// `f` when it evaluates without error to anything else (a non-boolean counts as false).
pub(crate) fn condition(pe: &Pe) -> Tf {
    match pe {
        Pe::Known(Ok(Value::Bool(b))) => Tf {
            t: Fm::Const(*b),
            f: Fm::Const(!*b),
        },
        Pe::Known(Ok(_)) => Tf { t: FALSE, f: TRUE },
        Pe::Known(Err(())) => Tf { t: FALSE, f: FALSE },
        Pe::Open(e) => open_condition(e),
    }
}

fn open_condition(e: &IdedExpr) -> Tf {
    if let Expr::Call(c) = &e.expr {
        if c.target.is_none() && c.func_name == "_?_:_" {
            if let [c, x, y] = c.args.as_slice() {
                let (c, x, y) = (open_operand(c), open_condition(x), open_condition(y));
                return Tf {
                    t: or(and(c.t.clone(), x.t), and(c.f.clone(), y.t)),
                    f: or(and(c.t, x.f), and(c.f, y.f)),
                };
            }
        }
    }
    let tf = open_operand(e);
    let boolean_valued = match &e.expr {
        Expr::Call(c) => {
            c.target.is_none() && matches!(c.func_name.as_str(), "_&&_" | "_||_" | "!_")
        }
        Expr::Ident(n) => n == ERROR_MARK,
        _ => false,
    } || is_boolean(e);
    if boolean_valued || matches!(e.expr, Expr::Literal(_)) {
        if let Expr::Literal(l) = &e.expr {
            if !matches!(l, cel::common::ast::LiteralValue::Boolean(_)) {
                return Tf { t: FALSE, f: TRUE };
            }
        }
        tf
    } else {
        Tf {
            t: tf.t,
            f: atom(e, Pol::NeTrue),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(n: &str) -> Fm {
        Fm::Atom(
            Arc::new(IdedExpr {
                id: 0,
                expr: Expr::Ident(n.into()),
            }),
            Pol::True,
        )
    }

    #[test]
    fn junctions_simplify() {
        assert_eq!(and(TRUE, a("x")), a("x"));
        assert_eq!(and(FALSE, a("x")), FALSE);
        assert_eq!(or(TRUE, a("x")), TRUE);
        let x = a("x");
        assert_eq!(
            or(x.clone(), x.clone()),
            x,
            "a shared sub-formula is not repeated"
        );
        assert_eq!(
            all([and(a("x"), a("y")), a("z")]),
            Fm::And(vec![a("x"), a("y"), a("z")].into())
        );
        assert_eq!(any(Vec::new()), FALSE);
        assert_eq!(all(Vec::new()), TRUE);
        assert_eq!(
            and(Fm::Unsupported("u".into()), FALSE),
            FALSE,
            "an unsupported part under a false conjunction vanishes"
        );
    }
}
