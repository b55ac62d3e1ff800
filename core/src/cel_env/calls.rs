//! Build-time validation of calls: whether a function, called globally or on a target, with so
//! many arguments, exists in the environment.
//!
//! `cel` 0.15 keeps its function declarations to itself: [`cel::Env::find_overload`] is the only
//! public question, and it wants argument values. So a call is checked the way the interpreter
//! would resolve it: the call is evaluated with its target and arguments bound to sample values,
//! one of each type an overload can be declared for, until one combination reaches an overload.
//! The interpreter reports a name it doesn't know in that call style as an undeclared reference,
//! and a known name whose overloads reject the arguments as a missing overload, so the first
//! evaluation tells whether the name exists at all. Answers are cached.
//!
//! Operators are built into the interpreter rather than declared, and macros are expanded by the
//! parser: those, and the functions whose arity is worth a precise message, are listed by hand.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use cel::common::ast::{operators, CallExpr, Expr, IdedExpr};
use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelDuration, CelInt, CelList, CelMap, CelMapKey, CelOptional,
    CelString, CelTimestamp, CelUInt,
};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{ExecutionError, Value};

use super::hierarchy::Hierarchy;
use super::network::{Cidr, Ip};
use super::spiffe::{Matcher, SpiffeId, TrustDomain};

/// The namespaces of the qualified functions and macros of the environment: `base64.encode(x)`
/// is parsed as a call of `encode` on the identifier `base64`.
const NAMESPACES: [&str; 9] = [
    "base64", "cel", "json", "lists", "math", "optional", "regex", "sets", "strings",
];

/// The operators, as the parser names them, and how many operands each takes.
const OPERATORS: [(&str, usize); 21] = [
    (operators::CONDITIONAL, 3),
    (operators::LOGICAL_AND, 2),
    (operators::LOGICAL_OR, 2),
    (operators::LOGICAL_NOT, 1),
    (operators::NEGATE, 1),
    (operators::NOT_STRICTLY_FALSE, 1),
    (operators::ADD, 2),
    (operators::SUBSTRACT, 2),
    (operators::MULTIPLY, 2),
    (operators::DIVIDE, 2),
    (operators::MODULO, 2),
    (operators::EQUALS, 2),
    (operators::NOT_EQUALS, 2),
    (operators::LESS, 2),
    (operators::LESS_EQUALS, 2),
    (operators::GREATER, 2),
    (operators::GREATER_EQUALS, 2),
    (operators::IN, 2),
    (operators::INDEX, 2),
    (operators::OPT_INDEX, 2),
    (operators::OPT_SELECT, 2),
];

/// A function whose argument counts are known without asking the environment.
struct Known {
    /// The name, qualified for a namespaced one.
    name: &'static str,
    /// The argument counts of a global call.
    global: &'static [usize],
    /// The argument counts of a call on a target, the target not counted.
    member: &'static [usize],
}

/// The functions and macros whose argument counts are known: those the engine handles itself
/// (`now`, `timeSince`), the macros left as calls when written with the wrong arguments, and
/// the Cerbos functions, for precise messages.
const KNOWN: [Known; 23] = [
    known("now", &[0], &[]),
    known("timeSince", &[1], &[0]),
    known("has", &[1], &[]),
    known("all", &[], &[2, 3]),
    known("exists", &[], &[2, 3]),
    known("exists_one", &[], &[2, 3]),
    known("existsOne", &[], &[2, 3]),
    known("transformList", &[], &[3, 4]),
    known("transformMap", &[], &[3, 4]),
    known("transformMapEntry", &[], &[3, 4]),
    known("filter", &[], &[2]),
    known("map", &[], &[2, 3]),
    known("sortBy", &[], &[2]),
    known("optMap", &[], &[2]),
    known("optFlatMap", &[], &[2]),
    known("cel.bind", &[3], &[]),
    known("hasIntersection", &[2], &[1]),
    known("has_intersection", &[2], &[1]),
    known("intersect", &[2], &[1]),
    known("except", &[2], &[1]),
    known("isSubset", &[2], &[1]),
    known("is_subset", &[2], &[1]),
    known("inIPAddrRange", &[], &[1]),
];

/// A [`Known`] entry.
const fn known(name: &'static str, global: &'static [usize], member: &'static [usize]) -> Known {
    Known {
        name,
        global,
        member,
    }
}

/// The most values, target included, any function of the environment takes
/// (`s.replace(old, new, n)`): calls with more are rejected without evaluating them.
const MAX_POSITIONS: usize = 4;

