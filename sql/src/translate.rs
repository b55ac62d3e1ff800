//! The translation of a filter tree into a three-valued SQL boolean expression.
//!
//! Every boolean node becomes a SQL expression that is `TRUE` when the CEL expression is
//! `true`, `FALSE` when it is `false` and `NULL` when it is a CEL error (a missing attribute,
//! an operator applied to the wrong types). `AND`/`OR`/`NOT` then combine them exactly as
//! CEL's `&&`/`||`/`!` do.

use authz_core::plan::{Expression, Operand};
use chrono::{DateTime, TimeDelta, Utc};
use sea_query::{Expr, ExprTrait, Func, LikeExpr};
use serde_json::{Number, Value as Json};

use crate::columns::{Column, ColumnType, Columns, NullMeans};
use crate::dialect::Dialect;
use crate::error::TranslateError;

type Result<T> = std::result::Result<T, TranslateError>;

const RESOURCE_ATTR: &str = "request.resource.attr.";

/// The CEL type of a SQL-side value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Text,
    Double,
    Int,
    Bool,
    Timestamp,
}

/// What SQL NULL in a value expression stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nulls {
    /// The expression is never NULL.
    Never,
    /// NULL is a CEL error (a missing attribute, or an operator that failed).
    Error,
    /// NULL is the CEL value `null`.
    Null,
}

/// A constant of the filter.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Null,
    Bool(bool),
    Number(Number),
    Text(String),
    Timestamp(DateTime<Utc>),
    /// A list or map: only meaningful on the right of `in`.
    Collection,
}

impl Lit {
    fn ty(&self) -> Option<Ty> {
        match self {
            Lit::Bool(_) => Some(Ty::Bool),
            Lit::Number(n) if n.is_f64() => Some(Ty::Double),
            Lit::Number(_) => Some(Ty::Int),
            Lit::Text(_) => Some(Ty::Text),
            Lit::Timestamp(_) => Some(Ty::Timestamp),
            Lit::Null | Lit::Collection => None,
        }
    }

    fn from_json(v: &Json) -> Lit {
        match v {
            Json::Null => Lit::Null,
            Json::Bool(b) => Lit::Bool(*b),
            Json::Number(n) => Lit::Number(n.clone()),
            Json::String(s) => Lit::Text(s.clone()),
            Json::Array(_) | Json::Object(_) => Lit::Collection,
        }
    }
}

/// A value operand: a constant, or a SQL expression of a known CEL type.
#[derive(Debug, Clone)]
enum Term {
    Lit(Lit),
    Sql {
        expr: Expr,
        ty: Ty,
        nulls: Nulls,
        /// For timestamps: a duration the policy adds to the column (kept out of SQL and
        /// moved onto the constant side of comparisons, where it is exact).
        offset: TimeDelta,
    },
}

impl Term {
    fn sql(expr: Expr, ty: Ty, nulls: Nulls) -> Term {
        Term::Sql {
            expr,
            ty,
            nulls,
            offset: TimeDelta::zero(),
        }
    }

    fn ty(&self) -> Option<Ty> {
        match self {
            Term::Lit(l) => l.ty(),
            Term::Sql { ty, .. } => Some(*ty),
        }
    }

    fn is_lit(&self) -> bool {
        matches!(self, Term::Lit(_))
    }

    /// SQL that is true when the value is a CEL error (statically: `None` = never).
    fn error_pred(&self) -> Pred {
        match self {
            Term::Sql {
                expr,
                nulls: Nulls::Error,
                ..
            } => Pred::Sql(expr.clone().is_null()),
            _ => Pred::False,
        }
    }

    /// SQL that is true when the value is CEL `null`.
    fn null_pred(&self) -> Pred {
        match self {
            Term::Lit(Lit::Null) => Pred::True,
            Term::Sql {
                expr,
                nulls: Nulls::Null,
                ..
            } => Pred::Sql(expr.clone().is_null()),
            _ => Pred::False,
        }
    }
}

/// A boolean that may be known statically.
#[derive(Debug, Clone)]
enum Pred {
    True,
    False,
    Sql(Expr),
}

impl Pred {
    fn or(self, other: Pred) -> Pred {
        match (self, other) {
            (Pred::True, _) | (_, Pred::True) => Pred::True,
            (Pred::False, p) | (p, Pred::False) => p,
            (Pred::Sql(a), Pred::Sql(b)) => Pred::Sql(a.or(b)),
        }
    }

