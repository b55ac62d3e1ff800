//! Formulas and residual expressions as the public [`Operand`] tree (`query-plan.md` §6, §7).

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};
use serde_json::Value as Json;

use super::filter::Operand;
use super::formula::{Fm, Pol};
use super::partial::{logical_fold, resource_path, ERROR_MARK};
use super::PlanError;

/// A simplified formula (no constants inside) as an operand tree.
pub(crate) fn formula(f: &Fm) -> Result<Operand, PlanError> {
    match f {
        Fm::Const(b) => Ok(Operand::Value(Json::Bool(*b))),
        Fm::And(items) | Fm::Or(items) => {
            let op = if matches!(f, Fm::And(_)) { "and" } else { "or" };
            let mut out: Vec<Operand> = Vec::with_capacity(items.len());
            for i in items.iter() {
                let o = formula(i)?;
                if !out.contains(&o) {
                    out.push(o);
                }
            }
            Ok(if out.len() == 1 {
                out.remove(0)
            } else {
                Operand::expr(op, out)
            })
        }
        Fm::Atom(e, pol) => {
            let o = normalise(expr(e)?);
            Ok(match pol {
                Pol::True => o,
                Pol::False => Operand::expr("not", [o]),
                Pol::EqTrue => Operand::expr("eq", [o, Operand::value(true)]),
                Pol::EqFalse => Operand::expr("eq", [o, Operand::value(false)]),
                Pol::NeTrue => Operand::expr("ne", [o, Operand::value(true)]),
            })
        }
        Fm::Unsupported(reason) => Err(PlanError::unsupported(reason.clone())),
    }
}

/// Folds atoms that are constant whatever the resource in the polarity they are used in:
/// `x in []` is never true. (Its negation is not folded: `x` may fail.)
pub(crate) fn fold_atoms(f: Fm) -> Fm {
    match f {
        Fm::And(items) => super::formula::all(items.iter().cloned().map(fold_atoms)),
        Fm::Or(items) => super::formula::any(items.iter().cloned().map(fold_atoms)),
        Fm::Atom(e, Pol::True) if is_in_empty(&e) => Fm::Const(false),
        other => other,
    }
}

fn is_in_empty(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::Call(c) if c.func_name == "@in" && c.args.len() == 2 => match &c.args[1].expr {
            Expr::List(l) => l.elements.is_empty(),
            Expr::Map(m) => m.entries.is_empty(),
            _ => false,
        },
        _ => false,
    }
}