/// Answers already given, by name, call style and argument count.
type Cache = HashMap<(String, bool, usize), Result<(), String>>;

/// The answers of [`check_call`] for the calls the environment was asked about.
static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Whether `ns` is the namespace of functions of the environment, so that `ns.f(x)` calls the
/// function `ns.f` rather than `f` on a variable `ns`.
pub(crate) fn is_namespace(ns: &str) -> bool {
    NAMESPACES.contains(&ns)
}

/// Checks that a call of the function `name` with `argc` arguments exists in the environment:
/// a call on a target (`x.name(..)`) when `has_target`, else a global one (`name(..)`), where
/// `name` is qualified for a namespaced function (`base64.encode`, see [`is_namespace`]) and may
/// be an operator as the parser names it (`_==_`, `@in`, `_[_]`, `!_`, ...).
///
/// Covers the standard library, the strings, math, lists and encoders extensions, the Cerbos
/// functions, `now()` and `timeSince`. The error is a short lowercase message, e.g.
/// "unknown function `fooBar`" or "`hasIntersection` takes 2 arguments, got 3".
pub(crate) fn check_call(name: &str, has_target: bool, argc: usize) -> Result<(), String> {
    if let Some((_, operands)) = OPERATORS.iter().find(|(op, _)| *op == name) {
        return if !has_target && argc == *operands {
            Ok(())
        } else {
            Err(format!(
                "operator `{name}` takes {}, got {}",
                count(*operands, "operand"),
                argc + usize::from(has_target)
            ))
        };
    }
    if let Some(k) = KNOWN.iter().find(|k| k.name == name) {
        return check_arity(name, has_target, argc, k.global, k.member);
    }
    let key = (name.to_owned(), has_target, argc);
    let cache = || {
        CACHE
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    if let Some(answer) = cache().get(&key) {
        return answer.clone();
    }
    let answer = check_in_env(name, has_target, argc);
    cache().insert(key, answer.clone());
    answer
}

/// [`check_call`] for a function whose argument counts are `global` and `member`.
fn check_arity(
    name: &str,
    has_target: bool,
    argc: usize,
    global: &[usize],
    member: &[usize],
) -> Result<(), String> {
    let (arities, other) = if has_target {
        (member, global)
    } else {
        (global, member)
    };
    if arities.contains(&argc) {
        return Ok(());
    }
    if arities.is_empty() {
        return Err(style_error(name, has_target, !other.is_empty()));
    }
    Err(arity_error(name, has_target, arities, argc))
}

/// The error of a call with `argc` arguments to a function that takes one of `arities`.
fn arity_error(name: &str, has_target: bool, arities: &[usize], argc: usize) -> String {
    let what = if has_target { "method " } else { "" };
    format!(
        "{what}`{name}` takes {}, got {argc}",
        counts(arities, "argument")
    )
}

/// [`check_call`] for a function of the environment, by evaluating calls.
fn check_in_env(name: &str, has_target: bool, argc: usize) -> Result<(), String> {
    if probe(name, has_target, 0) == Probe::Unknown {
        let other_style = probe(name, !has_target, 0) != Probe::Unknown;
        return Err(style_error(name, has_target, other_style));
    }
    if argc + usize::from(has_target) <= MAX_POSITIONS
        && probe(name, has_target, argc) == Probe::Match
    {
        return Ok(());
    }
    let arities = (0..=MAX_POSITIONS - usize::from(has_target))
        .filter(|n| probe(name, has_target, *n) == Probe::Match)
        .collect::<Vec<_>>();
    if arities.is_empty() {
        return Err(format!(
            "`{name}` cannot be called with {}",
            count(argc, "argument")
        ));
    }
    Err(arity_error(name, has_target, &arities, argc))
}

/// The error of a function unknown in a call style: called on a target when `has_target`, and
/// known in the other style when `other_style`.
fn style_error(name: &str, has_target: bool, other_style: bool) -> String {
    match (other_style, has_target) {
        (false, _) => format!("unknown function `{name}`"),
        (true, true) => format!("`{name}` is not a method: call it as `{name}(...)`"),
        (true, false) => format!("`{name}` is a method: call it as `x.{name}(...)`"),
    }
}

/// `n` things, e.g. "1 argument", "2 arguments".
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// Any of the counts `ns` of things, e.g. "1 or 2 arguments", "no arguments".
fn counts(ns: &[usize], thing: &str) -> String {
    match ns {
        [] | [0] => format!("no {thing}s"),
        [n] => count(*n, thing),
        [init @ .., last] => {
            let init = init.iter().map(usize::to_string).collect::<Vec<_>>();
            format!("{} or {last} {thing}s", init.join(", "))
        }
    }
}

/// What evaluating a call with sample values tells.
#[derive(Debug, PartialEq)]
enum Probe {
    /// No function of that name is declared for that call style.
    Unknown,
    /// The name is known, but no overload took any combination of sample values.
    NoMatch,
    /// Some combination reached a function.
    Match,
}

/// Evaluates the call `name` with `argc` arguments, on a target when `has_target`, with every
/// combination of sample values, until one reaches a function.
fn probe(name: &str, has_target: bool, argc: usize) -> Probe {
    let positions = argc + usize::from(has_target);
    let call = call_of(name, has_target, argc);
    let samples = SAMPLES.as_slice();
    let mut picks = vec![0usize; positions];
    loop {
        match evaluate(&call, samples, &picks) {
            Probe::NoMatch => {}
            answer => return answer,
        }
        if !next_combination(&mut picks, samples.len()) {
            return Probe::NoMatch;
        }
    }
}

/// Evaluates `call` with the samples `picks` designates, one for each position.
fn evaluate(call: &IdedExpr, samples: &[Box<dyn Val>], picks: &[usize]) -> Probe {
    let resolver = Picks { samples, picks };
    let mut ctx = super::root().new_inner_scope();
    ctx.set_variable_resolver(&resolver);
    let answer = match Value::resolve_val(call, &ctx) {
        Err(ExecutionError::UndeclaredReference(_)) => Probe::Unknown,
        Err(ExecutionError::NoSuchOverload(_)) => Probe::NoMatch,
        _ => Probe::Match,
    };
    answer
}

/// Advances `picks`, the index of a sample for each position, to the next combination,
/// the last position fastest; `false` after the last one.
fn next_combination(picks: &mut [usize], samples: usize) -> bool {
    for pick in picks.iter_mut().rev() {
        *pick += 1;
        if *pick < samples {
            return true;
        }
        *pick = 0;
    }
    false
}

/// The name of the variable holding the value at `position`: the target first, if any.
fn position_var(position: usize) -> String {
    format!("@probe{position}")
}

/// The call `name(@probe0, ..)`, or `@probe0.name(@probe1, ..)` when `has_target`.
fn call_of(name: &str, has_target: bool, argc: usize) -> IdedExpr {
    let ident = |position: usize| IdedExpr {
        id: 0,
        expr: Expr::Ident(position_var(position)),
    };
    let first_arg = usize::from(has_target);
    IdedExpr {
        id: 0,
        expr: Expr::Call(CallExpr {
            func_name: name.to_owned(),
            target: has_target.then(|| Box::new(ident(0))),
            args: (first_arg..first_arg + argc).map(ident).collect(),
        }),
    }
}

/// Resolves each position's variable to the sample picked for it.
struct Picks<'a> {
    /// The sample values.
    samples: &'a [Box<dyn Val>],
    /// The index of the sample of each position.
    picks: &'a [usize],
}

