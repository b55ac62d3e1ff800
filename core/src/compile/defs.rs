//! Variables and constants (§9): local and imported definitions merged per policy, checked for
//! redefinition, undefined references and cycles, and compiled in the importing policy's context.

use std::collections::HashMap;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::cx::{join, FileCx};
use super::expr::{self, CompiledExpr, Names};
use super::model::Defs;
use crate::cel_env;
use crate::error::BuildErrorKind as K;
use crate::load::{Parsed, Seg};
use crate::names;
use crate::policy::doc::{Constants, Variables};

/// `exportVariables` and `exportConstants` sets by name.
#[derive(Default)]
pub(crate) struct Exports<'a> {
    pub(crate) vars: HashMap<String, &'a Parsed>,
    pub(crate) consts: HashMap<String, &'a Parsed>,
}

/// Where a definition was written: its file and path.
struct Origin<'a> {
    parsed: Option<&'a Parsed>,
    path: Vec<Seg<'a>>,
}

/// Builds the definitions visible in one policy body at `body`.
pub(crate) fn build<'a>(
    cx: &mut FileCx<'_>,
    body: &[Seg<'a>],
    vars: Option<&'a Variables>,
    legacy_vars: Option<&'a IndexMap<String, String>>,
    consts: Option<&'a Constants>,
    exports: &Exports<'a>,
    next_id: &mut usize,
) -> Arc<Defs> {
    let mut defs = Defs {
        id: *next_id,
        ..Defs::default()
    };
    *next_id += 1;

    // Constants: local, then imported.
    let mut const_values: Vec<Json> = Vec::new();
    let mut add_const =
        |cx: &mut FileCx<'_>, name: &str, value: &Json, at: &[Seg<'_>], defs: &mut Defs| {
            if !names::is_cel_identifier(name) {
                cx.err(
                    K::Schema,
                    at,
                    format!("constant name `{name}` is not a valid identifier"),
                );
            }
            if defs.const_names.iter().any(|n| n == name) {
                cx.err(K::Duplicate, at, format!("constant redefined: `{name}`"));
                return;
            }
            defs.const_names.push(name.to_string());
            const_values.push(value.clone());
        };
    if let Some(c) = consts {
        for (name, value) in &c.local {
            let at = join(
                body,
                &[Seg::Key("constants"), Seg::Key("local"), Seg::Key(name)],
            );
            add_const(cx, name, value, &at, &mut defs);
        }
        check_unique_names(
            cx,
            &c.import,
            &join(body, &[Seg::Key("constants"), Seg::Key("import")]),
        );
        for (i, set) in c.import.iter().enumerate() {
            let at = join(
                body,
                &[Seg::Key("constants"), Seg::Key("import"), Seg::Index(i)],
            );
            match exports.consts.get(set) {
                Some(p) => {
                    if let Some(ec) = &p.doc.export_constants {
                        for (name, value) in &ec.definitions {
                            add_const(cx, name, value, &at, &mut defs);
                        }
                    }
                }
                None => cx.err(
                    K::Reference,
                    &at,
                    format!("constants import `{set}` not found"),
                ),
            }
        }
    }
    defs.consts = const_values.iter().map(cel_env::json_to_val).collect();

    // Variables: local, deprecated top-level, then imported.
    let mut sources: Vec<(String, &'a str, Origin<'a>)> = Vec::new();
    let mut add_var =
        |cx: &mut FileCx<'_>, name: &str, src: &'a str, origin: Origin<'a>, at: &[Seg<'_>]| {
            if !names::is_cel_identifier(name) {
                cx.err(
                    K::Schema,
                    at,
                    format!("variable name `{name}` is not a valid identifier"),
                );
            }
            if sources.iter().any(|(n, _, _)| n == name) {
                cx.err(K::Duplicate, at, format!("variable redefined: `{name}`"));
                return;
            }
            sources.push((name.to_string(), src, origin));
        };
    if let Some(v) = vars {
        for (name, src) in &v.local {
            let path = join(
                body,
                &[Seg::Key("variables"), Seg::Key("local"), Seg::Key(name)],
            );
            add_var(
                cx,
                name,
                src,
                Origin {
                    parsed: None,
                    path: path.clone(),
                },
                &path,
            );
        }
    }
    if let Some(legacy) = legacy_vars {
        for (name, src) in legacy {
            let path = vec![Seg::Key("variables"), Seg::Key(name)];
            add_var(
                cx,
                name,
                src,
                Origin {
                    parsed: None,
                    path: path.clone(),
                },
                &path,
            );
        }
    }
    if let Some(v) = vars {
        check_unique_names(
            cx,
            &v.import,
            &join(body, &[Seg::Key("variables"), Seg::Key("import")]),
        );
        for (i, set) in v.import.iter().enumerate() {
            let at = join(
                body,
                &[Seg::Key("variables"), Seg::Key("import"), Seg::Index(i)],
            );
            match exports.vars.get(set) {
                Some(p) => {
                    if let Some(ev) = &p.doc.export_variables {
                        for (name, src) in &ev.definitions {
                            let path = vec![
                                Seg::Key("exportVariables"),
                                Seg::Key("definitions"),
                                Seg::Key(name),
                            ];
                            add_var(
                                cx,
                                name,
                                src,
                                Origin {
                                    parsed: Some(p),
                                    path,
                                },
                                &at,
                            );
                        }
                    }
                }
                None => cx.err(
                    K::Reference,
                    &at,
                    format!("variables import `{set}` not found"),
                ),
            }
        }
    }
    defs.var_names = sources.iter().map(|(n, _, _)| n.clone()).collect();

    // Compile every variable in this policy's context.
    let names = Names {
        vars: &defs.var_names,
        consts: &defs.const_names,
    };
    let mut compiled = Vec::with_capacity(sources.len());
    for (_, src, origin) in &sources {
        let result = match origin.parsed {
            Some(p) => {
                let mut ecx = FileCx {
                    path: &p.file.path,
                    root: &p.root,
                    errors: &mut *cx.errors,
                };
                compile_or_report(&mut ecx, src, &names, &origin.path)
            }
            None => compile_or_report(cx, src, &names, &origin.path),
        };
        compiled.push(result);
    }
    // Cycles.
    let deps: Vec<Vec<usize>> = compiled.iter().map(|c| c.vars.clone()).collect();
    if let Some(cycle) = find_cycle(&deps) {
        let names: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", defs.var_names[i]))
            .collect();
        let first = cycle[0];
        let origin = &sources[first].2;
        let msg = format!("cyclical variable definitions: {}", names.join(" -> "));
        match origin.parsed {
            Some(p) => {
                let mut ecx = FileCx {
                    path: &p.file.path,
                    root: &p.root,
                    errors: &mut *cx.errors,
                };
                ecx.err(K::Cycle, &origin.path, msg);
            }
            None => cx.err(K::Cycle, &origin.path, msg),
        }
    }
    defs.vars = compiled;
    Arc::new(defs)
}

