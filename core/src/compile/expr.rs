//! Compiling one CEL expression of a policy: parse, rewrite names to fast slots, validate every
//! identifier and function at build time, and locate errors in the YAML file.
//!
//! Rewrites (so evaluation resolves names without building maps):
//! `V.x`/`variables.x` → a variable slot, `C.x`/`constants.x` → a constant slot,
//! `request.principal` → `P`, `request.resource` → `R`, `globals` → `G`,
//! `request.auxData` → the aux-data slot, `runtime.effectiveDerivedRoles` → its slot,
//! `now()` → the request-time slot and `timeSince(t)` → `now - t`.

use std::sync::Arc;

use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue};

use crate::cel_env;
use crate::yaml;

/// Name of the slot holding `now()`.
pub(crate) const NOW: &str = "__now";
/// Name of the slot holding `request.auxData`.
pub(crate) const AUX: &str = "__aux";
/// Name of the slot holding `runtime.effectiveDerivedRoles`.
pub(crate) const EDR: &str = "__edr";
/// Name of the slot holding the whole `request`.
pub(crate) const REQUEST: &str = "__request";
/// Prefix of variable slots: `__v<index>`.
pub(crate) const VAR_PREFIX: &str = "__v";
/// Prefix of constant slots: `__c<index>`.
pub(crate) const CONST_PREFIX: &str = "__c";

/// A compiled expression, ready to evaluate many times.
#[derive(Debug)]
pub(crate) struct CompiledExpr {
    /// The source text, as written (for error records).
    pub(crate) source: Arc<str>,
    /// The rewritten AST.
    pub(crate) ast: IdedExpr,
    /// Reads `now()` or `timeSince`.
    pub(crate) uses_now: bool,
    /// Reads `request.auxData`.
    pub(crate) uses_aux: bool,
    /// Reads `runtime.effectiveDerivedRoles`.
    pub(crate) uses_edr: bool,
    /// Reads the whole `request`.
    pub(crate) uses_request: bool,
    /// Variable slots read directly.
    pub(crate) vars: Vec<usize>,
}

/// The names an expression may refer to.
#[derive(Debug)]
pub(crate) struct Names<'a> {
    /// Variables in scope, by slot index.
    pub(crate) vars: &'a [String],
    /// Constants in scope, by slot index.
    pub(crate) consts: &'a [String],
}

/// A problem in an expression: a message and its position in the YAML file.
#[derive(Debug)]
pub(crate) struct ExprError {
    pub(crate) pos: yaml::Pos,
    pub(crate) message: String,
}

/// Compiles `src`, written at `node` of the YAML file.
pub(crate) fn compile(
    src: &str,
    names: &Names<'_>,
    node: &yaml::Node,
) -> Result<CompiledExpr, Vec<ExprError>> {
    if let Some(offset) = too_deep_text(src) {
        return Err(vec![ExprError {
            pos: node.pos_of_offset(offset),
            message: format!("expression nested deeper than {MAX_DEPTH} levels"),
        }]);
    }
    let program = match cel_env::env().compile(src) {
        Ok(p) => p,
        Err(errs) => {
            return Err(errs
                .errors
                .iter()
                .map(|e| ExprError {
                    pos: pos_in(node, e.pos.0, e.pos.1),
                    message: format!("invalid expression `{src}`: {}", clean_parse_msg(&e.msg)),
                })
                .collect())
        }
    };
    let info = program.source_info();
    let mut ast = program.expression().clone();
    let mut cx = Rewriter {
        names,
        src,
        node,
        info,
        scopes: Vec::new(),
        errors: Vec::new(),
        out: CompiledExpr {
            source: Arc::from(src),
            ast: IdedExpr::default(),
            uses_now: false,
            uses_aux: false,
            uses_edr: false,
            uses_request: false,
            vars: Vec::new(),
        },
    };
    cx.visit(&mut ast);
    if depth(&ast) > MAX_DEPTH {
        cx.errors.push(ExprError {
            pos: node.pos,
            message: format!(
                "expression nested deeper than {MAX_DEPTH} levels (long chains of operators count as nesting)"
            ),
        });
    }
    if !cx.errors.is_empty() {
        return Err(cx.errors);
    }
    let mut out = cx.out;
    out.vars.sort_unstable();
    out.vars.dedup();
    out.ast = ast;
    Ok(out)
}

