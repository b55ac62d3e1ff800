//! Conditions (§4) and outputs (§13).

use std::sync::Arc;

use super::cx::{join, FileCx};
use super::defs::compile_or_report;
use super::expr::Names;
use super::model::{Cond, Outputs};
use crate::error::BuildErrorKind as K;
use crate::load::Seg;
use crate::policy::doc::{Condition, Match, Output};

/// Compiles a `condition` at `path`.
pub(crate) fn condition(
    cx: &mut FileCx<'_>,
    c: &Condition,
    path: &[Seg<'_>],
    names: &Names<'_>,
) -> Option<Cond> {
    if c.script.is_some() {
        cx.err(
            K::Schema,
            &join(path, &[Seg::Key("script")]),
            "scripts in conditions are no longer supported",
        );
        return None;
    }
    match &c.match_ {
        Some(m) => Some(matcher(cx, m, &join(path, &[Seg::Key("match")]), names)),
        None => {
            cx.err(K::Schema, path, "a condition needs a `match`");
            None
        }
    }
}

fn matcher(cx: &mut FileCx<'_>, m: &Match, path: &[Seg<'_>], names: &Names<'_>) -> Cond {
    let set = [
        m.expr.is_some(),
        m.all.is_some(),
        m.any.is_some(),
        m.none.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if set != 1 {
        cx.err(
            K::Schema,
            path,
            "a match must have exactly one of `expr`, `all`, `any` or `none`",
        );
        return Cond::All(Vec::new());
    }
    if let Some(src) = &m.expr {
        let e = compile_or_report(cx, src, names, &join(path, &[Seg::Key("expr")]));
        return Cond::Expr(Arc::new(e));
    }
    let (key, list) = match (&m.all, &m.any, &m.none) {
        (Some(l), _, _) => ("all", l),
        (_, Some(l), _) => ("any", l),
        (_, _, Some(l)) => ("none", l),
        _ => return Cond::All(Vec::new()),
    };
    let of_path = join(path, &[Seg::Key(key), Seg::Key("of")]);
    if list.of.is_empty() {
        cx.err(
            K::Schema,
            &join(path, &[Seg::Key(key)]),
            format!("`{key}.of` needs at least one entry"),
        );
    }
    let items: Vec<Cond> = list
        .of
        .iter()
        .enumerate()
        .map(|(i, m)| matcher(cx, m, &join(&of_path, &[Seg::Index(i)]), names))
        .collect();
    match key {
        "all" => Cond::All(items),
        "any" => Cond::Any(items),
        _ => Cond::None(items),
    }
}

/// Compiles an `output` at `path`.
pub(crate) fn output(
    cx: &mut FileCx<'_>,
    o: &Output,
    path: &[Seg<'_>],
    names: &Names<'_>,
) -> Option<Outputs> {
    let mut out = Outputs::default();
    let when = o.when.as_ref();
    let activated = when.and_then(|w| w.rule_activated.as_ref());
    let not_met = when.and_then(|w| w.condition_not_met.as_ref());
    if let Some(src) = activated {
        let p = join(path, &[Seg::Key("when"), Seg::Key("ruleActivated")]);
        out.rule_activated = Some(compile_or_report(cx, src, names, &p));
    } else if let Some(src) = &o.expr {
        let p = join(path, &[Seg::Key("expr")]);
        out.rule_activated = Some(compile_or_report(cx, src, names, &p));
    }
    if let Some(src) = not_met {
        let p = join(path, &[Seg::Key("when"), Seg::Key("conditionNotMet")]);
        out.condition_not_met = Some(compile_or_report(cx, src, names, &p));
    }
    if out.rule_activated.is_none() && out.condition_not_met.is_none() {
        cx.err(K::Schema, path, "output must have at least one expression");
        return None;
    }
    Some(out)
}