impl VariableResolver for Picks<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        let position = variable.strip_prefix("@probe")?.parse::<usize>().ok()?;
        let sample = self.samples.get(*self.picks.get(position)?)?;
        Some(CowVal::Borrowed(sample.as_ref()))
    }
}

/// A value of each type an overload of the environment is declared for, the most common first.
static SAMPLES: LazyLock<Vec<Box<dyn Val>>> = LazyLock::new(|| {
    let one: Box<dyn Val> = Box::new(CelInt::from(1));
    let map = HashMap::from([(CelMapKey::from("a"), one.clone())]);
    vec![
        Box::new(CelString::from("a")),
        one.clone(),
        Box::new(CelList::from(vec![one.clone()])),
        Box::new(CelDouble::from(1.0)),
        Box::new(CelUInt::from(1u64)),
        Box::new(CelMap::from(map)),
        Box::new(CelBool::from(true)),
        Box::new(CelBytes::from(b"a".to_vec())),
        Box::new(CelTimestamp::from(
            chrono::DateTime::<chrono::FixedOffset>::default(),
        )),
        Box::new(CelDuration::from(chrono::Duration::seconds(1))),
        Box::new(CelOptional::of(one)),
        Box::new(Hierarchy::new(vec!["a".to_owned()])),
        Box::new(Ip::sample()),
        Box::new(Cidr::sample()),
        Box::new(SpiffeId::sample()),
        Box::new(TrustDomain::sample()),
        Box::new(Matcher::sample()),
    ]
});

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]
mod tests {
    use super::{check_call, is_namespace, probe, Probe, MAX_POSITIONS};

