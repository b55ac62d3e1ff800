//! Partial evaluation of compiled CEL expressions: every subexpression that reads only known
//! values folds to its value (or to an error); what reads unknown resource attributes stays,
//! with the known parts embedded as literals.
//!
//! Folding uses the same interpreter and activation as checks, so a folded value is what the
//! check would compute. The residual is itself a CEL expression over `R`: evaluated against a
//! concrete resource it gives the original expression's result.

use std::collections::HashMap;

use cel::common::ast::{
    CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedEntryExpr, IdedExpr, ListExpr, LiteralValue,
    MapEntryExpr, MapExpr,
};
use cel::common::types::Kind;
use cel::common::value::Val;
use cel::objects::Key;
use cel::Value;

use super::PlanError;
use crate::cel_env;
use crate::compile::expr::{AUX, EDR, REQUEST, TYPE_NAMES, VAR_PREFIX};
use crate::compile::model::Defs;
use crate::eval::activation::Activation;
use crate::eval::values;
use crate::request::{Principal, Resource};

/// The identifier standing for a subexpression whose evaluation failed. It is never bound,
/// so evaluating a residual that still contains it fails too.
pub(crate) const ERROR_MARK: &str = "__error";

/// The most elements a comprehension over a known collection is unrolled for.
const MAX_UNROLL: usize = 256;

/// The result of partially evaluating an expression.
#[derive(Debug, Clone)]
pub(crate) enum Pe {
    /// Known: a value, or `Err` when its evaluation fails.
    Known(Result<Value, ()>),
    /// Depends on unknown resource attributes.
    Open(IdedExpr),
}

impl Pe {
    fn embed(self) -> Result<IdedExpr, PlanError> {
        match self {
            Pe::Known(Ok(v)) => embed(&v),
            Pe::Known(Err(())) => Ok(ident(ERROR_MARK)),
            Pe::Open(e) => Ok(e),
        }
    }
}

/// `runtime.effectiveDerivedRoles` as seen by an expression.
#[derive(Clone, Copy)]
pub(crate) enum Edr<'a> {
    /// Outside a resource policy: the empty list.
    Empty,
    /// A known list (or `None`: a derived role failed, so reading it fails).
    Known(Option<&'a dyn Val>),
    /// Depends on resource attributes.
    Open,
}

/// What a plan request knows: the principal, the known part of the resource, globals, aux
/// data and the request time.
pub(crate) struct Inputs<'a> {
    pub(crate) principal: &'a Principal,
    pub(crate) resource: &'a Resource,
    pub(crate) globals: &'a dyn Val,
    pub(crate) aux: &'a crate::request::AuxData,
    pub(crate) now: Option<&'a dyn Val>,
}

/// What evaluating a closed expression gave.
enum Folded {
    Value(Value),
    Error,
    /// A value with no literal form (a custom type): the expression is kept instead.
    Opaque,
}

enum VarState {
    Pending,
    InProgress,
    Known,
    Open(IdedExpr),
}

/// Variable states of one definitions table.
struct VarTable {
    states: Vec<VarState>,
    /// Known values by slot (`None`: unknown, or its evaluation failed).
    vals: Vec<Option<Box<dyn Val>>>,
}

/// A partial evaluator for one plan request.
pub(crate) struct Partial<'a> {
    inputs: &'a Inputs<'a>,
    /// `request.auxData`, built on first read.
    aux: std::sync::OnceLock<Box<dyn Val>>,
    vars: HashMap<usize, VarTable>,
    empty_list: Box<dyn Val>,
}