/// `in(x, [v])` → `eq(x, v)` (same result, same failures).
fn normalise(o: Operand) -> Operand {
    if let Operand::Expression(e) = &o {
        if e.operator == "in" && e.operands.len() == 2 {
            if let Some(Json::Array(items)) = e.operands[1].as_value() {
                if items.len() == 1 {
                    return Operand::expr(
                        "eq",
                        [e.operands[0].clone(), Operand::Value(items[0].clone())],
                    );
                }
            }
        }
    }
    o
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A path under `request.resource`: dotted while the keys are identifiers, then `index`.
fn resource_operand(path: &[&str]) -> Operand {
    let mut name = String::from("request.resource");
    let mut i = 0;
    while i < path.len() && is_identifier(path[i]) {
        name.push('.');
        name.push_str(path[i]);
        i += 1;
    }
    let mut o = Operand::Variable(name);
    for key in &path[i..] {
        o = Operand::expr("index", [o, Operand::value(*key)]);
    }
    o
}

fn literal(l: &LiteralValue) -> Result<Json, PlanError> {
    Ok(match l {
        LiteralValue::Null => Json::Null,
        LiteralValue::Boolean(b) => Json::Bool(*b.inner()),
        LiteralValue::Int(i) => Json::from(*i.inner()),
        LiteralValue::UInt(u) => Json::from(*u.inner()),
        LiteralValue::Double(d) => serde_json::Number::from_f64(*d.inner())
            .map(Json::Number)
            .ok_or_else(|| PlanError::unsupported("a non-finite number"))?,
        LiteralValue::String(s) => Json::String(s.to_string()),
        LiteralValue::Bytes(_) => return Err(PlanError::unsupported("a bytes literal")),
    })
}

fn operator_name(func: &str) -> &str {
    match func {
        "_==_" => "eq",
        "_!=_" => "ne",
        "_<_" => "lt",
        "_<=_" => "le",
        "_>_" => "gt",
        "_>=_" => "ge",
        "@in" => "in",
        "_+_" => "add",
        "_-_" => "sub",
        "_*_" => "mult",
        "_/_" => "div",
        "_%_" => "mod",
        "!_" => "not",
        "-_" => "neg",
        "_&&_" => "and",
        "_||_" => "or",
        "_?_:_" => "if",
        "_[_]" => "index",
        "@matches" => "matches",
        "math.@max" => "math.greatest",
        "math.@min" => "math.least",
        other => other,
    }
}

/// The compiler's `string(x)` rewrite: `type(x) == double ? <format>(x) : string(x)`.
fn string_of_double(args: &[IdedExpr]) -> Option<&IdedExpr> {
    let [cond, _, original] = args else {
        return None;
    };
    let Expr::Call(eq) = &cond.expr else {
        return None;
    };
    let Expr::Call(orig) = &original.expr else {
        return None;
    };
    let is_type_check = eq.func_name == "_==_"
        && matches!(eq.args.get(1).map(|a| &a.expr), Some(Expr::Ident(d)) if d == "double")
        && matches!(eq.args.first().map(|a| &a.expr), Some(Expr::Call(t)) if t.func_name == "type");
    (is_type_check && orig.func_name == "string" && orig.args.len() == 1).then(|| &orig.args[0])
}

/// A residual expression as an operand.
pub(crate) fn expr(e: &IdedExpr) -> Result<Operand, PlanError> {
    if let Some(path) = resource_path(e) {
        return Ok(resource_operand(&path));
    }
    match &e.expr {
        Expr::Literal(l) => Ok(Operand::Value(literal(l)?)),
        Expr::Ident(n) if n == ERROR_MARK => Err(PlanError::unsupported(
            "part of the condition fails to evaluate before any resource attribute is read",
        )),
        Expr::Ident(n) => Ok(Operand::Variable(n.clone())),
        Expr::Select(s) => {
            if s.test {
                if let Some(mut path) = resource_path(&s.operand) {
                    path.push(&s.field);
                    return Ok(Operand::expr("has", [resource_operand(&path)]));
                }
                Ok(Operand::expr(
                    "has",
                    [Operand::expr(
                        "get-field",
                        [expr(&s.operand)?, Operand::var(s.field.clone())],
                    )],
                ))
            } else {
                Ok(Operand::expr(
                    "get-field",
                    [expr(&s.operand)?, Operand::var(s.field.clone())],
                ))
            }
        }
        Expr::List(l) => {
            let items: Vec<Operand> = l.elements.iter().map(expr).collect::<Result<_, _>>()?;
            if items.iter().all(|o| o.as_value().is_some()) {
                Ok(Operand::Value(Json::Array(
                    items
                        .into_iter()
                        .filter_map(|o| o.as_value().cloned())
                        .collect(),
                )))
            } else {
                Ok(Operand::expr("list", items))
            }
        }
        Expr::Map(m) => {
            let mut fields = Vec::new();
            let mut object = serde_json::Map::new();
            let mut constant = true;
            for entry in &m.entries {
                let EntryExpr::MapEntry(me) = &entry.expr else {
                    return Err(PlanError::unsupported("message construction"));
                };
                let k = expr(&me.key)?;
                let v = expr(&me.value)?;
                match (&k, &v) {
                    (Operand::Value(Json::String(ks)), Operand::Value(vv)) => {
                        object.insert(ks.clone(), vv.clone());
                    }
                    _ => constant = false,
                }
                fields.push(Operand::expr("set-field", [k, v]));
            }
            Ok(if constant {
                Operand::Value(Json::Object(object))
            } else {
                Operand::expr("struct", fields)
            })
        }
        Expr::Call(c) => {
            if c.func_name == "_?_:_" && c.target.is_none() {
                if let Some(x) = string_of_double(&c.args) {
                    return Ok(Operand::expr("string", [expr(x)?]));
                }
            }
            if c.func_name == "_?._" || c.func_name == "_[?_]" {
                return Err(PlanError::unsupported(
                    "optional field selection (`.?f`, `[?k]`) on a resource attribute",
                ));
            }
            // `a["f"]` on a computed base is the spec's `get-field`.
            if c.func_name == "_[_]" && c.target.is_none() {
                if let [base, key] = c.args.as_slice() {
                    if let Expr::Literal(LiteralValue::String(k)) = &key.expr {
                        if is_identifier(k.as_ref()) {
                            return Ok(Operand::expr(
                                "get-field",
                                [expr(base)?, Operand::var(k.to_string())],
                            ));
                        }
                    }
                }
            }
            let mut operands = Vec::with_capacity(c.args.len() + 1);
            let mut name = operator_name(&c.func_name).to_string();
            match c.target.as_deref() {
                // `math.abs(x)`: a namespaced function, not a method.
                Some(IdedExpr {
                    expr: Expr::Ident(ns),
                    ..
                }) if crate::cel_env::is_namespace(ns) => name = format!("{ns}.{name}"),
                Some(t) => operands.push(expr(t)?),
                None => {}
            }
            for a in &c.args {
                operands.push(expr(a)?);
            }
            Ok(Operand::expr(name, operands))
        }
        Expr::Comprehension(c) => {
            let Some((is_exists, body)) = logical_fold(c) else {
                return Err(PlanError::unsupported(
                    "a comprehension other than `exists`/`all` over a resource attribute",
                ));
            };
            let name = if is_exists { "exists" } else { "all" };
            Ok(Operand::expr(
                name,
                [
                    expr(&c.iter_range)?,
                    Operand::expr("lambda", [expr(body)?, Operand::var(c.iter_var.clone())]),
                ],
            ))
        }
        Expr::Struct(_) | Expr::Unspecified => Err(PlanError::unsupported("message construction")),
    }
}