    fn and(self, other: Pred) -> Pred {
        match (self, other) {
            (Pred::False, _) | (_, Pred::False) => Pred::False,
            (Pred::True, p) | (p, Pred::True) => p,
            (Pred::Sql(a), Pred::Sql(b)) => Pred::Sql(a.and(b)),
        }
    }
}

fn sql_true() -> Expr {
    Expr::cust("TRUE")
}

fn sql_false() -> Expr {
    Expr::cust("FALSE")
}

fn sql_null() -> Expr {
    Expr::null()
}

fn sql_bool(b: bool) -> Expr {
    if b {
        sql_true()
    } else {
        sql_false()
    }
}

/// `CASE WHEN c1 THEN r1 ... ELSE otherwise END`, dropping arms known to be false and
/// stopping at the first arm known to be true.
fn case(arms: Vec<(Pred, Expr)>, otherwise: Expr) -> Expr {
    let mut live: Vec<(Expr, Expr)> = Vec::new();
    let mut last = otherwise;
    for (cond, then) in arms {
        match cond {
            Pred::False => {}
            Pred::True => {
                last = then;
                break;
            }
            Pred::Sql(c) => live.push((c, then)),
        }
    }
    if live.is_empty() {
        return last;
    }
    // Every condition here is two-valued (`IS NULL` tests and their combinations), so
    // `CASE WHEN c THEN TRUE ELSE FALSE END` is `c`.
    if live.len() == 1 && live[0].1 == sql_true() && last == sql_false() {
        if let Some((c, _)) = live.pop() {
            return c;
        }
    }
    if live.len() == 1 && live[0].1 == sql_false() && last == sql_true() {
        if let Some((c, _)) = live.pop() {
            return c.not();
        }
    }
    let mut iter = live.into_iter();
    let Some((c0, t0)) = iter.next() else {
        return last;
    };
    let mut stmt = Expr::case(c0, t0);
    for (c, t) in iter {
        stmt = stmt.case(c, t);
    }
    stmt.finally(last).into()
}

/// The six comparisons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn from_operator(op: &str) -> Option<Cmp> {
        Some(match op {
            "eq" => Cmp::Eq,
            "ne" => Cmp::Ne,
            "lt" => Cmp::Lt,
            "le" => Cmp::Le,
            "gt" => Cmp::Gt,
            "ge" => Cmp::Ge,
            _ => return None,
        })
    }

    /// The comparison with its operands swapped: `a < b` is `b > a`.
    fn flip(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
            c => c,
        }
    }

    fn apply(self, a: Expr, b: Expr) -> Expr {
        match self {
            Cmp::Eq => a.eq(b),
            Cmp::Ne => a.ne(b),
            Cmp::Lt => a.lt(b),
            Cmp::Le => a.lte(b),
            Cmp::Gt => a.gt(b),
            Cmp::Ge => a.gte(b),
        }
    }
}

/// Translates filter trees for one dialect and one column mapping.
pub(crate) struct Translator<'a> {
    pub(crate) columns: &'a Columns,
    pub(crate) dialect: Dialect,
}