/// Compiles an expression at `path`, reporting errors; returns a `false` placeholder on error
/// (the build fails anyway).
pub(crate) fn compile_or_report(
    cx: &mut FileCx<'_>,
    src: &str,
    names: &Names<'_>,
    path: &[Seg<'_>],
) -> CompiledExpr {
    let node = cx.node(path).clone();
    match expr::compile(src, names, &node) {
        Ok(c) => c,
        Err(errs) => {
            for e in errs {
                cx.err_at(K::Cel, e.pos, e.message);
            }
            placeholder(src)
        }
    }
}

fn placeholder(src: &str) -> CompiledExpr {
    CompiledExpr {
        source: Arc::from(src),
        ast: cel::common::ast::IdedExpr {
            id: 0,
            expr: cel::common::ast::Expr::Literal(cel::common::ast::LiteralValue::Boolean(
                false.into(),
            )),
        },
        uses_now: false,
        uses_aux: false,
        uses_edr: false,
        uses_request: false,
        vars: Vec::new(),
    }
}

/// Reports names that break `^[\w\-.]+$` or repeat.
pub(crate) fn check_unique_names(cx: &mut FileCx<'_>, list: &[String], at: &[Seg<'_>]) {
    for (i, n) in list.iter().enumerate() {
        let p = join(at, &[Seg::Index(i)]);
        if !names::is_valid_name_ref(n) {
            cx.err(K::Schema, &p, format!("invalid name `{n}`"));
        }
        if list[..i].contains(n) {
            cx.err(K::Duplicate, &p, format!("`{n}` is listed twice"));
        }
    }
}

/// A cycle in the dependency graph, if any, as the list of nodes on it.
fn find_cycle(deps: &[Vec<usize>]) -> Option<Vec<usize>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    fn dfs(
        n: usize,
        deps: &[Vec<usize>],
        marks: &mut [Mark],
        stack: &mut Vec<usize>,
    ) -> Option<Vec<usize>> {
        marks[n] = Mark::Active;
        stack.push(n);
        for &d in deps.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            match marks.get(d).copied() {
                Some(Mark::Active) => {
                    let start = stack.iter().position(|&x| x == d).unwrap_or(0);
                    let mut cycle = stack[start..].to_vec();
                    cycle.push(d);
                    return Some(cycle);
                }
                Some(Mark::New) => {
                    if let Some(c) = dfs(d, deps, marks, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        marks[n] = Mark::Done;
        None
    }
    let mut marks = vec![Mark::New; deps.len()];
    for n in 0..deps.len() {
        if marks[n] == Mark::New {
            let mut stack = Vec::new();
            if let Some(c) = dfs(n, deps, &mut marks, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::find_cycle;

    #[test]
    fn finds_cycles() {
        assert_eq!(find_cycle(&[vec![1], vec![2], vec![]]), None);
        assert_eq!(find_cycle(&[vec![1], vec![0]]), Some(vec![0, 1, 0]));
        assert_eq!(find_cycle(&[vec![0]]), Some(vec![0, 0]));
    }
}
