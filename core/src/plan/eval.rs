//! Evaluating a filter against one resource in memory, with the semantics the filter
//! documents (CEL's, through the same interpreter and functions as checks).

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedEntryExpr, IdedExpr, ListExpr, LiteralValue,
    MapEntryExpr, MapExpr, SelectExpr,
};
use cel::Value;
use serde_json::Value as Json;

use super::filter::{Filter, Operand};
use super::PlanError;
use crate::cel_env;
use crate::eval::activation::Activation;
use crate::eval::values;
use crate::request::Resource;

/// Functions with both forms whose method form is the one that also serves custom types.
const METHOD_FIRST: &[&str] = &["size", "contains", "startsWith", "endsWith", "matches"];

impl Filter {
    /// Whether `resource` passes the filter: [`Filter::AlwaysAllowed`] passes everything,
    /// [`Filter::AlwaysDenied`] nothing, a condition what it evaluates to `true` for (an error,
    /// e.g. a missing attribute, filters the resource out).
    ///
    /// This is the in-memory twin of the SQL translation in `authz-sql`, for collections that
    /// do not live in a database. It fails only for an operator it does not know.
    ///
    /// ```
    /// use authz_core::plan::{Filter, Operand};
    /// use authz_core::Resource;
    /// let f = Filter::Conditional(Operand::expr(
    ///     "eq",
    ///     [Operand::var("request.resource.attr.owner"), Operand::value("alice")],
    /// ));
    /// let mine = Resource::new("doc", "1").with_attr("owner", "alice".into());
    /// let theirs = Resource::new("doc", "2").with_attr("owner", "bob".into());
    /// let orphan = Resource::new("doc", "3");
    /// assert!(f.matches(&mine).unwrap());
    /// assert!(!f.matches(&theirs).unwrap());
    /// assert!(!f.matches(&orphan).unwrap());
    /// ```
    pub fn matches(&self, resource: &Resource) -> Result<bool, PlanError> {
        let cond = match self {
            Filter::AlwaysAllowed => return Ok(true),
            Filter::AlwaysDenied => return Ok(false),
            Filter::Conditional(c) => c,
        };
        let e = to_expr(cond)?;
        let empty = values::string_list_val(std::iter::empty());
        let act = Activation {
            p: &*empty,
            r: resource.cel(),
            g: &*empty,
            consts: &[],
            vars: &[],
            aux: None,
            edr: None,
            now: None,
            request: None,
        };
        let root = cel_env::root();
        let mut ctx = root.new_inner_scope();
        ctx.set_variable_resolver(&act);
        Ok(matches!(Value::resolve(&e, &ctx), Ok(Value::Bool(true))))
    }
}

fn node(expr: Expr) -> IdedExpr {
    IdedExpr { id: 0, expr }
}

fn call(name: &str, target: Option<IdedExpr>, args: Vec<IdedExpr>) -> IdedExpr {
    node(Expr::Call(CallExpr {
        func_name: name.to_string(),
        target: target.map(Box::new),
        args,
    }))
}

fn json(v: &Json) -> Result<IdedExpr, PlanError> {
    let lit = |l| Ok(node(Expr::Literal(l)));
    match v {
        Json::Null => lit(LiteralValue::Null),
        Json::Bool(b) => lit(LiteralValue::Boolean((*b).into())),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                lit(LiteralValue::Int(i.into()))
            } else if let Some(u) = n.as_u64() {
                lit(LiteralValue::UInt(u.into()))
            } else {
                lit(LiteralValue::Double(n.as_f64().unwrap_or(f64::NAN).into()))
            }
        }
        Json::String(s) => lit(LiteralValue::String(s.clone().into())),
        Json::Array(items) => Ok(node(Expr::List(ListExpr::new(
            items.iter().map(json).collect::<Result<_, _>>()?,
        )))),
        Json::Object(m) => Ok(node(Expr::Map(MapExpr {
            entries: m
                .iter()
                .map(|(k, v)| {
                    Ok(IdedEntryExpr {
                        id: 0,
                        expr: EntryExpr::MapEntry(MapEntryExpr {
                            key: node(Expr::Literal(LiteralValue::String(k.clone().into()))),
                            value: json(v)?,
                            optional: false,
                        }),
                    })
                })
                .collect::<Result<_, PlanError>>()?,
        }))),
    }
}

fn variable(name: &str) -> IdedExpr {
    let Some(rest) = name.strip_prefix("request.resource") else {
        return node(Expr::Ident(name.to_string()));
    };
    let mut e = node(Expr::Ident("R".to_string()));
    for key in rest.split('.').filter(|k| !k.is_empty()) {
        e = call(
            "_[_]",
            None,
            vec![
                e,
                node(Expr::Literal(LiteralValue::String(key.to_string().into()))),
            ],
        );
    }
    e
}

fn binary(op: &str) -> Option<&'static str> {
    Some(match op {
        "eq" => "_==_",
        "ne" => "_!=_",
        "lt" => "_<_",
        "le" => "_<=_",
        "gt" => "_>_",
        "ge" => "_>=_",
        "in" => "@in",
        "add" => "_+_",
        "sub" => "_-_",
        "mult" => "_*_",
        "div" => "_/_",
        "mod" => "_%_",
        "and" => "_&&_",
        "or" => "_||_",
        "index" => "_[_]",
        _ => return None,
    })
}