impl Translator<'_> {
    /// A node in boolean position.
    pub(crate) fn boolean(&self, op: &Operand) -> Result<Expr> {
        match op {
            Operand::Value(Json::Bool(b)) => Ok(sql_bool(*b)),
            Operand::Value(v) => Err(TranslateError::operands(
                "value",
                format!("the constant `{v}` is not a boolean"),
            )),
            Operand::Variable(name) => {
                let col = self.column(name)?;
                if col.ty != ColumnType::Bool {
                    return Err(TranslateError::operands(
                        "variable",
                        format!(
                            "`{name}` is used as a boolean but is mapped to a {:?} column",
                            col.ty
                        ),
                    ));
                }
                Ok(col.expr.clone())
            }
            Operand::Expression(e) => self.boolean_expression(e),
        }
    }

    fn boolean_expression(&self, e: &Expression) -> Result<Expr> {
        let op = e.operator.as_str();
        let args = &e.operands;
        match op {
            "and" | "or" => {
                let mut parts = args.iter().map(|a| self.boolean(a));
                let Some(first) = parts.next() else {
                    return Ok(sql_bool(op == "and"));
                };
                let mut acc = first?;
                for p in parts {
                    acc = if op == "and" { acc.and(p?) } else { acc.or(p?) };
                }
                Ok(acc)
            }
            "not" => {
                let [a] = arity::<1>(op, args)?;
                Ok(self.boolean(a)?.not())
            }
            "if" => {
                let [c, a, b] = arity::<3>(op, args)?;
                let c = self.boolean(c)?;
                let (a, b) = (self.boolean(a)?, self.boolean(b)?);
                Ok(Expr::case(c.clone(), a)
                    .case(c.not(), b)
                    .finally(sql_null())
                    .into())
            }
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                let [a, b] = arity::<2>(op, args)?;
                let cmp = Cmp::from_operator(op).ok_or_else(|| unsupported(op))?;
                let (a, b) = (self.term(a)?, self.term(b)?);
                self.compare(op, cmp, &a, &b)
            }
            "in" => {
                let [a, b] = arity::<2>(op, args)?;
                self.is_in(a, b)
            }
            "has" => {
                let [a] = arity::<1>(op, args)?;
                self.has(a)
            }
            "startsWith" | "endsWith" | "contains" => {
                let [recv, arg] = arity::<2>(op, args)?;
                self.pattern(op, recv, arg)
            }
            _ => Err(unsupported(op)),
        }
    }

    fn column(&self, name: &str) -> Result<&Column> {
        self.columns
            .get(name)
            .ok_or_else(|| TranslateError::UnmappedAttribute {
                attribute: name.to_owned(),
            })
    }

    /// A node in value position.
    fn term(&self, op: &Operand) -> Result<Term> {
        match op {
            Operand::Value(v) => Ok(Term::Lit(Lit::from_json(v))),
            Operand::Variable(name) => {
                let col = self.column(name)?;
                let ty = match col.ty {
                    ColumnType::Text => Ty::Text,
                    ColumnType::Number => Ty::Double,
                    ColumnType::Bool => Ty::Bool,
                    ColumnType::Timestamp => {
                        return Err(TranslateError::operands(
                            "variable",
                            format!(
                                "`{name}` is a timestamp column: the policy must read it with \
                                 `timestamp({name})`"
                            ),
                        ))
                    }
                };
                Ok(Term::sql(col.expr.clone(), ty, nulls_of(col)))
            }
            Operand::Expression(e) => self.value_expression(e),
        }
    }

    fn value_expression(&self, e: &Expression) -> Result<Term> {
        let op = e.operator.as_str();
        let args = &e.operands;
        match op {
            "timestamp" => {
                let [a] = arity::<1>(op, args)?;
                match a {
                    Operand::Value(Json::String(s)) => DateTime::parse_from_rfc3339(s)
                        .map(|t| Term::Lit(Lit::Timestamp(t.with_timezone(&Utc))))
                        .map_err(|_| {
                            TranslateError::operands(
                                op,
                                format!("`{s}` is not an RFC 3339 timestamp"),
                            )
                        }),
                    Operand::Variable(name) => {
                        let col = self.column(name)?;
                        if col.ty != ColumnType::Timestamp {
                            return Err(TranslateError::operands(
                                op,
                                format!("`{name}` is not mapped to a timestamp column"),
                            ));
                        }
                        let expr = match self.dialect {
                            Dialect::Sqlite => Func::cust("julianday").arg(col.expr.clone()).into(),
                            Dialect::Postgres | Dialect::MySql => col.expr.clone(),
                        };
                        Ok(Term::sql(expr, Ty::Timestamp, nulls_of(col)))
                    }
                    _ => Err(TranslateError::operands(
                        op,
                        "only a timestamp column or a string constant can be converted",
                    )),
                }
            }
            "size" => {
                let [a] = arity::<1>(op, args)?;
                match self.term(a)? {
                    Term::Sql {
                        expr,
                        ty: Ty::Text,
                        nulls,
                        ..
                    } => Ok(Term::sql(
                        Func::cust(self.dialect.length_function()).arg(expr).into(),
                        Ty::Int,
                        error_if_null(nulls),
                    )),
                    _ => Err(TranslateError::operands(
                        op,
                        "only the size of a text column is supported",
                    )),
                }
            }
            "add" | "sub" | "mult" | "div" => {
                let [a, b] = arity::<2>(op, args)?;
                if let Some(shifted) = self.shift_timestamp(op, a, b)? {
                    return Ok(shifted);
                }
                let (a, b) = (self.term(a)?, self.term(b)?);
                self.arithmetic(op, a, b)
            }
            "duration" => Err(TranslateError::operands(
                op,
                "a duration is only supported added to or subtracted from a timestamp column",
            )),
            _ => Err(unsupported(op)),
        }
    }

    fn arithmetic(&self, op: &str, a: Term, b: Term) -> Result<Term> {
        if a.is_lit() && b.is_lit() {
            return Err(TranslateError::operands(op, "both operands are constants"));
        }
        match (a.ty(), b.ty()) {
            (Some(Ty::Double), Some(Ty::Double)) => {
                if op == "div" {
                    match &b {
                        Term::Lit(Lit::Number(n)) if n.as_f64().is_some_and(|f| f != 0.0) => {}
                        _ => {
                            return Err(TranslateError::operands(
                                op,
                                "only division by a non-zero constant is supported",
                            ))
                        }
                    }
                }
                let nulls = error_if_null(worst(&a, &b));
                let (x, y) = (self.double_operand(a), self.double_operand(b));
                let expr = match op {
                    "add" => x.add(y),
                    "sub" => x.sub(y),
                    "mult" => x.mul(y),
                    _ => x.div(y),
                };
                Ok(Term::sql(expr, Ty::Double, nulls))
            }
            (Some(Ty::Int), Some(Ty::Int)) if op != "div" => {
                let nulls = error_if_null(worst(&a, &b));
                let (x, y) = (self.int_operand(a), self.int_operand(b));
                let expr = match op {
                    "add" => x.add(y),
                    "sub" => x.sub(y),
                    _ => x.mul(y),
                };
                Ok(Term::sql(expr, Ty::Int, nulls))
            }
            (Some(Ty::Double), Some(Ty::Int)) | (Some(Ty::Int), Some(Ty::Double)) => {
                Err(TranslateError::operands(
                    op,
                    "CEL has no arithmetic between int and double (write `1.0`, not `1`)",
                ))
            }
            (x, y) => Err(TranslateError::operands(
                op,
                format!(
                    "unsupported operand types {} and {}",
                    ty_name(x),
                    ty_name(y)
                ),
            )),
        }
    }

    /// `timestamp(col) ± duration("Ns")` or `duration("Ns") + timestamp(col)`: the column
    /// with an offset. `None` when no operand is a duration.
    fn shift_timestamp(&self, op: &str, a: &Operand, b: &Operand) -> Result<Option<Term>> {
        let (ts, dur, negate) = match (duration_of(a), duration_of(b)) {
            (None, None) => return Ok(None),
            (Some(d), None) if op == "add" => (b, d, false),
            (None, Some(d)) if op == "add" || op == "sub" => (a, d, op == "sub"),
            _ => {
                return Err(TranslateError::operands(
                    op,
                    "only a timestamp column plus or minus a constant duration is supported",
                ))
            }
        };
        let dur = dur?;
        let dur = if negate { -dur } else { dur };
        match self.term(ts)? {
            Term::Sql {
                expr,
                ty: Ty::Timestamp,
                nulls,
                offset,
            } => Ok(Some(Term::Sql {
                expr,
                ty: Ty::Timestamp,
                nulls,
                offset: offset
                    .checked_add(&dur)
                    .ok_or_else(|| TranslateError::operands(op, "duration out of range"))?,
            })),
            _ => Err(TranslateError::operands(
                op,
                "a duration can only be added to a timestamp column",
            )),
        }
    }

    fn double_operand(&self, t: Term) -> Expr {
        match t {
            Term::Lit(Lit::Number(n)) => Expr::val(n.as_f64().unwrap_or(f64::NAN)),
            Term::Lit(l) => self.lit_expr(&l),
            Term::Sql { expr, .. } => Expr::cust_with_exprs(
                format!(
                    "CAST({} AS {})",
                    self.dialect.placeholder(1),
                    self.dialect.double_type()
                ),
                [expr],
            ),
        }
    }

    fn int_operand(&self, t: Term) -> Expr {
        match t {
            Term::Lit(l) => self.lit_expr(&l),
            Term::Sql { expr, .. } => expr,
        }
    }

    /// A constant as SQL.
    fn lit_expr(&self, l: &Lit) -> Expr {
        match l {
            Lit::Null | Lit::Collection => sql_null(),
            Lit::Bool(b) => sql_bool(*b),
            Lit::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => Expr::val(i),
                (None, Some(u), _) => Expr::val(u),
                (_, _, f) => Expr::val(f.unwrap_or(f64::NAN)),
            },
            Lit::Text(s) => Expr::val(s.clone()),
            Lit::Timestamp(t) => self.timestamp_lit(*t),
        }
    }

    /// A number constant compared with a value of type `other`: a double column gets a
    /// double (as CEL converts an int to double to compare it with a double).
    fn number_expr(&self, n: &Number, other: Ty) -> Expr {
        if other == Ty::Double {
            Expr::val(n.as_f64().unwrap_or(f64::NAN))
        } else {
            self.lit_expr(&Lit::Number(n.clone()))
        }
    }

    /// A timestamp constant, written into the SQL (the text is ours: digits and separators
    /// only), so that no driver has to guess the type of a placeholder.
    fn timestamp_lit(&self, t: DateTime<Utc>) -> Expr {
        match self.dialect {
            Dialect::Postgres => Expr::cust(format!(
                "CAST('{}' AS TIMESTAMPTZ)",
                t.format("%Y-%m-%dT%H:%M:%S%.6fZ")
            )),
            Dialect::Sqlite => Expr::cust(format!(
                "julianday('{}')",
                t.format("%Y-%m-%dT%H:%M:%S%.3fZ")
            )),
            Dialect::MySql => Expr::cust(format!(
                "CAST('{}' AS DATETIME(6))",
                t.format("%Y-%m-%d %H:%M:%S%.6f")
            )),
        }
    }

    /// `expr COLLATE <collation>`.
    fn collate(&self, expr: Expr, collation: &str) -> Expr {
        Expr::cust_with_exprs(
            format!("{} COLLATE {collation}", self.dialect.placeholder(1)),
            [expr],
        )
    }

    /// The comparison of two terms, three-valued.
    fn compare(&self, op: &str, cmp: Cmp, a: &Term, b: &Term) -> Result<Expr> {
        if a.is_lit() && b.is_lit() {
            return Err(TranslateError::operands(op, "both operands are constants"));
        }
        if matches!(a, Term::Lit(Lit::Collection)) || matches!(b, Term::Lit(Lit::Collection)) {
            return Err(TranslateError::operands(
                op,
                "comparison with a list or map",
            ));
        }
        // The comparison of two non-null values of compatible types; `None` when it is
        // statically false (only for equality).
        let core = match (a.ty(), b.ty()) {
            (Some(x), Some(y)) if compatible(x, y) => self.core_compare(cmp, a, b)?,
            _ => Core::Incomparable,
        };
        let err = a.error_pred().or(b.error_pred());
        match cmp {
            Cmp::Lt | Cmp::Le | Cmp::Gt | Cmp::Ge => Ok(match core {
                // A NULL column is an error (missing attribute, or null ordered), which SQL
                // propagates.
                Core::Sql(e) => e,
                Core::Const(v) => case(vec![(err, sql_null())], sql_bool(v)),
                // Ordering values of different types, or null, is a CEL error.
                Core::Incomparable => sql_null(),
            }),
            Cmp::Eq | Cmp::Ne => {
                let eq = cmp == Cmp::Eq;
                let (an, bn) = (a.null_pred(), b.null_pred());
                let (core, propagates) = match core {
                    Core::Sql(e) => (e, true),
                    Core::Const(v) => (sql_bool(v), false),
                    // Values of different types are unequal in CEL (not an error).
                    Core::Incomparable => (sql_bool(!eq), false),
                };
                if matches!((&an, &bn), (Pred::False, Pred::False)) {
                    if propagates {
                        // NULL on either side is an error, and SQL propagates it.
                        return Ok(core);
                    }
                    return Ok(case(vec![(err, sql_null())], core));
                }
                let both = an.clone().and(bn.clone());
                let either = an.or(bn);
                Ok(case(
                    vec![
                        (err, sql_null()),
                        (both, sql_bool(eq)),
                        (either, sql_bool(!eq)),
                    ],
                    core,
                ))
            }
        }
    }

    /// `a <cmp> b` for two values of compatible types, assumed non-null.
    fn core_compare(&self, cmp: Cmp, a: &Term, b: &Term) -> Result<Core> {
        // Put the SQL side first.
        let (cmp, a, b) = if a.is_lit() {
            (cmp.flip(), b, a)
        } else {
            (cmp, a, b)
        };
        let Term::Sql {
            expr, ty, offset, ..
        } = a
        else {
            return Err(TranslateError::operands(
                "compare",
                "both operands are constants",
            ));
        };
        let expr = expr.clone();
        match ty {
            Ty::Text => {
                let lhs = match cmp {
                    Cmp::Eq | Cmp::Ne => match self.dialect.eq_collation() {
                        Some(c) => self.collate(expr, c),
                        None => expr,
                    },
                    _ => self.collate(expr, self.dialect.order_collation()),
                };
                Ok(Core::Sql(cmp.apply(lhs, self.rhs(b, Ty::Text))))
            }
            Ty::Double | Ty::Int | Ty::Bool => Ok(Core::Sql(cmp.apply(expr, self.rhs(b, *ty)))),
            Ty::Timestamp => match b {
                Term::Sql {
                    expr: other,
                    offset: other_offset,
                    ..
                } => {
                    if offset != other_offset {
                        return Err(TranslateError::operands(
                            "compare",
                            "timestamps shifted by different durations",
                        ));
                    }
                    Ok(Core::Sql(cmp.apply(expr, other.clone())))
                }
                Term::Lit(Lit::Timestamp(t)) => {
                    // col + offset <cmp> t  ⇔  col <cmp> t - offset, rounded to what the
                    // column can hold.
                    let target = t.checked_sub_signed(*offset).ok_or_else(|| {
                        TranslateError::operands("compare", "timestamp out of range")
                    })?;
                    self.timestamp_compare(cmp, expr, target)
                }
                Term::Lit(_) => Err(TranslateError::operands(
                    "compare",
                    "timestamp and non-timestamp",
                )),
            },
        }
    }

    /// `col <cmp> t` where `col` holds multiples of the dialect's resolution.
    fn timestamp_compare(&self, cmp: Cmp, col: Expr, t: DateTime<Utc>) -> Result<Core> {
        let res = self.dialect.timestamp_resolution_nanos();
        let nanos = i64::from(t.timestamp_subsec_nanos());
        let rem = nanos % res;
        if rem == 0 {
            return Ok(Core::Sql(cmp.apply(col, self.timestamp_lit(t))));
        }
        let floor = t - TimeDelta::nanoseconds(rem);
        let ceil = floor + TimeDelta::nanoseconds(res);
        Ok(match cmp {
            // No value of the column equals `t`.
            Cmp::Eq => Core::Const(false),
            Cmp::Ne => Core::Const(true),
            Cmp::Lt => Core::Sql(col.lt(self.timestamp_lit(ceil))),
            Cmp::Le => Core::Sql(col.lte(self.timestamp_lit(floor))),
            Cmp::Gt => Core::Sql(col.gt(self.timestamp_lit(floor))),
            Cmp::Ge => Core::Sql(col.gte(self.timestamp_lit(ceil))),
        })
    }

    /// The right-hand side of a comparison with a value of type `other`.
    fn rhs(&self, t: &Term, other: Ty) -> Expr {
        match t {
            Term::Lit(Lit::Number(n)) => self.number_expr(n, other),
            Term::Lit(l) => self.lit_expr(l),
            Term::Sql { expr, .. } => expr.clone(),
        }
    }

    /// `element in collection`, the collection a list (or a map: its keys) constant.
    fn is_in(&self, element: &Operand, collection: &Operand) -> Result<Expr> {
        let items: Vec<Lit> = match collection {
            Operand::Value(Json::Array(items)) => items.iter().map(Lit::from_json).collect(),
            Operand::Value(Json::Object(map)) => map.keys().map(|k| Lit::Text(k.clone())).collect(),
            _ => {
                return Err(TranslateError::operands(
                    "in",
                    "only membership in a constant list or map is supported",
                ))
            }
        };
        let term = self.term(element)?;
        let Term::Sql {
            expr, ty, nulls, ..
        } = &term
        else {
            return Err(TranslateError::operands("in", "the element is a constant"));
        };
        if *ty == Ty::Timestamp {
            return Err(TranslateError::operands("in", "timestamp membership"));
        }
        let has_null = items.contains(&Lit::Null);
        let values: Vec<Expr> = items
            .iter()
            .filter(|l| l.ty().is_some_and(|lt| compatible(lt, *ty)))
            .map(|l| match l {
                Lit::Number(n) => self.number_expr(n, *ty),
                l => self.lit_expr(l),
            })
            .collect();
        let lhs = match (*ty, self.dialect.eq_collation()) {
            (Ty::Text, Some(c)) => self.collate(expr.clone(), c),
            _ => expr.clone(),
        };
        let membership = if values.is_empty() {
            None
        } else {
            Some(lhs.is_in(values))
        };
        Ok(match (nulls, membership) {
            // The element is never CEL null: a NULL is an error, which `IN` propagates.
            (Nulls::Never | Nulls::Error, Some(m)) => m,
            (Nulls::Never, None) => sql_false(),
            (Nulls::Error, None) => case(vec![(term.error_pred(), sql_null())], sql_false()),
            (Nulls::Null, Some(m)) if has_null => expr.clone().is_null().or(m),
            (Nulls::Null, Some(m)) => expr.clone().is_not_null().and(m),
            (Nulls::Null, None) if has_null => expr.clone().is_null(),
            (Nulls::Null, None) => sql_false(),
        })
    }

    /// `has(R.attr.x)`.
    fn has(&self, a: &Operand) -> Result<Expr> {
        let Operand::Variable(name) = a else {
            return Err(TranslateError::operands(
                "has",
                "only `has` on an attribute is supported",
            ));
        };
        let col = self.column(name)?;
        if name
            .strip_prefix(RESOURCE_ATTR)
            .is_some_and(|rest| rest.contains('.'))
        {
            // `has(R.attr.a.b)` is an error when `a` is missing and false when `b` is: one
            // NULL cannot tell the two apart.
            return Err(TranslateError::operands(
                "has",
                format!("presence test on the nested attribute `{name}`"),
            ));
        }
        Ok(match col.null {
            NullMeans::Absent => col.expr.clone().is_not_null(),
            NullMeans::JsonNull => sql_true(),
        })
    }

    /// `startsWith`, `endsWith`, `contains` with a constant argument.
    fn pattern(&self, op: &str, recv: &Operand, arg: &Operand) -> Result<Expr> {
        let Term::Sql {
            expr, ty: Ty::Text, ..
        } = self.term(recv)?
        else {
            return Err(TranslateError::operands(
                op,
                "the receiver must be a text column",
            ));
        };
        let Operand::Value(Json::String(needle)) = arg else {
            return Err(TranslateError::operands(
                op,
                "the argument must be a string constant",
            ));
        };
        let (pre, post) = match op {
            "startsWith" => (false, true),
            "endsWith" => (true, false),
            _ => (true, true),
        };
        Ok(match self.dialect {
            Dialect::Sqlite => {
                // LIKE ignores ASCII case in SQLite; GLOB does not.
                let mut p = String::new();
                if pre {
                    p.push('*');
                }
                for c in needle.chars() {
                    match c {
                        '*' => p.push_str("[*]"),
                        '?' => p.push_str("[?]"),
                        '[' => p.push_str("[[]"),
                        c => p.push(c),
                    }
                }
                if post {
                    p.push('*');
                }
                expr.binary(sea_query::BinOper::Custom("GLOB"), Expr::val(p))
            }
            Dialect::Postgres | Dialect::MySql => {
                let mut p = String::new();
                if pre {
                    p.push('%');
                }
                for c in needle.chars() {
                    if matches!(c, '%' | '_' | '!') {
                        p.push('!');
                    }
                    p.push(c);
                }
                if post {
                    p.push('%');
                }
                let lhs = match self.dialect.eq_collation() {
                    Some(c) => self.collate(expr, c),
                    None => expr,
                };
                lhs.like(LikeExpr::new(p).escape('!'))
            }
        })
    }
}