/// Deepest expression accepted: evaluation recurses per level on the caller's stack, which
/// may be a 2 MiB async worker thread.
pub(crate) const MAX_DEPTH: usize = 64;

/// The offset where brackets nest deeper than [`MAX_DEPTH`], outside string literals.
fn too_deep_text(src: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in src.chars().enumerate() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Depth of an expression tree, counted iteratively.
fn depth(root: &IdedExpr) -> usize {
    let mut max = 0;
    let mut stack: Vec<(&IdedExpr, usize)> = vec![(root, 1)];
    while let Some((e, d)) = stack.pop() {
        max = max.max(d);
        match &e.expr {
            Expr::Call(c) => {
                if let Some(t) = &c.target {
                    stack.push((t, d + 1));
                }
                stack.extend(c.args.iter().map(|a| (a, d + 1)));
            }
            Expr::Select(s) => stack.push((&s.operand, d + 1)),
            Expr::List(l) => stack.extend(l.elements.iter().map(|x| (x, d + 1))),
            Expr::Map(m) => {
                for entry in &m.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(me) => {
                            stack.push((&me.key, d + 1));
                            stack.push((&me.value, d + 1));
                        }
                        EntryExpr::StructField(sf) => stack.push((&sf.value, d + 1)),
                    }
                }
            }
            Expr::Comprehension(c) => {
                for x in [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ] {
                    stack.push((x, d + 1));
                }
            }
            _ => {}
        }
    }
    max
}

fn clean_parse_msg(m: &str) -> String {
    let m = m.strip_prefix("Syntax error: ").unwrap_or(m);
    m.to_string()
}

fn pos_in(node: &yaml::Node, line: isize, col: isize) -> yaml::Pos {
    // cel reports 1-based lines and columns.
    let line = u32::try_from(line.max(1)).unwrap_or(1);
    let col = u32::try_from(col.max(1)).unwrap_or(1);
    node.pos_of_line_col(line, col)
}

pub(crate) const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "bool",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "timestamp",
    "duration",
    "dyn",
    "optional_type",
];

struct Rewriter<'a> {
    names: &'a Names<'a>,
    src: &'a str,
    node: &'a yaml::Node,
    info: &'a cel::common::ast::SourceInfo,
    /// Comprehension and bind variables in scope.
    scopes: Vec<String>,
    errors: Vec<ExprError>,
    out: CompiledExpr,
}