fn ident(name: &str) -> IdedExpr {
    IdedExpr {
        id: 0,
        expr: Expr::Ident(name.to_string()),
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

/// A known value as an expression that evaluates to it.
pub(crate) fn embed(v: &Value) -> Result<IdedExpr, PlanError> {
    let lit = |l| Ok(node(Expr::Literal(l)));
    match v {
        Value::Null => lit(LiteralValue::Null),
        Value::Bool(b) => lit(LiteralValue::Boolean((*b).into())),
        Value::Int(i) => lit(LiteralValue::Int((*i).into())),
        Value::UInt(u) => lit(LiteralValue::UInt((*u).into())),
        Value::Float(f) => lit(LiteralValue::Double((*f).into())),
        Value::String(s) => lit(LiteralValue::String(s.to_string().into())),
        Value::List(items) => Ok(node(Expr::List(ListExpr::new(
            items.iter().map(embed).collect::<Result<_, _>>()?,
        )))),
        Value::Map(m) => {
            let mut keys: Vec<&Key> = m.map.keys().collect();
            keys.sort_by_key(|k| key_sort(k));
            let mut entries = Vec::with_capacity(keys.len());
            for k in keys {
                let key = match k {
                    Key::Int(i) => Value::Int(*i),
                    Key::Uint(u) => Value::UInt(*u),
                    Key::Bool(b) => Value::Bool(*b),
                    Key::String(s) => Value::String(s.clone()),
                };
                let val = m
                    .map
                    .get(k)
                    .ok_or_else(|| PlanError::internal("map key vanished"))?;
                entries.push(IdedEntryExpr {
                    id: 0,
                    expr: EntryExpr::MapEntry(MapEntryExpr {
                        key: embed(&key)?,
                        value: embed(val)?,
                        optional: false,
                    }),
                });
            }
            Ok(node(Expr::Map(MapExpr { entries })))
        }
        Value::Timestamp(_) | Value::Duration(_) => {
            let name = if matches!(v, Value::Timestamp(_)) {
                "timestamp"
            } else {
                "duration"
            };
            let text = match cel_env::value_to_json(v) {
                serde_json::Value::String(s) => s,
                _ => return Err(PlanError::internal("time value without a text form")),
            };
            Ok(call(
                name,
                None,
                vec![node(Expr::Literal(LiteralValue::String(text.into())))],
            ))
        }
        Value::Bytes(b) => lit(LiteralValue::Bytes(b.to_vec().into())),
        other => Err(PlanError::unsupported(format!(
            "a value of type `{}` cannot appear in a plan",
            other.type_of()
        ))),
    }
}

fn key_sort(k: &Key) -> String {
    match k {
        Key::Int(i) => format!("i{i:020}"),
        Key::Uint(u) => format!("u{u:020}"),
        Key::Bool(b) => format!("b{b}"),
        Key::String(s) => format!("s{s}"),
    }
}

/// The attribute path of `R["a"]["b"]...`: `Some(["a", "b"])`; `Some([])` for bare `R`.
pub(crate) fn resource_path(e: &IdedExpr) -> Option<Vec<&str>> {
    match &e.expr {
        Expr::Ident(n) if n == "R" => Some(Vec::new()),
        Expr::Call(c) if c.func_name == "_[_]" && c.target.is_none() && c.args.len() == 2 => {
            let Expr::Literal(LiteralValue::String(key)) = &c.args[1].expr else {
                return None;
            };
            let mut p = resource_path(&c.args[0])?;
            p.push(key.as_ref());
            Some(p)
        }
        _ => None,
    }
}

/// Whether identifier `name` occurs in `e`.
fn mentions(e: &IdedExpr, name: &str) -> bool {
    match &e.expr {
        Expr::Ident(n) => n == name,
        Expr::Call(c) => {
            c.target.as_deref().is_some_and(|t| mentions(t, name))
                || c.args.iter().any(|a| mentions(a, name))
        }
        Expr::Select(s) => mentions(&s.operand, name),
        Expr::List(l) => l.elements.iter().any(|x| mentions(x, name)),
        Expr::Map(m) => m.entries.iter().any(|en| match &en.expr {
            EntryExpr::MapEntry(me) => mentions(&me.key, name) || mentions(&me.value, name),
            EntryExpr::StructField(sf) => mentions(&sf.value, name),
        }),
        Expr::Comprehension(c) => [
            &c.iter_range,
            &c.accu_init,
            &c.loop_cond,
            &c.loop_step,
            &c.result,
        ]
        .iter()
        .any(|x| mentions(x, name)),
        _ => false,
    }
}

/// `math` in `math.abs(x)`: a namespace identifier (unless a comprehension variable).
fn is_namespace_ident(t: &IdedExpr, bound: &[String]) -> bool {
    matches!(&t.expr, Expr::Ident(ns) if cel_env::is_namespace(ns) && !bound.contains(ns))
}

/// The first two keys of `R["a"]["b"]...` (without allocating): `None` if `e` is not a
/// literal-key path under `R`.
fn path_head(e: &IdedExpr) -> Option<(Option<&str>, Option<&str>)> {
    match &e.expr {
        Expr::Ident(n) if n == "R" => Some((None, None)),
        Expr::Call(c) if c.func_name == "_[_]" && c.target.is_none() && c.args.len() == 2 => {
            let Expr::Literal(LiteralValue::String(key)) = &c.args[1].expr else {
                return None;
            };
            let key: &str = key.as_ref();
            Some(match path_head(&c.args[0])? {
                (None, _) => (Some(key), None),
                (Some(a), None) => (Some(a), Some(key)),
                full => full,
            })
        }
        _ => None,
    }
}

/// Replaces free occurrences of identifier `name` in `e` by `with`.
pub(crate) fn subst(e: &IdedExpr, name: &str, with: &IdedExpr) -> IdedExpr {
    let mut out = e.clone();
    subst_in(&mut out, name, with);
    out
}

fn subst_in(e: &mut IdedExpr, name: &str, with: &IdedExpr) {
    match &mut e.expr {
        Expr::Ident(n) if n == name => *e = with.clone(),
        Expr::Call(c) => {
            if let Some(t) = c.target.as_mut() {
                subst_in(t, name, with);
            }
            for a in c.args.iter_mut() {
                subst_in(a, name, with);
            }
        }
        Expr::Select(s) => subst_in(&mut s.operand, name, with),
        Expr::List(l) => l.elements.iter_mut().for_each(|x| subst_in(x, name, with)),
        Expr::Map(m) => {
            for entry in m.entries.iter_mut() {
                match &mut entry.expr {
                    EntryExpr::MapEntry(me) => {
                        subst_in(&mut me.key, name, with);
                        subst_in(&mut me.value, name, with);
                    }
                    EntryExpr::StructField(sf) => subst_in(&mut sf.value, name, with),
                }
            }
        }
        Expr::Comprehension(c) => {
            subst_in(&mut c.iter_range, name, with);
            subst_in(&mut c.accu_init, name, with);
            let shadows =
                c.iter_var == name || c.iter_var2.as_deref() == Some(name) || c.accu_var == name;
            if !shadows {
                subst_in(&mut c.loop_cond, name, with);
                subst_in(&mut c.loop_step, name, with);
                subst_in(&mut c.result, name, with);
            }
        }
        _ => {}
    }
}

/// The shape of a standard `exists`/`all` expansion: `Some(true)` for `exists` (an `||`
/// fold starting at `false`), `Some(false)` for `all` (an `&&` fold starting at `true`).
pub(crate) fn logical_fold(c: &ComprehensionExpr) -> Option<(bool, &IdedExpr)> {
    let Expr::Call(step) = &c.loop_step.expr else {
        return None;
    };
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if *n == c.accu_var);
    if !is_accu(&c.result) || step.target.is_some() || step.args.len() != 2 {
        return None;
    }
    if !is_accu(&step.args[0]) || c.iter_var2.is_some() {
        return None;
    }
    let Expr::Literal(LiteralValue::Boolean(init)) = &c.accu_init.expr else {
        return None;
    };
    let init = *init.inner();
    match step.func_name.as_str() {
        "_||_" if !init => Some((true, &step.args[1])),
        "_&&_" if init => Some((false, &step.args[1])),
        _ => None,
    }
}

impl<'a> Partial<'a> {
    pub(crate) fn new(inputs: &'a Inputs<'a>) -> Partial<'a> {
        Partial {
            inputs,
            aux: std::sync::OnceLock::new(),
            vars: HashMap::new(),
            empty_list: values::string_list_val(std::iter::empty()),
        }
    }

    fn table(&mut self, defs: &Defs) -> &mut VarTable {
        self.vars.entry(defs.id).or_insert_with(|| VarTable {
            states: (0..defs.vars.len()).map(|_| VarState::Pending).collect(),
            vals: (0..defs.vars.len()).map(|_| None).collect(),
        })
    }

    /// Partially evaluates variable `i` of `defs` once.
    fn ensure_var(&mut self, defs: &Defs, i: usize, edr: Edr<'_>) -> Result<(), PlanError> {
        let t = self.table(defs);
        match t.states.get(i) {
            Some(VarState::Pending) => {}
            Some(VarState::InProgress) => {
                return Err(PlanError::internal("variable cycle"));
            }
            _ => return Ok(()),
        }
        t.states[i] = VarState::InProgress;
        let Some(e) = defs.vars.get(i) else {
            return Ok(());
        };
        let pe = self.pe(&e.ast, defs, edr, &mut Vec::new())?;
        let t = self.table(defs);
        match pe {
            Pe::Known(v) => {
                t.vals[i] = v.ok().and_then(values::value_val);
                t.states[i] = VarState::Known;
            }
            Pe::Open(e) => t.states[i] = VarState::Open(e),
        }
        Ok(())
    }

    fn var_open(
        &mut self,
        defs: &Defs,
        i: usize,
        edr: Edr<'_>,
    ) -> Result<Option<IdedExpr>, PlanError> {
        self.ensure_var(defs, i, edr)?;
        Ok(match self.table(defs).states.get(i) {
            Some(VarState::Open(e)) => Some(e.clone()),
            _ => None,
        })
    }

    /// Whether `e` reads nothing unknown (with `bound` comprehension variables unknown).
    fn closed(
        &mut self,
        e: &IdedExpr,
        defs: &Defs,
        edr: Edr<'_>,
        bound: &[String],
    ) -> Result<bool, PlanError> {
        if let Some(head) = path_head(e) {
            return Ok(self.known_head(head));
        }
        Ok(match &e.expr {
            Expr::Ident(n) => {
                if bound.iter().any(|b| b == n) || n == "R" || n == REQUEST || n == ERROR_MARK {
                    false
                } else if n == EDR {
                    !matches!(edr, Edr::Open)
                } else if let Some(i) = n.strip_prefix(VAR_PREFIX).and_then(|s| s.parse().ok()) {
                    self.var_open(defs, i, edr)?.is_none()
                } else {
                    true
                }
            }
            Expr::Select(s) => {
                if s.test {
                    if let Some(head) = path_head(&s.operand) {
                        let head = match head {
                            (None, _) => (Some(s.field.as_str()), None),
                            (Some(a), None) => (Some(a), Some(s.field.as_str())),
                            full => full,
                        };
                        return Ok(self.known_head(head));
                    }
                }
                self.closed(&s.operand, defs, edr, bound)?
            }
            Expr::Call(c) => {
                if let Some(t) = &c.target {
                    if !self.closed(t, defs, edr, bound)? {
                        return Ok(false);
                    }
                }
                for a in &c.args {
                    if !self.closed(a, defs, edr, bound)? {
                        return Ok(false);
                    }
                }
                true
            }
            Expr::List(l) => {
                for x in &l.elements {
                    if !self.closed(x, defs, edr, bound)? {
                        return Ok(false);
                    }
                }
                true
            }
            Expr::Map(m) => {
                for entry in &m.entries {
                    let parts: Vec<&IdedExpr> = match &entry.expr {
                        EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
                        EntryExpr::StructField(sf) => vec![&sf.value],
                    };
                    for p in parts {
                        if !self.closed(p, defs, edr, bound)? {
                            return Ok(false);
                        }
                    }
                }
                true
            }
            Expr::Comprehension(c) => {
                if !self.closed(&c.iter_range, defs, edr, bound)?
                    || !self.closed(&c.accu_init, defs, edr, bound)?
                {
                    return Ok(false);
                }
                // The loop variables are bound to known values inside.
                let inner: Vec<String> = bound
                    .iter()
                    .filter(|b| {
                        **b != c.iter_var
                            && Some(b.as_str()) != c.iter_var2.as_deref()
                            && **b != c.accu_var
                    })
                    .cloned()
                    .collect();
                self.closed(&c.loop_cond, defs, edr, &inner)?
                    && self.closed(&c.loop_step, defs, edr, &inner)?
                    && self.closed(&c.result, defs, edr, &inner)?
            }
            Expr::Literal(_) => true,
            Expr::Struct(_) | Expr::Unspecified => false,
        })
    }

    /// Whether a path under `R` (its first two keys) is known: kind, scope and version, and
    /// supplied attributes.
    fn known_head(&self, head: (Option<&str>, Option<&str>)) -> bool {
        match head {
            (Some("kind" | "scope" | "policyVersion" | "policy_version"), _) => true,
            (Some("attr"), Some(name)) => self.inputs.resource.attr().contains_key(name),
            _ => false,
        }
    }

    /// Evaluates a closed expression.
    fn eval(&mut self, e: &IdedExpr, defs: &Defs, edr: Edr<'_>) -> Folded {
        let inputs = self.inputs;
        let no_vars: &[Option<Box<dyn Val>>] = &[];
        let vars = self
            .vars
            .get(&defs.id)
            .map_or(no_vars, |t| t.vals.as_slice());
        let act = Activation {
            p: inputs.principal.cel(),
            r: inputs.resource.cel(),
            g: inputs.globals,
            consts: &defs.consts,
            vars,
            aux: if mentions(e, AUX) {
                Some(&**self.aux.get_or_init(|| values::aux_val(inputs.aux)))
            } else {
                None
            },
            edr: match edr {
                Edr::Empty => Some(&*self.empty_list),
                Edr::Known(v) => v,
                Edr::Open => None,
            },
            now: inputs.now,
            request: None,
        };
        let root = cel_env::root();
        let mut ctx = root.new_inner_scope();
        ctx.set_variable_resolver(&act);
        let folded = match Value::resolve_val(e, &ctx) {
            Err(_) => Folded::Error,
            Ok(v) if v.get_type().kind() == Kind::Type => Folded::Opaque,
            Ok(v) => match Value::try_from(v.as_ref()) {
                Ok(Value::Opaque(_) | Value::Struct(_) | Value::Function(..)) | Err(_) => {
                    Folded::Opaque
                }
                Ok(v) => Folded::Value(v),
            },
        };
        folded
    }

    /// Partially evaluates `e` under `defs`; `bound` are the comprehension variables ranging
    /// over unknown collections.
    pub(crate) fn pe(
        &mut self,
        e: &IdedExpr,
        defs: &Defs,
        edr: Edr<'_>,
        bound: &mut Vec<String>,
    ) -> Result<Pe, PlanError> {
        if let Expr::Ident(n) = &e.expr {
            // A type name (`string`, `double`) is a value without a plan form: keep it.
            if TYPE_NAMES.contains(&n.as_str()) && !bound.contains(n) {
                return Ok(Pe::Open(e.clone()));
            }
        }
        if self.closed(e, defs, edr, bound)? {
            match self.eval(e, defs, edr) {
                Folded::Value(v) => return Ok(Pe::Known(Ok(v))),
                Folded::Error => return Ok(Pe::Known(Err(()))),
                // A value of a custom type (hierarchy, cidr, ...): keep the expression,
                // with its parts folded below.
                Folded::Opaque => {}
            }
        }
        if path_head(e).is_some() {
            return Ok(Pe::Open(e.clone()));
        }
        match &e.expr {
            Expr::Ident(n) => {
                if let Some(i) = n.strip_prefix(VAR_PREFIX).and_then(|s| s.parse().ok()) {
                    if let Some(residual) = self.var_open(defs, i, edr)? {
                        return Ok(Pe::Open(residual));
                    }
                }
                if n == EDR {
                    return Err(PlanError::unsupported(
                        "`runtime.effectiveDerivedRoles` depends on resource attributes here",
                    ));
                }
                if n == REQUEST {
                    return Err(PlanError::unsupported(
                        "the whole `request` object cannot be planned",
                    ));
                }
                Ok(Pe::Open(e.clone()))
            }
            Expr::Select(s) => {
                let operand = self.pe(&s.operand, defs, edr, bound)?;
                match operand {
                    Pe::Known(Err(())) => Ok(Pe::Known(Err(()))),
                    other => Ok(Pe::Open(node(Expr::Select(cel::common::ast::SelectExpr {
                        operand: Box::new(other.embed()?),
                        field: s.field.clone(),
                        test: s.test,
                    })))),
                }
            }
            Expr::Call(c) => self.pe_call(c, defs, edr, bound),
            Expr::List(l) => {
                let mut elements = Vec::with_capacity(l.elements.len());
                for x in &l.elements {
                    match self.pe(x, defs, edr, bound)? {
                        Pe::Known(Err(())) => return Ok(Pe::Known(Err(()))),
                        p => elements.push(p.embed()?),
                    }
                }
                Ok(Pe::Open(node(Expr::List(ListExpr::new_with_optionals(
                    elements,
                    l.optional_indices.clone(),
                )))))
            }
            Expr::Map(m) => {
                let mut entries = Vec::with_capacity(m.entries.len());
                for entry in &m.entries {
                    let EntryExpr::MapEntry(me) = &entry.expr else {
                        return Err(PlanError::unsupported("message construction"));
                    };
                    let k = self.pe(&me.key, defs, edr, bound)?;
                    let v = self.pe(&me.value, defs, edr, bound)?;
                    if matches!(k, Pe::Known(Err(()))) || matches!(v, Pe::Known(Err(()))) {
                        return Ok(Pe::Known(Err(())));
                    }
                    entries.push(IdedEntryExpr {
                        id: 0,
                        expr: EntryExpr::MapEntry(MapEntryExpr {
                            key: k.embed()?,
                            value: v.embed()?,
                            optional: me.optional,
                        }),
                    });
                }
                Ok(Pe::Open(node(Expr::Map(MapExpr { entries }))))
            }
            Expr::Comprehension(c) => self.pe_comprehension(c, defs, edr, bound),
            Expr::Literal(_) | Expr::Struct(_) | Expr::Unspecified => {
                Err(PlanError::unsupported("message construction"))
            }
        }
    }

    fn pe_call(
        &mut self,
        c: &CallExpr,
        defs: &Defs,
        edr: Edr<'_>,
        bound: &mut Vec<String>,
    ) -> Result<Pe, PlanError> {
        let name = c.func_name.as_str();
        let bool_of = |p: &Pe| match p {
            Pe::Known(Ok(Value::Bool(b))) => Some(*b),
            _ => None,
        };
        match (name, c.args.as_slice()) {
            ("_&&_" | "_||_", [l, r]) if c.target.is_none() => {
                let a = self.pe(l, defs, edr, bound)?;
                let b = self.pe(r, defs, edr, bound)?;
                let absorbing = name == "_||_";
                if bool_of(&a) == Some(absorbing) || bool_of(&b) == Some(absorbing) {
                    return Ok(Pe::Known(Ok(Value::Bool(absorbing))));
                }
                return Ok(Pe::Open(call(name, None, vec![a.embed()?, b.embed()?])));
            }
            ("_?_:_", [cond, then, otherwise]) if c.target.is_none() => {
                let cp = self.pe(cond, defs, edr, bound)?;
                return match cp {
                    Pe::Known(Ok(Value::Bool(true))) => self.pe(then, defs, edr, bound),
                    Pe::Known(Ok(Value::Bool(false))) => self.pe(otherwise, defs, edr, bound),
                    Pe::Known(_) => Ok(Pe::Known(Err(()))),
                    Pe::Open(ce) => {
                        let t = self.pe(then, defs, edr, bound)?.embed()?;
                        let o = self.pe(otherwise, defs, edr, bound)?.embed()?;
                        Ok(Pe::Open(call(name, None, vec![ce, t, o])))
                    }
                };
            }
            _ => {}
        }
        // Every other function evaluates all its arguments first: an error in one is the
        // call's error.
        let target = match &c.target {
            // `math.abs(x)`: the namespace is not a value.
            Some(t) if is_namespace_ident(t, bound) => Some((**t).clone()),
            Some(t) => match self.pe(t, defs, edr, bound)? {
                Pe::Known(Err(())) => return Ok(Pe::Known(Err(()))),
                p => Some(p.embed()?),
            },
            None => None,
        };
        let mut args = Vec::with_capacity(c.args.len());
        for a in &c.args {
            match self.pe(a, defs, edr, bound)? {
                Pe::Known(Err(())) if name != "@not_strictly_false" => {
                    return Ok(Pe::Known(Err(())))
                }
                p => args.push(p.embed()?),
            }
        }
        Ok(Pe::Open(call(name, target, args)))
    }

    fn pe_comprehension(
        &mut self,
        c: &ComprehensionExpr,
        defs: &Defs,
        edr: Edr<'_>,
        bound: &mut Vec<String>,
    ) -> Result<Pe, PlanError> {
        let range = self.pe(&c.iter_range, defs, edr, bound)?;
        if let Pe::Known(r) = &range {
            let items: Vec<Value> = match r {
                Err(()) => return Ok(Pe::Known(Err(()))),
                Ok(Value::List(items)) => items.iter().cloned().collect(),
                Ok(Value::Map(m)) => {
                    let mut keys: Vec<&Key> = m.map.keys().collect();
                    keys.sort_by_key(|k| key_sort(k));
                    keys.into_iter()
                        .map(|k| match k {
                            Key::Int(i) => Value::Int(*i),
                            Key::Uint(u) => Value::UInt(*u),
                            Key::Bool(b) => Value::Bool(*b),
                            Key::String(s) => Value::String(s.clone()),
                        })
                        .collect()
                }
                Ok(_) => return Ok(Pe::Known(Err(()))),
            };
            // `exists`/`all` over a known collection: the `||`/`&&` of the body per element.
            if let Some((is_exists, body)) = logical_fold(c) {
                if items.len() > MAX_UNROLL {
                    return Err(PlanError::unsupported(format!(
                        "a comprehension over more than {MAX_UNROLL} known elements"
                    )));
                }
                let op = if is_exists { "_||_" } else { "_&&_" };
                let mut acc = node(Expr::Literal(LiteralValue::Boolean((!is_exists).into())));
                for item in &items {
                    let b = subst(body, &c.iter_var, &embed(item)?);
                    acc = call(op, None, vec![acc, b]);
                }
                return self.pe(&acc, defs, edr, bound);
            }
            // Other comprehensions stay, over the embedded collection.
        }
        let range_e = range.embed()?;
        let init = self.pe(&c.accu_init, defs, edr, bound)?.embed()?;
        let mut vars = vec![c.iter_var.clone(), c.accu_var.clone()];
        if let Some(v2) = &c.iter_var2 {
            vars.push(v2.clone());
        }
        let n = bound.len();
        bound.extend(vars);
        let cond = self.pe(&c.loop_cond, defs, edr, bound);
        let step = self.pe(&c.loop_step, defs, edr, bound);
        let result = self.pe(&c.result, defs, edr, bound);
        bound.truncate(n);
        Ok(Pe::Open(node(Expr::Comprehension(Box::new(
            ComprehensionExpr {
                iter_range: range_e,
                iter_var: c.iter_var.clone(),
                iter_var2: c.iter_var2.clone(),
                accu_var: c.accu_var.clone(),
                accu_init: init,
                loop_cond: cond?.embed()?,
                loop_step: step?.embed()?,
                result: result?.embed()?,
            },
        )))))
    }
}