/// The outcome of comparing two non-null values of compatible types.
enum Core {
    Sql(Expr),
    Const(bool),
    Incomparable,
}

/// The duration of a `duration("...")` constant, if `op` is one.
fn duration_of(op: &Operand) -> Option<Result<TimeDelta>> {
    let e = op.as_expression()?;
    if e.operator != "duration" {
        return None;
    }
    Some(match e.operands.as_slice() {
        [Operand::Value(Json::String(s))] => parse_duration(s)
            .ok_or_else(|| TranslateError::operands("duration", format!("cannot read `{s}`"))),
        _ => Err(TranslateError::operands(
            "duration",
            "expected one string constant",
        )),
    })
}

/// CEL duration text: an optional sign and a sequence of decimal numbers with units
/// (`h`, `m`, `s`, `ms`, `us`, `ns`), e.g. `3600s`, `1h30m`, `-1.5s`.
fn parse_duration(s: &str) -> Option<TimeDelta> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale: i128 = match unit {
            "h" => 3_600_000_000_000,
            "m" => 60_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "us" | "µs" => 1_000,
            "ns" => 1,
            _ => return None,
        };
        let (int, frac) = match num.split_once('.') {
            Some((i, f)) => (i, f),
            None => (num, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        let int: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
        let mut nanos = int.checked_mul(scale)?;
        let mut place = scale;
        for d in frac.chars() {
            place /= 10;
            let digit = i128::from(d.to_digit(10)?);
            nanos = nanos.checked_add(digit * place)?;
        }
        total = total.checked_add(nanos)?;
        rest = tail;
    }
    let total = if neg { -total } else { total };
    let secs = i64::try_from(total.div_euclid(1_000_000_000)).ok()?;
    let sub = u32::try_from(total.rem_euclid(1_000_000_000)).ok()?;
    TimeDelta::new(secs, sub)
}