fn to_expr(o: &Operand) -> Result<IdedExpr, PlanError> {
    let e = match o {
        Operand::Value(v) => return json(v),
        Operand::Variable(v) => return Ok(variable(v)),
        Operand::Expression(e) => e,
    };
    let args: Vec<IdedExpr> = match e.operator.as_str() {
        "exists" | "all" | "lambda" | "has" | "get-field" | "struct" => Vec::new(),
        _ => e.operands.iter().map(to_expr).collect::<Result<_, _>>()?,
    };
    let op = e.operator.as_str();
    if let Some(f) = binary(op) {
        // n-ary `and`/`or` fold left.
        let mut it = args.into_iter();
        let first = it
            .next()
            .ok_or_else(|| PlanError::unsupported(format!("`{op}` without operands")))?;
        return Ok(it.fold(first, |acc, x| call(f, None, vec![acc, x])));
    }
    Ok(match op {
        "not" => call("!_", None, args),
        "neg" => call("-_", None, args),
        "if" => call("_?_:_", None, args),
        "matches" => call(crate::cel_env::regex::MATCHES, None, args),
        "list" => node(Expr::List(ListExpr::new(args))),
        "has" => {
            let [target] = e.operands.as_slice() else {
                return Err(PlanError::unsupported("`has` takes one operand"));
            };
            let (base, field) = match target {
                Operand::Variable(v) => match v.rsplit_once('.') {
                    Some((base, field)) => (variable(base), field.to_string()),
                    None => return Err(PlanError::unsupported("`has` of a bare name")),
                },
                Operand::Expression(g) if g.operator == "get-field" => {
                    match g.operands.as_slice() {
                        [b, Operand::Variable(f)] => (to_expr(b)?, f.clone()),
                        _ => return Err(PlanError::unsupported("malformed `get-field`")),
                    }
                }
                _ => return Err(PlanError::unsupported("`has` of a non-field")),
            };
            node(Expr::Select(SelectExpr {
                operand: Box::new(base),
                field,
                test: true,
            }))
        }
        "get-field" => match e.operands.as_slice() {
            [b, Operand::Variable(f)] => call(
                "_[_]",
                None,
                vec![
                    to_expr(b)?,
                    node(Expr::Literal(LiteralValue::String(f.clone().into()))),
                ],
            ),
            _ => return Err(PlanError::unsupported("malformed `get-field`")),
        },
        "struct" => {
            let mut entries = Vec::new();
            for f in &e.operands {
                match f.as_expression() {
                    Some(sf) if sf.operator == "set-field" && sf.operands.len() == 2 => entries
                        .push(IdedEntryExpr {
                            id: 0,
                            expr: EntryExpr::MapEntry(MapEntryExpr {
                                key: to_expr(&sf.operands[0])?,
                                value: to_expr(&sf.operands[1])?,
                                optional: false,
                            }),
                        }),
                    _ => return Err(PlanError::unsupported("malformed `struct`")),
                }
            }
            node(Expr::Map(MapExpr { entries }))
        }
        "exists" | "all" => {
            let [range, Operand::Expression(lambda)] = e.operands.as_slice() else {
                return Err(PlanError::unsupported("malformed comprehension"));
            };
            let [body, Operand::Variable(var)] = lambda.operands.as_slice() else {
                return Err(PlanError::unsupported("malformed lambda"));
            };
            let is_exists = op == "exists";
            let accu = "@result".to_string();
            let accu_ident = node(Expr::Ident(accu.clone()));
            let loop_cond = if is_exists {
                call(
                    "@not_strictly_false",
                    None,
                    vec![call("!_", None, vec![accu_ident.clone()])],
                )
            } else {
                call("@not_strictly_false", None, vec![accu_ident.clone()])
            };
            node(Expr::Comprehension(Box::new(ComprehensionExpr {
                iter_range: to_expr(range)?,
                iter_var: var.clone(),
                iter_var2: None,
                accu_var: accu,
                accu_init: node(Expr::Literal(LiteralValue::Boolean((!is_exists).into()))),
                loop_cond,
                loop_step: call(
                    if is_exists { "_||_" } else { "_&&_" },
                    None,
                    vec![accu_ident.clone(), to_expr(body)?],
                ),
                result: accu_ident,
            })))
        }
        "math.greatest" => call("math.@max", None, args),
        "math.least" => call("math.@min", None, args),
        name => {
            if let Some((ns, f)) = name.split_once('.') {
                if cel_env::is_namespace(ns) {
                    return Ok(call(f, Some(node(Expr::Ident(ns.to_string()))), args));
                }
            }
            if name == "string" && args.len() == 1 {
                // As compiled: doubles formatted like Go's `%g`, as checks do.
                let mut e = call(name, None, args);
                crate::compile::expr::route_string_of_double(&mut e);
                return Ok(e);
            }
            // Receiver first: the method form where only it exists, or where it is the
            // usual form (custom types such as hierarchies only have methods: `h.size()`).
            let argc = args.len();
            let global = cel_env::check_call(name, false, argc).is_ok();
            let method = argc > 0 && cel_env::check_call(name, true, argc - 1).is_ok();
            if method && (!global || METHOD_FIRST.contains(&name)) {
                let mut args = args;
                let target = args.remove(0);
                call(name, Some(target), args)
            } else {
                call(name, None, args)
            }
        }
    })
}