impl Rewriter<'_> {
    fn error(&mut self, id: u64, message: String) {
        // `offset_for` gives the (start, stop) character offsets of the node in the source.
        let pos = match self.info.offset_for(id) {
            Some((start, _)) => self.node.pos_of_offset(start as usize),
            None => self.node.pos,
        };
        let _ = self.src;
        self.errors.push(ExprError { pos, message });
    }

    fn in_scope(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s == name)
    }

    fn visit(&mut self, e: &mut IdedExpr) {
        let id = e.id;
        // Rewrites that replace the node itself.
        let errors_before = self.errors.len();
        let replacement = self.rewrite(e);
        if self.errors.len() > errors_before {
            return;
        }
        if let Some(replacement) = replacement {
            *e = replacement;
            if matches!(e.expr, Expr::Ident(_)) {
                return;
            }
        }
        match &mut e.expr {
            Expr::Ident(name) => {
                let name = name.clone();
                if !self.in_scope(&name) {
                    self.check_ident(id, &name);
                }
            }
            Expr::Select(sel) => {
                self.visit(&mut sel.operand);
                if !sel.test {
                    // `a.f` on a map → `a["f"]`: the same lookup (a missing key is the same
                    // error), but `cel` 0.15 resolves a select chain by building its dotted
                    // name first (two allocations per chain); an index with a literal key
                    // borrows the key from the AST.
                    let operand = std::mem::take(&mut sel.operand);
                    let field = std::mem::take(&mut sel.field);
                    e.expr = Expr::Call(CallExpr {
                        func_name: "_[_]".to_string(),
                        target: None,
                        args: vec![
                            *operand,
                            IdedExpr {
                                id,
                                expr: Expr::Literal(LiteralValue::String(field.into())),
                            },
                        ],
                    });
                }
            }
            Expr::Call(call) => {
                let argc = call.args.len();
                let has_target = call.target.is_some();
                // A comprehension variable shadows a namespace of the same name.
                let shadowed = matches!(
                    call.target.as_deref().map(|t| &t.expr),
                    Some(Expr::Ident(ns)) if self.in_scope(ns)
                );
                let qualified = if shadowed { None } else { qualified_call(call) };
                if let Some(name) = &qualified {
                    if let Err(m) = cel_env::check_call(name, false, argc) {
                        self.error(id, m);
                    }
                } else {
                    if let Err(m) = cel_env::check_call(&call.func_name, has_target, argc) {
                        self.error(id, m);
                    }
                    if let Some(t) = call.target.as_mut() {
                        self.visit(t);
                    }
                }
                self.check_literals(id, call);
                for a in call.args.iter_mut() {
                    self.visit(a);
                }
                if call.func_name == "string" && call.target.is_none() && call.args.len() == 1 {
                    route_string_of_double(e);
                }
            }
            Expr::Comprehension(c) => {
                self.visit(&mut c.iter_range);
                self.visit(&mut c.accu_init);
                let mut pushed = 0;
                for v in [
                    Some(c.iter_var.clone()),
                    c.iter_var2.clone(),
                    Some(c.accu_var.clone()),
                ]
                .into_iter()
                .flatten()
                {
                    self.scopes.push(v);
                    pushed += 1;
                }
                self.visit(&mut c.loop_cond);
                self.visit(&mut c.loop_step);
                self.visit(&mut c.result);
                for _ in 0..pushed {
                    self.scopes.pop();
                }
            }
            Expr::List(l) => {
                for x in l.elements.iter_mut() {
                    self.visit(x);
                }
            }
            Expr::Map(m) => {
                for entry in m.entries.iter_mut() {
                    match &mut entry.expr {
                        EntryExpr::MapEntry(me) => {
                            self.visit(&mut me.key);
                            self.visit(&mut me.value);
                        }
                        EntryExpr::StructField(sf) => self.visit(&mut sf.value),
                    }
                }
            }
            Expr::Struct(s) => {
                let name = s.type_name.clone();
                self.error(
                    id,
                    format!("message construction `{name}{{...}}` is not supported"),
                );
            }
            Expr::Literal(_) | Expr::Unspecified => {}
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }

    /// Replaces well-known names with slots. Returns the replacement node, if any.
    fn rewrite(&mut self, e: &IdedExpr) -> Option<IdedExpr> {
        let ident = |name: &str| IdedExpr {
            id: e.id,
            expr: Expr::Ident(name.to_string()),
        };
        match &e.expr {
            Expr::Select(sel) if !sel.test => {
                let Expr::Ident(base) = &sel.operand.expr else {
                    return None;
                };
                if self.in_scope(base) {
                    return None;
                }
                let field = sel.field.as_str();
                match base.as_str() {
                    "V" | "variables" => Some(ident(&self.var_slot(e.id, field)?)),
                    "C" | "constants" => Some(ident(&self.const_slot(e.id, field)?)),
                    "request" => match field {
                        "principal" => Some(ident("P")),
                        "resource" => Some(ident("R")),
                        "auxData" | "aux_data" => {
                            self.out.uses_aux = true;
                            Some(ident(AUX))
                        }
                        other => {
                            self.error(e.id, format!("`request` has no field `{other}`"));
                            None
                        }
                    },
                    "runtime" => match field {
                        "effectiveDerivedRoles" | "effective_derived_roles" => {
                            self.out.uses_edr = true;
                            Some(ident(EDR))
                        }
                        other => {
                            self.error(e.id, format!("`runtime` has no field `{other}`"));
                            None
                        }
                    },
                    _ => None,
                }
            }
            Expr::Call(call) if call.func_name == "_[_]" && call.args.len() == 2 => {
                let (Expr::Ident(base), Expr::Literal(LiteralValue::String(key))) =
                    (&call.args[0].expr, &call.args[1].expr)
                else {
                    return None;
                };
                if self.in_scope(base) {
                    return None;
                }
                let key = key.to_string();
                match base.as_str() {
                    "V" | "variables" => Some(ident(&self.var_slot(e.id, &key)?)),
                    "C" | "constants" => Some(ident(&self.const_slot(e.id, &key)?)),
                    _ => None,
                }
            }
            Expr::Call(call) if call.func_name == "now" && call.target.is_none() => {
                if call.args.is_empty() {
                    self.out.uses_now = true;
                    Some(ident(NOW))
                } else {
                    None
                }
            }
            Expr::Call(call) if call.func_name == "timeSince" => {
                let arg = match (&call.target, call.args.as_slice()) {
                    (None, [a]) => a.clone(),
                    (Some(t), []) => (**t).clone(),
                    _ => return None,
                };
                self.out.uses_now = true;
                Some(IdedExpr {
                    id: e.id,
                    expr: Expr::Call(CallExpr {
                        func_name: "_-_".to_string(),
                        target: None,
                        args: vec![ident(NOW), arg],
                    }),
                })
            }
            Expr::Ident(name) if !self.in_scope(name) => match name.as_str() {
                "globals" => Some(ident("G")),
                "request" => {
                    self.out.uses_request = true;
                    self.out.uses_aux = true;
                    Some(ident(REQUEST))
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn var_slot(&mut self, id: u64, name: &str) -> Option<String> {
        match self.names.vars.iter().position(|v| v == name) {
            Some(i) => {
                self.out.vars.push(i);
                Some(format!("{VAR_PREFIX}{i}"))
            }
            None => {
                self.error(id, format!("undefined variable `{name}`"));
                None
            }
        }
    }

    fn const_slot(&mut self, id: u64, name: &str) -> Option<String> {
        match self.names.consts.iter().position(|v| v == name) {
            Some(i) => Some(format!("{CONST_PREFIX}{i}")),
            None => {
                self.error(id, format!("undefined constant `{name}`"));
                None
            }
        }
    }

    fn check_ident(&mut self, id: u64, name: &str) {
        let ok = matches!(name, "P" | "R" | "G")
            || name == NOW
            || name == AUX
            || name == EDR
            || name == REQUEST
            || name.starts_with(VAR_PREFIX) && name[VAR_PREFIX.len()..].parse::<usize>().is_ok()
            || name.starts_with(CONST_PREFIX)
                && name[CONST_PREFIX.len()..].parse::<usize>().is_ok()
            || TYPE_NAMES.contains(&name);
        if ok {
            return;
        }
        let msg = match name {
            "V" | "variables" => "variables must be read by name, e.g. `V.name`".to_string(),
            "C" | "constants" => "constants must be read by name, e.g. `C.name`".to_string(),
            "runtime" => "use `runtime.effectiveDerivedRoles`".to_string(),
            _ => format!("undeclared reference to `{name}`"),
        };
        self.error(id, msg);
    }

    /// Literal arguments that can be checked now: durations, timestamps, regexes. A regular
    /// expression literal is compiled here, once, for every evaluation (see `cel_env::regex`),
    /// and calls of `matches` are renamed to the cached implementation.
    fn check_literals(&mut self, id: u64, call: &mut CallExpr) {
        let lit = |e: &IdedExpr| match &e.expr {
            Expr::Literal(LiteralValue::String(s)) => Some(s.to_string()),
            _ => None,
        };
        let qualified = qualified_call(call);
        let name = qualified.as_deref().unwrap_or(call.func_name.as_str());
        let member = call.target.is_some() && qualified.is_none();
        match (name, member, call.args.as_slice()) {
            ("duration", false, [a]) => {
                if let Some(s) = lit(a) {
                    if let Err(m) = cel_env::parse_duration_literal(&s) {
                        self.error(id, format!("invalid duration `{s}`: {m}"));
                    }
                }
            }
            ("timestamp", false, [a]) => {
                if let Some(s) = lit(a) {
                    if chrono::DateTime::parse_from_rfc3339(&s).is_err() {
                        self.error(id, format!("invalid timestamp `{s}`: expected RFC 3339"));
                    }
                }
            }
            ("matches", true, [a]) | ("matches", false, [_, a]) => {
                if let Some(s) = lit(a) {
                    self.check_regex(id, &s, name, false);
                }
                call.func_name = cel_env::regex::MATCHES.to_owned();
            }
            ("regex.replace", false, [_, a, _] | [_, a, _, _]) => {
                if let Some(s) = lit(a) {
                    self.check_regex(id, &s, name, false);
                }
            }
            ("regex.extract" | "regex.extractAll", false, [_, a]) => {
                if let Some(s) = lit(a) {
                    self.check_regex(id, &s, name, true);
                }
            }
            _ => {}
        }
    }

    /// Compiles the regular expression literal `pattern` of a call of `function`, which allows
    /// one capture group at most when `one_group`.
    fn check_regex(&mut self, id: u64, pattern: &str, function: &str, one_group: bool) {
        match cel_env::regex::check_literal(pattern) {
            Err(why) => self.error(id, format!("invalid regular expression `{pattern}`: {why}")),
            Ok(re) if one_group && cel_env::regex::groups(&re) > 1 => self.error(
                id,
                format!(
                    "`{function}` takes a regular expression with one capture group at most, \
                     `{pattern}` has {}",
                    cel_env::regex::groups(&re)
                ),
            ),
            Ok(_) => {}
        }
    }
}

/// `string(x)` → `type(x) == double ? @stringDouble(x) : string(x)`, so doubles are written
/// as cel-go writes them (see `cel_env::go_format`).
pub(crate) fn route_string_of_double(e: &mut IdedExpr) {
    let id = e.id;
    let Expr::Call(call) = &e.expr else { return };
    let Some(arg) = call.args.first().cloned() else {
        return;
    };
    let node = |expr| IdedExpr { id, expr };
    let global = |name: &str, args: Vec<IdedExpr>| {
        node(Expr::Call(CallExpr {
            func_name: name.to_string(),
            target: None,
            args,
        }))
    };
    let is_double = global(
        "_==_",
        vec![
            global("type", vec![arg.clone()]),
            node(Expr::Ident("double".to_string())),
        ],
    );
    let formatted = global(cel_env::go_format::FORMAT_DOUBLE, vec![arg.clone()]);
    let original = global("string", vec![arg]);
    *e = global("_?_:_", vec![is_double, formatted, original]);
}

/// `base64.encode(x)` is parsed as a member call on the identifier `base64`: the qualified name
/// when the target is a bare namespace identifier.
fn qualified_call(call: &CallExpr) -> Option<String> {
    let t = call.target.as_ref()?;
    let Expr::Ident(ns) = &t.expr else {
        return None;
    };
    cel_env::is_namespace(ns).then(|| format!("{ns}.{}", call.func_name))
}