fn nulls_of(col: &Column) -> Nulls {
    match col.null {
        NullMeans::Absent => Nulls::Error,
        NullMeans::JsonNull => Nulls::Null,
    }
}

/// A function of a value that may be NULL: CEL null is an error there too.
fn error_if_null(n: Nulls) -> Nulls {
    match n {
        Nulls::Never => Nulls::Never,
        Nulls::Error | Nulls::Null => Nulls::Error,
    }
}

fn worst(a: &Term, b: &Term) -> Nulls {
    let n = |t: &Term| match t {
        Term::Lit(_) => Nulls::Never,
        Term::Sql { nulls, .. } => *nulls,
    };
    match (n(a), n(b)) {
        (Nulls::Never, Nulls::Never) => Nulls::Never,
        _ => Nulls::Error,
    }
}

fn compatible(a: Ty, b: Ty) -> bool {
    matches!(
        (a, b),
        (Ty::Text, Ty::Text)
            | (Ty::Double | Ty::Int, Ty::Double | Ty::Int)
            | (Ty::Bool, Ty::Bool)
            | (Ty::Timestamp, Ty::Timestamp)
    )
}

fn ty_name(t: Option<Ty>) -> &'static str {
    match t {
        Some(Ty::Text) => "string",
        Some(Ty::Double) => "double",
        Some(Ty::Int) => "int",
        Some(Ty::Bool) => "bool",
        Some(Ty::Timestamp) => "timestamp",
        None => "null/list/map/duration",
    }
}