    #[test]
    fn calls_that_exist() {
        let cases: &[(&str, bool, usize)] = &[
            // operators
            ("_==_", false, 2),
            ("_!=_", false, 2),
            ("_&&_", false, 2),
            ("_||_", false, 2),
            ("_?_:_", false, 3),
            ("!_", false, 1),
            ("-_", false, 1),
            ("_+_", false, 2),
            ("_%_", false, 2),
            ("_<=_", false, 2),
            ("@in", false, 2),
            ("@not_strictly_false", false, 1),
            ("_[_]", false, 2),
            ("_[?_]", false, 2),
            ("_?._", false, 2),
            // the standard library
            ("size", false, 1),
            ("size", true, 0),
            ("contains", true, 1),
            ("startsWith", true, 1),
            ("endsWith", true, 1),
            ("matches", false, 2),
            ("matches", true, 1),
            ("int", false, 1),
            ("uint", false, 1),
            ("double", false, 1),
            ("string", false, 1),
            ("bytes", false, 1),
            ("bool", false, 1),
            ("timestamp", false, 1),
            ("duration", false, 1),
            ("type", false, 1),
            ("dyn", false, 1),
            ("getHours", true, 0),
            ("getHours", true, 1),
            ("getDayOfWeek", true, 0),
            ("getDate", true, 1),
            ("getMilliseconds", true, 0),
            ("optional.of", false, 1),
            ("optional.none", false, 0),
            ("optional.ofNonZeroValue", false, 1),
            ("hasValue", true, 0),
            ("value", true, 0),
            ("or", true, 1),
            ("orValue", true, 1),
            // extensions
            ("charAt", true, 1),
            ("indexOf", true, 1),
            ("indexOf", true, 2),
            ("lastIndexOf", true, 2),
            ("lowerAscii", true, 0),
            ("upperAscii", true, 0),
            ("split", true, 1),
            ("split", true, 2),
            ("replace", true, 2),
            ("replace", true, 3),
            ("substring", true, 1),
            ("substring", true, 2),
            ("trim", true, 0),
            ("join", true, 0),
            ("join", true, 1),
            ("format", true, 1),
            ("reverse", true, 0),
            ("strings.quote", false, 1),
            ("base64.encode", false, 1),
            ("base64.decode", false, 1),
            ("math.abs", false, 1),
            ("math.sqrt", false, 1),
            ("math.bitShiftLeft", false, 2),
            ("math.isNaN", false, 1),
            ("math.@max", false, 1),
            ("math.@max", false, 2),
            ("math.@min", false, 2),
            ("lists.range", false, 1),
            ("slice", true, 2),
            ("flatten", true, 0),
            ("flatten", true, 1),
            ("distinct", true, 0),
            ("sort", true, 0),
            ("@sortByAssociatedKeys", true, 1),
            // Cerbos
            ("hasIntersection", false, 2),
            ("hasIntersection", true, 1),
            ("has_intersection", false, 2),
            ("intersect", true, 1),
            ("except", false, 2),
            ("isSubset", true, 1),
            ("is_subset", false, 2),
            ("inIPAddrRange", true, 1),
            ("now", false, 0),
            ("timeSince", false, 1),
            ("timeSince", true, 0),
            ("cel.bind", false, 3),
            ("sets.contains", false, 2),
            ("sets.equivalent", false, 2),
            ("sets.intersects", false, 2),
            ("hierarchy", false, 1),
            ("hierarchy", false, 2),
            ("ancestorOf", true, 1),
            ("descendentOf", true, 1),
            ("immediateParentOf", true, 1),
            ("immediateChildOf", true, 1),
            ("siblingOf", true, 1),
            ("overlaps", true, 1),
            ("commonAncestors", true, 1),
        ];
        for (name, has_target, argc) in cases {
            assert_eq!(
                check_call(name, *has_target, *argc),
                Ok(()),
                "{name} {has_target} {argc}"
            );
        }
    }

