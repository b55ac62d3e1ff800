//! Evaluation tests of the environment: Cerbos functions, `cel.bind`, the standard library and
//! extensions, and request values converted from JSON.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]

use std::sync::Arc;

use cel::common::ast::Expr;
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::{Context, Value};
use serde_json::json;

use super::{env, json_to_val, json_to_value, root, root_context};

/// What an expression should give: a value, or an error whose message contains the text.
type Expected = Result<Value, &'static str>;

/// A case: an expression, the variables it is evaluated with, and what it should give.
type Case<'a> = (&'a str, &'a [(&'a str, Value)], Expected);

/// Evaluates `src` with `vars` bound, as `Ok(value)` or the error message, parse errors
/// included.
fn eval(src: &str, vars: &[(&str, Value)]) -> Result<Value, String> {
    let program = env().compile(src).map_err(|e| format!("parse: {e}"))?;
    let ctx = root_context();
    let mut inner = ctx.new_inner_scope();
    for (name, value) in vars {
        inner.add_variable_from_value(*name, value.clone());
    }
    program.execute(&inner).map_err(|e| e.to_string())
}

/// Checks each case: the expression, its variables, and what it should give.
fn check(cases: &[Case<'_>]) {
    for (src, vars, expected) in cases {
        let got = eval(src, vars);
        match (expected, &got) {
            (Ok(want), Ok(value)) => assert_eq!(value, want, "`{src}`"),
            (Err(want), Err(message)) => assert!(
                message.contains(want),
                "`{src}`: error `{message}` lacks `{want}`"
            ),
            _ => panic!("`{src}`: got {got:?}, want {expected:?}"),
        }
    }
}

fn t() -> Expected {
    Ok(Value::Bool(true))
}

fn f() -> Expected {
    Ok(Value::Bool(false))
}

fn list(items: Vec<Value>) -> Value {
    Value::List(Arc::new(items))
}

#[test]
fn the_environment_declares_everything_without_error() {
    assert_eq!(super::ENV.1, Ok(()));
}

#[test]
fn has_intersection_in_both_forms() {
    let none: &[(&str, Value)] = &[];
    check(&[
        ("hasIntersection([1, 2], [2, 3])", none, t()),
        ("[1, 2].hasIntersection([2, 3])", none, t()),
        ("hasIntersection([1, 2], [3])", none, f()),
        ("[1, 2].hasIntersection([3])", none, f()),
        ("hasIntersection([], [1])", none, f()),
        ("[1].hasIntersection([])", none, f()),
        ("[].hasIntersection([])", none, f()),
        ("hasIntersection([1, 1], [1])", none, t()),
        ("hasIntersection([1], [1.0])", none, t()),
        ("[1.0].hasIntersection([1])", none, t()),
        ("[1u].hasIntersection([1.0])", none, t()),
        ("['a', 'b'].hasIntersection(['b'])", none, t()),
        ("[[1], {'a': 1}].hasIntersection([{'a': 1.0}])", none, t()),
        ("has_intersection(['a'], ['a'])", none, t()),
        ("['a'].has_intersection(['b'])", none, f()),
        ("hasIntersection(1, [1])", none, Err("no matching overload")),
        (
            "'a'.hasIntersection(['a'])",
            none,
            Err("no matching overload"),
        ),
    ]);
}

#[test]
fn intersect_keeps_the_shorter_lists_order_and_duplicates() {
    let none: &[(&str, Value)] = &[];
    check(&[
        (
            "intersect([1, 2, 3], [3, 1])",
            none,
            Ok(list(vec![3.into(), 1.into()])),
        ),
        (
            "[1, 2, 3].intersect([3, 1])",
            none,
            Ok(list(vec![3.into(), 1.into()])),
        ),
        (
            "intersect([3, 1], [1, 2, 3])",
            none,
            Ok(list(vec![3.into(), 1.into()])),
        ),
        // equal lengths: the first list's elements
        (
            "intersect([2, 2, 3], [3, 2, 4])",
            none,
            Ok(list(vec![2.into(), 2.into(), 3.into()])),
        ),
        (
            "[3, 2, 4].intersect([2, 2, 3])",
            none,
            Ok(list(vec![3.into(), 2.into()])),
        ),
        (
            "intersect([2, 2, 2], [1, 2])",
            none,
            Ok(list(vec![2.into()])),
        ),
        (
            "intersect([1, 2], [2, 2, 2])",
            none,
            Ok(list(vec![2.into()])),
        ),
        ("intersect([], [1])", none, Ok(list(vec![]))),
        ("[1].intersect([])", none, Ok(list(vec![]))),
        (
            "intersect([1, 2], [5.0, 2.0, 1.5])",
            none,
            Ok(list(vec![2.into()])),
        ),
        ("type(intersect([1, 2], [2.0])[0]) == double", none, t()),
        ("intersect(['a'], 'a')", none, Err("no matching overload")),
    ]);
}

#[test]
fn except_keeps_the_first_lists_order_and_duplicates() {
    let none: &[(&str, Value)] = &[];
    check(&[
        (
            "except([1, 2, 2, 3, 1], [2])",
            none,
            Ok(list(vec![1.into(), 3.into(), 1.into()])),
        ),
        (
            "[1, 2, 2, 3, 1].except([2])",
            none,
            Ok(list(vec![1.into(), 3.into(), 1.into()])),
        ),
        (
            "[1, 1].except([])",
            none,
            Ok(list(vec![1.into(), 1.into()])),
        ),
        ("except([], [1])", none, Ok(list(vec![]))),
        ("except([1, 2], [1.0])", none, Ok(list(vec![2.into()]))),
        ("['a', 'b'].except(['a', 'b'])", none, Ok(list(vec![]))),
    ]);
}

#[test]
fn is_subset_in_both_forms() {
    let none: &[(&str, Value)] = &[];
    check(&[
        ("isSubset([1, 2], [2, 1, 3])", none, t()),
        ("[1, 2].isSubset([2, 1, 3])", none, t()),
        ("isSubset([1, 4], [1, 2])", none, f()),
        ("[1, 4].isSubset([1, 2])", none, f()),
        ("isSubset([], [])", none, t()),
        ("[].isSubset([1])", none, t()),
        ("[1].isSubset([])", none, f()),
        ("isSubset([1, 1], [1])", none, t()),
        ("is_subset([1.0], [1])", none, t()),
        ("['a'].is_subset(['b'])", none, f()),
    ]);
}

#[test]
fn in_ip_addr_range_for_ipv4_and_ipv6() {
    let none: &[(&str, Value)] = &[];
    check(&[
        ("'10.0.0.1'.inIPAddrRange('10.0.0.0/8')", none, t()),
        ("'11.0.0.1'.inIPAddrRange('10.0.0.0/8')", none, f()),
        ("'10.255.255.255'.inIPAddrRange('10.0.0.0/8')", none, t()),
        ("'192.168.1.7'.inIPAddrRange('192.168.1.7/32')", none, t()),
        ("'192.168.1.8'.inIPAddrRange('192.168.1.7/32')", none, f()),
        ("'8.8.8.8'.inIPAddrRange('0.0.0.0/0')", none, t()),
        // host bits in the CIDR are ignored
        ("'10.200.0.1'.inIPAddrRange('10.1.2.3/8')", none, t()),
        ("'2001:db8::1'.inIPAddrRange('2001:db8::/32')", none, t()),
        ("'2001:db9::1'.inIPAddrRange('2001:db8::/32')", none, f()),
        ("'::1'.inIPAddrRange('::1/128')", none, t()),
        // no address is in a block of the other family
        ("'10.0.0.1'.inIPAddrRange('::/0')", none, f()),
        ("'2001:db8::1'.inIPAddrRange('0.0.0.0/0')", none, f()),
        // IPv4-mapped IPv6 addresses and blocks are IPv4, as in Go
        ("'::ffff:10.0.0.1'.inIPAddrRange('10.0.0.0/8')", none, t()),
        ("'10.0.0.1'.inIPAddrRange('::ffff:10.0.0.0/104')", none, t()),
        ("'11.0.0.1'.inIPAddrRange('::ffff:10.0.0.0/104')", none, f()),
        (
            "'10.0.0.300'.inIPAddrRange('10.0.0.0/8')",
            none,
            Err("invalid IP address `10.0.0.300`"),
        ),
        (
            "'nope'.inIPAddrRange('10.0.0.0/8')",
            none,
            Err("invalid IP address"),
        ),
        (
            "'10.0.0.1/32'.inIPAddrRange('10.0.0.0/8')",
            none,
            Err("invalid IP address"),
        ),
        (
            "''.inIPAddrRange('10.0.0.0/8')",
            none,
            Err("invalid IP address"),
        ),
        (
            "'10.0.0.1'.inIPAddrRange('10.0.0.0/33')",
            none,
            Err("invalid CIDR `10.0.0.0/33`"),
        ),
        (
            "'10.0.0.1'.inIPAddrRange('10.0.0.0')",
            none,
            Err("invalid CIDR"),
        ),
        (
            "'10.0.0.1'.inIPAddrRange('nope')",
            none,
            Err("invalid CIDR"),
        ),
        ("'::1'.inIPAddrRange('::/129')", none, Err("invalid CIDR")),
        (
            "'10.0.0.1'.inIPAddrRange(1)",
            none,
            Err("no matching overload"),
        ),
        (
            "inIPAddrRange('10.0.0.1', '10.0.0.0/8')",
            none,
            Err("Undeclared reference"),
        ),
    ]);
}

#[test]
fn cel_bind_binds_and_shadows() {
    let none: &[(&str, Value)] = &[];
    let x: &[(&str, Value)] = &[("x", Value::Int(10))];
    check(&[
        ("cel.bind(x, 1, x + 1) == 2", none, t()),
        ("cel.bind(x, 1, x + 1)", none, Ok(Value::Int(2))),
        (
            "cel.bind(x, 1, cel.bind(y, x + 1, x + y))",
            none,
            Ok(Value::Int(3)),
        ),
        (
            "cel.bind(x, 1, cel.bind(x, 2, x) + x)",
            none,
            Ok(Value::Int(3)),
        ),
        ("cel.bind(x, 1, x) + x", x, Ok(Value::Int(11))),
        ("cel.bind(y, x * 2, y + x)", x, Ok(Value::Int(30))),
        ("cel.bind(l, [], l + [1])", none, Ok(list(vec![1.into()]))),
        (
            "[1, 2].map(i, cel.bind(d, i * 2, d + 1))",
            none,
            Ok(list(vec![3.into(), 5.into()])),
        ),
        (
            "cel.bind(r, [1, 2], r.exists(e, e == 2) && size(r) == 2)",
            none,
            t(),
        ),
        ("cel.bind(x, 1 / 0, 2)", none, Err("Division by zero")),
        ("cel.bind(x.y, 1, 2)", none, Err("simple identifier")),
        // `bind` on anything but `cel` is no macro
        ("other.bind(x, 1, x)", none, Err("Undeclared reference")),
    ]);
}

#[test]
fn standard_library_and_extensions() {
    let none: &[(&str, Value)] = &[];
    check(&[
        ("'a,b'.split(',') == ['a', 'b']", none, t()),
        ("'a,b,c'.split(',', 2) == ['a', 'b,c']", none, t()),
        ("math.greatest(1, 2) == 2", none, t()),
        ("math.least([3, 1.5, 2]) == 1.5", none, t()),
        ("math.abs(-3) == 3", none, t()),
        ("base64.encode(b'hi') == 'aGk='", none, t()),
        ("base64.decode('aGk=') == b'hi'", none, t()),
        ("'TacoCat'.lowerAscii() == 'tacocat'", none, t()),
        ("'  a '.trim() == 'a'", none, t()),
        ("['a', 'b'].join('-') == 'a-b'", none, t()),
        ("'hello'.substring(1, 3) == 'el'", none, t()),
        ("strings.quote('a') == '\"a\"'", none, t()),
        ("lists.range(3) == [0, 1, 2]", none, t()),
        ("[3, 1, 2].sort() == [1, 2, 3]", none, t()),
        ("[1, [2, [3]]].flatten() == [1, 2, [3]]", none, t()),
        ("[1, 2, 1].distinct() == [1, 2]", none, t()),
        ("[{'n': 2}, {'n': 1}].sortBy(e, e.n) == [{'n': 1}, {'n': 2}]", none, t()),
        ("[1, 2, 3].exists(x, x == 2)", none, t()),
        ("[1, 2, 3].all(x, x > 0)", none, t()),
        ("[1, 2, 3].exists_one(x, x > 2)", none, t()),
        ("[1, 2, 3].filter(x, x > 1) == [2, 3]", none, t()),
        ("[1, 2, 3].map(x, x > 1, x * 10) == [20, 30]", none, t()),
        ("has({'a': 1}.a)", none, t()),
        ("optional.of(1).orValue(2) == 1", none, t()),
        ("{'a': 1}.?b.orValue(5) == 5", none, t()),
        ("optional.none().hasValue()", none, f()),
        ("duration('1h30m').getMinutes() == 90", none, t()),
        ("timestamp('2024-01-02T03:04:05Z').getDayOfWeek() == 2", none, t()),
        ("timestamp('2024-01-02T03:04:05Z').getMonth() == 0", none, t()),
        ("timestamp('2024-01-02T03:04:05Z').getDate() == 2", none, t()),
        ("timestamp('2024-01-02T03:04:05Z') + duration('1h') > timestamp('2024-01-02T04:00:00Z')", none, t()),
        ("'abc'.matches('^a.c$')", none, t()),
        ("1 == 1.0 && 1u == 1 && 2 > 1.5", none, t()),
        ("int('12') + 1 == 13", none, t()),
        ("type(1) == int", none, t()),
        ("{'a': 1, 'a': 2}['a'] == 2", none, t()),
        ("{'a': 1}.b", none, Err("No such key: b")),
        ("fooBar(1)", none, Err("Undeclared reference")),
    ]);
}

#[test]
fn json_numbers_are_doubles_that_compare_with_ints() {
    let one = json_to_value(&json!(1));
    assert_eq!(one, Value::Float(1.0));
    assert!(matches!(one, Value::Float(_)), "{one:?}");
    let attr = json_to_value(&json!({"pages": 12, "tags": ["a", "b"], "ids": [1, 2], "n": null}));
    let vars: &[(&str, Value)] = &[("x", one), ("attr", attr)];
    check(&[
        ("x == 1", vars, t()),
        ("1 == x", vars, t()),
        ("x != 2", vars, t()),
        ("x > 0 && x < 2 && x >= 1 && x <= 1u", vars, t()),
        ("type(x) == double", vars, t()),
        ("x in [1, 2]", vars, t()),
        ("x + 1.0 == 2.0", vars, t()),
        ("int(x) + 1 == 2", vars, t()),
        // cel-go says "no such overload"
        ("x + 1", vars, Err("Unsupported binary operator")),
        ("attr.pages > 10", vars, t()),
        ("attr.ids.hasIntersection([2])", vars, t()),
        ("[2, 3].isSubset(attr.ids)", vars, f()),
        ("attr.ids.intersect([2, 1]) == [1, 2]", vars, t()),
        ("attr.tags.except(['a']) == ['b']", vars, t()),
        ("has(attr.n) && attr.n == null", vars, t()),
        ("'pages' in attr", vars, t()),
        ("attr.grade", vars, Err("No such key: grade")),
    ]);
}

#[test]
fn json_to_val_builds_values_an_evaluation_borrows() {
    let attr = json_to_val(&json!({"a": [1, 2.5, "s", true, null, {"b": {}}]}));
    let program = env()
        .compile("attr.a[0] == 1 && attr.a[1] == 2.5 && attr.a[2] == 's' && attr.a[3] && attr.a[4] == null && size(attr.a[5].b) == 0 && type(attr.a[0]) == double")
        .unwrap();
    let ctx = root_context();
    let mut inner = ctx.new_inner_scope();
    inner.add_variable_as_val("attr", attr.clone());
    assert_eq!(program.execute(&inner), Ok(Value::Bool(true)));
    // the same conversion as `json_to_value`
    let v = json!({"k": [1, "x", {"z": null}], "b": false});
    assert_eq!(
        Value::try_from(json_to_val(&v).as_ref()),
        Ok(json_to_value(&v))
    );
}

/// A resolver like the engine's: variables borrowed from values it owns.
struct Vars(Vec<(&'static str, Box<dyn Val>)>);

impl VariableResolver for Vars {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.0
            .iter()
            .find(|(name, _)| *name == variable)
            .map(|(_, v)| CowVal::Borrowed(v.as_ref()))
    }
}

#[test]
fn the_shared_root_takes_a_resolver_per_evaluation_on_any_thread() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Context<'static, 'static>>();
    assert_send_sync::<&'static Context<'static, 'static>>();

    let program = env()
        .compile(
            "R.attr.roles.hasIntersection(['admin']) && cel.bind(r, R.attr.roles, size(r) == 2)",
        )
        .unwrap();
    let handles = (0..4)
        .map(|i| {
            let program = env()
                .compile(&format!(
                    "{} && {i} >= 0",
                    "R.attr.roles.hasIntersection(['admin'])"
                ))
                .unwrap();
            std::thread::spawn(move || {
                let vars = Vars(vec![(
                    "R",
                    json_to_val(&json!({"attr": {"roles": ["user", "admin"]}})),
                )]);
                let mut ctx = root().new_inner_scope();
                ctx.set_variable_resolver(&vars);
                program.execute(&ctx)
            })
        })
        .collect::<Vec<_>>();
    for handle in handles {
        assert_eq!(handle.join().unwrap(), Ok(Value::Bool(true)));
    }
    let vars = Vars(vec![(
        "R",
        json_to_val(&json!({"attr": {"roles": ["user", "admin"]}})),
    )]);
    let mut ctx = root().new_inner_scope();
    ctx.set_variable_resolver(&vars);
    assert_eq!(
        Value::resolve(program.expression(), &ctx),
        Ok(Value::Bool(true))
    );
}

/// How the parser represents namespaced and member calls, which [`super::check_call`]'s callers
/// rely on.
#[test]
fn namespaced_calls_are_member_calls_on_the_namespace() {
    let parsed = env().parser().parse("base64.encode(b'hi')").unwrap();
    let Expr::Call(call) = parsed.expr else {
        panic!("{parsed:?}")
    };
    assert_eq!(call.func_name, "encode");
    assert!(
        matches!(call.target.as_deref().map(|t| &t.expr), Some(Expr::Ident(ns)) if ns == "base64")
    );
    assert_eq!(call.args.len(), 1);

    let parsed = env().parser().parse("x.hasIntersection(y)").unwrap();
    let Expr::Call(call) = parsed.expr else {
        panic!("{parsed:?}")
    };
    assert_eq!(call.func_name, "hasIntersection");
    assert!(matches!(call.target.as_deref().map(|t| &t.expr), Some(Expr::Ident(x)) if x == "x"));

    // macros are expanded: `math.greatest` into a call of the qualified `math.@max`
    let parsed = env().parser().parse("math.greatest(1, 2)").unwrap();
    let Expr::Call(call) = parsed.expr else {
        panic!("{parsed:?}")
    };
    assert_eq!(call.func_name, "math.@max");
    assert!(call.target.is_none());
    let parsed = env().parser().parse("cel.bind(x, 1, x)").unwrap();
    assert!(matches!(parsed.expr, Expr::Comprehension(_)), "{parsed:?}");
}

#[test]
fn sets_functions() {
    let none: &[(&str, Value)] = &[];
    check(&[
        ("sets.contains([1, 2, 3], [3, 1])", none, t()),
        ("sets.contains([1, 2], [3])", none, f()),
        ("sets.contains([], [])", none, t()),
        ("sets.contains([1], [])", none, t()),
        ("sets.contains([], [1])", none, f()),
        ("sets.contains([1, 2], [2.0, 1u])", none, t()),
        ("sets.contains([[1], ['a']], [['a']])", none, t()),
        ("sets.equivalent([1, 2, 1], [2, 1])", none, t()),
        ("sets.equivalent([1, 2], [1])", none, f()),
        ("sets.equivalent([], [])", none, t()),
        ("sets.equivalent([1.0], [1])", none, t()),
        ("sets.intersects([1, 2], [2, 3])", none, t()),
        ("sets.intersects([1], [2])", none, f()),
        ("sets.intersects([], [])", none, f()),
        ("sets.intersects([1.0], [1u])", none, t()),
        ("sets.contains([1], 1)", none, Err("no matching overload")),
    ]);
}

#[test]
fn hierarchies() {
    let none: &[(&str, Value)] = &[];
    let a: &[(&str, Value)] = &[("s", Value::from("eu.pt.lisbon"))];
    check(&[
        ("hierarchy(s).size() == 3", a, t()),
        ("hierarchy(s)[0] == 'eu' && hierarchy(s)[1] == 'pt'", a, t()),
        ("hierarchy(s)[3]", a, Err("Index out of bounds")),
        ("hierarchy(s)[-1]", a, Err("Index out of bounds")),
        ("hierarchy(s)['a']", a, Err("no matching overload")),
        ("string(hierarchy(s)) == s", a, t()),
        ("string(hierarchy('a/b', '/')) == 'a.b'", none, t()),
        ("hierarchy('a:b:c', ':') == hierarchy('a.b.c')", none, t()),
        ("hierarchy(['eu', 'pt']) == hierarchy('eu.pt')", none, t()),
        ("hierarchy(['eu', 1])", none, Err("expected a string")),
        ("hierarchy('a.b') == hierarchy('a.c')", none, f()),
        ("hierarchy('a.b') != hierarchy('a.c')", none, t()),
        ("hierarchy('') .size() == 1", none, t()),
        ("hierarchy('eu').ancestorOf(hierarchy(s))", a, t()),
        ("hierarchy('eu.pt').ancestorOf(hierarchy(s))", a, t()),
        ("hierarchy(s).ancestorOf(hierarchy(s))", a, f()),
        ("hierarchy('eu.es').ancestorOf(hierarchy(s))", a, f()),
        ("hierarchy(s).descendentOf(hierarchy('eu'))", a, t()),
        ("hierarchy(s).descendentOf(hierarchy(s))", a, f()),
        ("hierarchy('eu.pt').immediateParentOf(hierarchy(s))", a, t()),
        ("hierarchy('eu').immediateParentOf(hierarchy(s))", a, f()),
        ("hierarchy(s).immediateChildOf(hierarchy('eu.pt'))", a, t()),
        ("hierarchy(s).immediateChildOf(hierarchy('eu'))", a, f()),
        ("hierarchy('eu.pt.porto').siblingOf(hierarchy(s))", a, t()),
        ("hierarchy(s).siblingOf(hierarchy(s))", a, t()),
        ("hierarchy('eu.es.madrid').siblingOf(hierarchy(s))", a, f()),
        ("hierarchy('eu.pt').siblingOf(hierarchy(s))", a, f()),
        ("hierarchy('eu').overlaps(hierarchy(s))", a, t()),
        ("hierarchy(s).overlaps(hierarchy('eu.pt'))", a, t()),
        ("hierarchy(s).overlaps(hierarchy(s))", a, t()),
        ("hierarchy('eu.es').overlaps(hierarchy(s))", a, f()),
        (
            "hierarchy(s).commonAncestors(hierarchy('eu.pt.porto')) == hierarchy('eu.pt')",
            a,
            t(),
        ),
        (
            "hierarchy(s).commonAncestors(hierarchy(s)) == hierarchy('eu.pt')",
            a,
            t(),
        ),
        (
            "hierarchy(s).commonAncestors(hierarchy('eu.es')) == hierarchy('eu')",
            a,
            t(),
        ),
        (
            "hierarchy(s).commonAncestors(hierarchy('eu.pt')) == hierarchy('eu.pt')",
            a,
            t(),
        ),
        (
            "hierarchy('us').commonAncestors(hierarchy('eu')).size() == 0",
            none,
            t(),
        ),
        (
            "hierarchy(s).ancestorOf('eu')",
            a,
            Err("no matching overload"),
        ),
        ("hierarchy(1)", none, Err("no matching overload")),
    ]);
}