fn unsupported(op: &str) -> TranslateError {
    TranslateError::UnsupportedOperator {
        operator: op.to_owned(),
    }
}

fn arity<'a, const N: usize>(op: &str, args: &'a [Operand]) -> Result<[&'a Operand; N]> {
    let v: Vec<&Operand> = args.iter().collect();
    v.try_into().map_err(|v: Vec<&Operand>| {
        TranslateError::operands(op, format!("expected {N} operands, found {}", v.len()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_cel_text_form() {
        let ns = |s: &str| parse_duration(s).map(|d| d.num_nanoseconds().unwrap_or(i64::MAX));
        assert_eq!(ns("3600s"), Some(3_600_000_000_000));
        assert_eq!(ns("1h30m"), Some(5_400_000_000_000));
        assert_eq!(ns("-1.5s"), Some(-1_500_000_000));
        assert_eq!(ns("0.000000001s"), Some(1));
        assert_eq!(ns("2ms3us4ns"), Some(2_003_004));
        assert_eq!(ns("0s"), Some(0));
        assert_eq!(ns("+5m"), Some(300_000_000_000));
        for bad in [
            "",
            "-",
            "5",
            "1d",
            "1 s",
            "s",
            ".s",
            "1.2.3s",
            "99999999999999999999999h",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn case_folds_static_arms() {
        let c = Expr::col("x").is_null();
        assert_eq!(
            case(vec![(Pred::False, sql_null())], sql_true()),
            sql_true()
        );
        assert_eq!(case(vec![(Pred::True, sql_null())], sql_true()), sql_null());
        assert_eq!(
            case(vec![(Pred::Sql(c.clone()), sql_true())], sql_false()),
            c.clone()
        );
        assert_eq!(
            case(vec![(Pred::Sql(c.clone()), sql_false())], sql_true()),
            c.not()
        );
    }
}