    #[test]
    fn calls_that_do_not_exist() {
        let cases: &[(&str, bool, usize, &str)] = &[
            ("fooBar", false, 1, "unknown function `fooBar`"),
            ("fooBar", true, 0, "unknown function `fooBar`"),
            ("json.decode", false, 1, "unknown function `json.decode`"),
            ("math.foo", false, 1, "unknown function `math.foo`"),
            ("spiffeId", false, 1, "unknown function `spiffeId`"),
            (
                "hierarchy",
                false,
                3,
                "`hierarchy` takes 1 or 2 arguments, got 3",
            ),
            (
                "ancestorOf",
                true,
                0,
                "method `ancestorOf` takes 1 argument, got 0",
            ),
            (
                "sets.contains",
                false,
                1,
                "`sets.contains` takes 2 arguments, got 1",
            ),
            (
                "hasIntersection",
                false,
                3,
                "`hasIntersection` takes 2 arguments, got 3",
            ),
            (
                "hasIntersection",
                false,
                1,
                "`hasIntersection` takes 2 arguments, got 1",
            ),
            (
                "hasIntersection",
                true,
                2,
                "method `hasIntersection` takes 1 argument, got 2",
            ),
            (
                "isSubset",
                true,
                0,
                "method `isSubset` takes 1 argument, got 0",
            ),
            (
                "inIPAddrRange",
                false,
                2,
                "`inIPAddrRange` is a method: call it as `x.inIPAddrRange(...)`",
            ),
            (
                "inIPAddrRange",
                true,
                2,
                "method `inIPAddrRange` takes 1 argument, got 2",
            ),
            ("now", false, 1, "`now` takes no arguments, got 1"),
            (
                "now",
                true,
                0,
                "`now` is not a method: call it as `now(...)`",
            ),
            ("timeSince", false, 0, "`timeSince` takes 1 argument, got 0"),
            (
                "timeSince",
                true,
                1,
                "method `timeSince` takes no arguments, got 1",
            ),
            ("all", true, 1, "method `all` takes 2 or 3 arguments, got 1"),
            ("map", true, 4, "method `map` takes 2 or 3 arguments, got 4"),
            ("has", false, 2, "`has` takes 1 argument, got 2"),
            ("cel.bind", false, 2, "`cel.bind` takes 3 arguments, got 2"),
            (
                "split",
                true,
                0,
                "method `split` takes 1 or 2 arguments, got 0",
            ),
            (
                "split",
                true,
                3,
                "method `split` takes 1 or 2 arguments, got 3",
            ),
            (
                "split",
                false,
                2,
                "`split` is a method: call it as `x.split(...)`",
            ),
            (
                "replace",
                true,
                5,
                "method `replace` takes 2 or 3 arguments, got 5",
            ),
            ("size", false, 2, "`size` takes 1 argument, got 2"),
            ("size", true, 1, "method `size` takes no arguments, got 1"),
            (
                "int",
                true,
                0,
                "`int` is not a method: call it as `int(...)`",
            ),
            ("int", false, 0, "`int` takes 1 argument, got 0"),
            (
                "getHours",
                true,
                2,
                "method `getHours` takes 0 or 1 arguments, got 2",
            ),
            (
                "base64.encode",
                false,
                2,
                "`base64.encode` takes 1 argument, got 2",
            ),
            (
                "optional.none",
                false,
                1,
                "`optional.none` takes no arguments, got 1",
            ),
            ("_==_", false, 3, "operator `_==_` takes 2 operands, got 3"),
            ("!_", true, 0, "operator `!_` takes 1 operand, got 1"),
        ];
        for (name, has_target, argc, message) in cases {
            assert_eq!(
                check_call(name, *has_target, *argc),
                Err((*message).to_owned()),
                "{name} {has_target} {argc}"
            );
        }
    }

    /// The hand-listed functions the environment declares are declared as listed.
    #[test]
    fn the_known_cerbos_functions_are_declared_as_listed() {
        for known in super::KNOWN
            .iter()
            .filter(|k| k.name.contains(char::is_lowercase))
        {
            let declared = probe(known.name, false, 0) != Probe::Unknown
                || probe(known.name, true, 0) != Probe::Unknown;
            if !declared {
                continue; // a macro or an engine function
            }
            for (has_target, arities) in [(false, known.global), (true, known.member)] {
                for argc in 0..=MAX_POSITIONS - usize::from(has_target) {
                    let expected = if arities.contains(&argc) {
                        Probe::Match
                    } else if arities.is_empty() {
                        Probe::Unknown
                    } else {
                        Probe::NoMatch
                    };
                    assert_eq!(
                        probe(known.name, has_target, argc),
                        expected,
                        "{} {has_target} {argc}",
                        known.name
                    );
                }
            }
        }
    }

    #[test]
    fn namespaces() {
        for ns in [
            "base64", "cel", "lists", "math", "optional", "sets", "strings",
        ] {
            assert!(is_namespace(ns), "{ns}");
        }
        for ns in ["P", "R", "request", "x", ""] {
            assert!(!is_namespace(ns), "{ns}");
        }
    }
}
