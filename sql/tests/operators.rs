//! Each operator, translated from a hand-written filter, evaluated per row as SQL `TRUE` /
//! `FALSE` / `NULL`, and compared with what the engine makes of the same CEL expression on the
//! resource built from that row: `true`, `false`, or an error (the expression and its
//! negation both deny). Runs on SQLite, and on PostgreSQL when `AUTHZ_TEST_POSTGRES_URL` is
//! set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/db.rs"]
mod db;
#[path = "support/sexpr.rs"]
mod sexpr;

use authz_core::{CheckInput, Engine, EngineConfig, PolicySet, Principal};
use authz_sql::{to_expr, Dialect};
use chrono::{DateTime, Utc};
use db::{columns, Db, Postgres, Row, Sqlite};

/// (CEL condition, the filter the planner would produce for it).
const CASES: &[(&str, &str)] = &[
    // Text equality and ordering, both operand orders, both NULL conventions.
    (
        r#"R.attr.owner == "alice""#,
        r#"(eq request.resource.attr.owner "alice")"#,
    ),
    (
        r#""alice" == R.attr.owner"#,
        r#"(eq "alice" request.resource.attr.owner)"#,
    ),
    (
        r#"R.attr.owner != "alice""#,
        r#"(ne request.resource.attr.owner "alice")"#,
    ),
    (
        r#"R.attr.label == "Alpha""#,
        r#"(eq request.resource.attr.label "Alpha")"#,
    ),
    (
        r#"R.attr.label != "Alpha""#,
        r#"(ne request.resource.attr.label "Alpha")"#,
    ),
    (
        r#"R.attr.owner < "b""#,
        r#"(lt request.resource.attr.owner "b")"#,
    ),
    (
        r#"R.attr.owner <= "B""#,
        r#"(le request.resource.attr.owner "B")"#,
    ),
    (
        r#"R.attr.owner > "a""#,
        r#"(gt request.resource.attr.owner "a")"#,
    ),
    (
        r#"R.attr.owner >= "é""#,
        r#"(ge request.resource.attr.owner "é")"#,
    ),
    (
        r#""b" > R.attr.label"#,
        r#"(gt "b" request.resource.attr.label)"#,
    ),
    (
        r#"R.attr.label < "z""#,
        r#"(lt request.resource.attr.label "z")"#,
    ),
    // null.
    (
        r#"R.attr.label == null"#,
        r#"(eq request.resource.attr.label null)"#,
    ),
    (
        r#"null != R.attr.label"#,
        r#"(ne null request.resource.attr.label)"#,
    ),
    (
        r#"R.attr.owner == null"#,
        r#"(eq request.resource.attr.owner null)"#,
    ),
    (
        r#"R.attr.owner != null"#,
        r#"(ne request.resource.attr.owner null)"#,
    ),
    (
        r#"R.attr.label < null"#,
        r#"(lt request.resource.attr.label null)"#,
    ),
    // Values of different types.
    (
        r#"R.attr.owner == 5"#,
        r#"(eq request.resource.attr.owner 5)"#,
    ),
    (
        r#"R.attr.label == 5"#,
        r#"(eq request.resource.attr.label 5)"#,
    ),
    (
        r#"R.attr.label != 5"#,
        r#"(ne request.resource.attr.label 5)"#,
    ),
    (
        r#"R.attr.amount == "a""#,
        r#"(eq request.resource.attr.amount "a")"#,
    ),
    (
        r#"R.attr.owner < 5"#,
        r#"(lt request.resource.attr.owner 5)"#,
    ),
    (
        r#"R.attr.flag == 1"#,
        r#"(eq request.resource.attr.flag 1)"#,
    ),
    (
        r#"R.attr.ok != "true""#,
        r#"(ne request.resource.attr.ok "true")"#,
    ),
    // Numbers: int and double constants compare numerically with double attributes.
    (
        r#"R.attr.amount == 10"#,
        r#"(eq request.resource.attr.amount 10)"#,
    ),
    (
        r#"R.attr.amount == 10.0"#,
        r#"(eq request.resource.attr.amount 10.0)"#,
    ),
    (
        r#"R.attr.score > 2"#,
        r#"(gt request.resource.attr.score 2)"#,
    ),
    (
        r#"R.attr.score <= 2.5"#,
        r#"(le request.resource.attr.score 2.5)"#,
    ),
    (
        r#"R.attr.amount >= -3.5"#,
        r#"(ge request.resource.attr.amount -3.5)"#,
    ),
    (
        r#"R.attr.score != 100"#,
        r#"(ne request.resource.attr.score 100)"#,
    ),
    (
        r#"0 < R.attr.amount"#,
        r#"(lt 0 request.resource.attr.amount)"#,
    ),
    // Booleans.
    (r#"R.attr.flag"#, r#"request.resource.attr.flag"#),
    (r#"!R.attr.flag"#, r#"(not request.resource.attr.flag)"#),
    (r#"R.attr.ok"#, r#"request.resource.attr.ok"#),
    (r#"!R.attr.ok"#, r#"(not request.resource.attr.ok)"#),
    (
        r#"R.attr.flag == true"#,
        r#"(eq request.resource.attr.flag true)"#,
    ),
    (
        r#"R.attr.ok != false"#,
        r#"(ne request.resource.attr.ok false)"#,
    ),
    (
        r#"R.attr.flag < true"#,
        r#"(lt request.resource.attr.flag true)"#,
    ),
    (
        r#"R.attr.ok >= false"#,
        r#"(ge request.resource.attr.ok false)"#,
    ),
    (
        r#"R.attr.ok == null"#,
        r#"(eq request.resource.attr.ok null)"#,
    ),
    // Column against column.
    (
        r#"R.attr.owner == R.attr.label"#,
        r#"(eq request.resource.attr.owner request.resource.attr.label)"#,
    ),
    (
        r#"R.attr.label != R.attr.owner"#,
        r#"(ne request.resource.attr.label request.resource.attr.owner)"#,
    ),
    (
        r#"R.attr.owner < R.attr.label"#,
        r#"(lt request.resource.attr.owner request.resource.attr.label)"#,
    ),
    (
        r#"R.attr.amount < R.attr.score"#,
        r#"(lt request.resource.attr.amount request.resource.attr.score)"#,
    ),
    (
        r#"R.attr.score == R.attr.amount"#,
        r#"(eq request.resource.attr.score request.resource.attr.amount)"#,
    ),
    (
        r#"R.attr.label == R.attr.score"#,
        r#"(eq request.resource.attr.label request.resource.attr.score)"#,
    ),
    (
        r#"R.attr.label != R.attr.score"#,
        r#"(ne request.resource.attr.label request.resource.attr.score)"#,
    ),
    (
        r#"R.attr.ok == R.attr.label"#,
        r#"(eq request.resource.attr.ok request.resource.attr.label)"#,
    ),
    (
        r#"R.attr.owner == R.attr.amount"#,
        r#"(eq request.resource.attr.owner request.resource.attr.amount)"#,
    ),
    (
        r#"R.attr.flag == R.attr.ok"#,
        r#"(eq request.resource.attr.flag request.resource.attr.ok)"#,
    ),
    // in.
    (
        r#"R.attr.owner in ["alice", "B", 5]"#,
        r#"(in request.resource.attr.owner ["alice","B",5])"#,
    ),
    (
        r#"R.attr.label in ["Alpha", null]"#,
        r#"(in request.resource.attr.label ["Alpha",null])"#,
    ),
    (
        r#"R.attr.label in ["Alpha", "b"]"#,
        r#"(in request.resource.attr.label ["Alpha","b"])"#,
    ),
    (
        r#"R.attr.label in [1, 2]"#,
        r#"(in request.resource.attr.label [1,2])"#,
    ),
    (
        r#"R.attr.label in [1, null]"#,
        r#"(in request.resource.attr.label [1,null])"#,
    ),
    (
        r#"R.attr.owner in [1, 2]"#,
        r#"(in request.resource.attr.owner [1,2])"#,
    ),
    (
        r#"R.attr.amount in [10, 100.0, "x"]"#,
        r#"(in request.resource.attr.amount [10,100.0,"x"])"#,
    ),
    (
        r#"R.attr.score in [null, 2.5]"#,
        r#"(in request.resource.attr.score [null,2.5])"#,
    ),
    (
        r#"R.attr.ok in [true]"#,
        r#"(in request.resource.attr.ok [true])"#,
    ),
    (
        r#"R.attr.owner in {"alice": 1, "bob": 2}"#,
        r#"(in request.resource.attr.owner {"alice":1,"bob":2})"#,
    ),
    (
        r#"!(R.attr.label in ["b"])"#,
        r#"(not (in request.resource.attr.label ["b"]))"#,
    ),
    // has.
    (
        r#"has(R.attr.owner)"#,
        r#"(has request.resource.attr.owner)"#,
    ),
    (
        r#"has(R.attr.label)"#,
        r#"(has request.resource.attr.label)"#,
    ),
    (
        r#"!has(R.attr.amount)"#,
        r#"(not (has request.resource.attr.amount))"#,
    ),
    // String functions, with pattern characters of every dialect.
    (
        r#"R.attr.owner.startsWith("a")"#,
        r#"(startsWith request.resource.attr.owner "a")"#,
    ),
    (
        r#"R.attr.owner.startsWith("A")"#,
        r#"(startsWith request.resource.attr.owner "A")"#,
    ),
    (
        r#"R.attr.owner.startsWith("a%_")"#,
        r#"(startsWith request.resource.attr.owner "a%_")"#,
    ),
    (
        r#"R.attr.owner.contains("*?[")"#,
        r#"(contains request.resource.attr.owner "*?[")"#,
    ),
    (
        r#"R.attr.owner.contains("%")"#,
        r#"(contains request.resource.attr.owner "%")"#,
    ),
    (
        r#"R.attr.owner.contains("_")"#,
        r#"(contains request.resource.attr.owner "_")"#,
    ),
    (
        r#"R.attr.owner.contains("!")"#,
        r#"(contains request.resource.attr.owner "!")"#,
    ),
    (
        r#"R.attr.owner.endsWith("[b")"#,
        r#"(endsWith request.resource.attr.owner "[b")"#,
    ),
    (
        r#"R.attr.owner.endsWith("e")"#,
        r#"(endsWith request.resource.attr.owner "e")"#,
    ),
    (
        r#"R.attr.label.startsWith("A_")"#,
        r#"(startsWith request.resource.attr.label "A_")"#,
    ),
    (
        r#"R.attr.label.startsWith("A%")"#,
        r#"(startsWith request.resource.attr.label "A%")"#,
    ),
    (
        r#"R.attr.owner.contains("?[")"#,
        r#"(contains request.resource.attr.owner "?[")"#,
    ),
    (
        r#"R.attr.label.endsWith("")"#,
        r#"(endsWith request.resource.attr.label "")"#,
    ),
    (
        r#"R.attr.label.contains("ph")"#,
        r#"(contains request.resource.attr.label "ph")"#,
    ),
    (
        r#"!R.attr.label.startsWith("A")"#,
        r#"(not (startsWith request.resource.attr.label "A"))"#,
    ),
    // size (characters) and int arithmetic on it.
    (
        r#"size(R.attr.label) == 1"#,
        r#"(eq (size request.resource.attr.label) 1)"#,
    ),
    (
        r#"R.attr.owner.size() > 1"#,
        r#"(gt (size request.resource.attr.owner) 1)"#,
    ),
    (
        r#"size(R.attr.label) + 1 == 2"#,
        r#"(eq (add (size request.resource.attr.label) 1) 2)"#,
    ),
    // Double arithmetic.
    (
        r#"R.attr.amount + 1.5 > 11.0"#,
        r#"(gt (add request.resource.attr.amount 1.5) 11.0)"#,
    ),
    (
        r#"R.attr.score * 2.0 == 5.0"#,
        r#"(eq (mult request.resource.attr.score 2.0) 5.0)"#,
    ),
    (
        r#"R.attr.amount / 4.0 == 2.5"#,
        r#"(eq (div request.resource.attr.amount 4.0) 2.5)"#,
    ),
    (
        r#"R.attr.amount - R.attr.score > 0.0"#,
        r#"(gt (sub request.resource.attr.amount request.resource.attr.score) 0.0)"#,
    ),
    (
        r#"10.0 - R.attr.amount < 5.0"#,
        r#"(lt (sub 10.0 request.resource.attr.amount) 5.0)"#,
    ),
    (
        r#"R.attr.score * 0.1 == 0.25"#,
        r#"(eq (mult request.resource.attr.score 0.1) 0.25)"#,
    ),
    // Timestamps, including constants finer than the column's resolution.
    (
        r#"timestamp(R.attr.created) < timestamp("2024-01-01T00:00:00Z")"#,
        r#"(lt (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) == timestamp("2024-01-01T00:00:00.001Z")"#,
        r#"(eq (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.001Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) == timestamp("2023-06-01T10:30:00.123Z")"#,
        r#"(eq (timestamp request.resource.attr.created) (timestamp "2023-06-01T10:30:00.123Z"))"#,
    ),
    (
        r#"timestamp("2024-01-01T00:00:00Z") <= timestamp(R.attr.created)"#,
        r#"(le (timestamp "2024-01-01T00:00:00Z") (timestamp request.resource.attr.created))"#,
    ),
    (
        r#"timestamp(R.attr.created) < timestamp("2024-01-01T00:00:00.0005Z")"#,
        r#"(lt (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) <= timestamp("2024-01-01T00:00:00.0005Z")"#,
        r#"(le (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) > timestamp("2024-01-01T00:00:00.0005Z")"#,
        r#"(gt (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) >= timestamp("2024-01-01T00:00:00.0005Z")"#,
        r#"(ge (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) == timestamp("2024-01-01T00:00:00.0005Z")"#,
        r#"(eq (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) != timestamp("2024-01-01T00:00:00.0005Z")"#,
        r#"(ne (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) + duration("3600s") > timestamp("2024-01-01T00:30:00Z")"#,
        r#"(gt (add (timestamp request.resource.attr.created) (duration "3600s")) (timestamp "2024-01-01T00:30:00Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) - duration("1h30m") >= timestamp("2023-06-01T09:00:00.123Z")"#,
        r#"(ge (sub (timestamp request.resource.attr.created) (duration "1h30m")) (timestamp "2023-06-01T09:00:00.123Z"))"#,
    ),
    (
        r#"timestamp(R.attr.created) == timestamp(R.attr.created)"#,
        r#"(eq (timestamp request.resource.attr.created) (timestamp request.resource.attr.created))"#,
    ),
    // The id.
    (r#"R.id == "d1""#, r#"(eq request.resource.id "d1")"#),
    (
        r#"R.id.startsWith("d1")"#,
        r#"(startsWith request.resource.id "d1")"#,
    ),
    // Connectives absorbing errors as CEL does.
    (
        r#"R.attr.owner == "alice" && R.attr.flag"#,
        r#"(and (eq request.resource.attr.owner "alice") request.resource.attr.flag)"#,
    ),
    (
        r#"R.attr.owner == "x" || R.attr.ok"#,
        r#"(or (eq request.resource.attr.owner "x") request.resource.attr.ok)"#,
    ),
    (
        r#"!(R.attr.owner == "alice" || R.attr.amount > 5.0)"#,
        r#"(not (or (eq request.resource.attr.owner "alice") (gt request.resource.attr.amount 5.0)))"#,
    ),
    (
        r#"!(R.attr.owner < "c" && R.attr.label < "c")"#,
        r#"(not (and (lt request.resource.attr.owner "c") (lt request.resource.attr.label "c")))"#,
    ),
    (
        r#"R.attr.flag ? R.attr.owner == "alice" : R.attr.ok"#,
        r#"(if request.resource.attr.flag (eq request.resource.attr.owner "alice") request.resource.attr.ok)"#,
    ),
    (
        r#"R.attr.amount > 1.0 && R.attr.score > 1.0 && R.attr.owner != "b""#,
        r#"(and (gt request.resource.attr.amount 1.0) (gt request.resource.attr.score 1.0) (ne request.resource.attr.owner "b"))"#,
    ),
];

fn ts(text: &str) -> Option<(DateTime<Utc>, String)> {
    let t = DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc);
    Some((t, text.to_owned()))
}

#[allow(clippy::too_many_arguments)]
fn row(
    id: &str,
    owner: Option<&str>,
    label: Option<&str>,
    amount: Option<f64>,
    score: Option<f64>,
    flag: Option<bool>,
    ok: Option<bool>,
    created: Option<&str>,
) -> Row {
    Row {
        id: id.into(),
        owner: owner.map(Into::into),
        label: label.map(Into::into),
        amount,
        score,
        flag,
        ok,
        created: created.and_then(ts),
    }
}

fn rows() -> Vec<Row> {
    vec![
        row(
            "d1",
            Some("alice"),
            Some("Alpha"),
            Some(10.0),
            Some(2.5),
            Some(true),
            Some(false),
            Some("2024-01-01T00:00:00Z"),
        ),
        row("d2", None, None, None, None, None, None, None),
        row(
            "d3",
            Some(""),
            Some(""),
            Some(0.0),
            Some(-0.0),
            Some(false),
            Some(true),
            Some("2023-06-01T12:30:00.123+02:00"),
        ),
        row(
            "d4",
            Some("a%_!*?[b"),
            Some("é"),
            Some(100.0),
            Some(100.0),
            Some(true),
            None,
            Some("2024-01-01T00:00:00.001Z"),
        ),
        row(
            "d5",
            Some("B"),
            Some("b"),
            Some(-3.5),
            None,
            Some(false),
            Some(false),
            Some("2023-12-31T23:59:59.999Z"),
        ),
        row(
            "d6",
            Some("ab"),
            None,
            Some(1e15),
            Some(0.5),
            None,
            Some(true),
            Some("2024-01-01T01:00:00+01:00"),
        ),
        row(
            "d7",
            Some("é"),
            Some("alice"),
            Some(2.5),
            Some(2.5),
            Some(true),
            Some(true),
            Some("2024-01-01T00:00:00.000Z"),
        ),
        row(
            "d8",
            Some("Alpha"),
            Some("Alpha"),
            Some(10.0),
            Some(10.0),
            Some(false),
            None,
            Some("2024-01-01T00:30:00Z"),
        ),
        row(
            "d10",
            Some("alice"),
            Some("e"),
            Some(0.1),
            Some(0.3),
            Some(true),
            Some(false),
            Some("2023-06-01T12:00:00.123+02:00"),
        ),
        row(
            "d11",
            Some("ie"),
            Some("10"),
            Some(1.0),
            Some(1.0),
            None,
            None,
            Some("2024-01-01T00:00:00Z"),
        ),
        row(
            "d12",
            Some("?[x"),
            Some("A_pha"),
            Some(1.0),
            Some(1.0),
            None,
            None,
            None,
        ),
    ]
}

/// What the engine makes of `expr` on each row: `Some(true)`, `Some(false)` or `None` for an
/// error (neither `expr` nor `!(expr)` allows).
fn engine_results(expr: &str, rows: &[Row]) -> Vec<(String, Option<bool>)> {
    let quoted = |e: &str| format!("'{}'", e.replace('\'', "''"));
    let yaml = format!(
        "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [yes]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: {}\n    - actions: [no]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: {}\n",
        quoted(expr),
        quoted(&format!("!({expr})"))
    );
    let set =
        PolicySet::from_sources([("doc.yaml", yaml)]).unwrap_or_else(|e| panic!("{expr}: {e}"));
    let engine = Engine::new(set, EngineConfig::default());
    let mut out: Vec<(String, Option<bool>)> = rows
        .iter()
        .map(|r| {
            let o = engine.check(&CheckInput::new(
                Principal::new("u", ["user"]),
                r.resource("doc"),
                ["yes", "no"],
            ));
            let v = match (o.is_allowed("yes"), o.is_allowed("no")) {
                (true, false) => Some(true),
                (false, true) => Some(false),
                (false, false) => None,
                (true, true) => panic!("{expr} and its negation both allow on {r:?}"),
            };
            (r.id.clone(), v)
        })
        .collect();
    out.sort();
    out
}

fn run(db: &mut dyn Db) {
    let rows = rows();
    db.load(&rows);
    let columns = columns();
    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (cel, src) in CASES {
        let filter = sexpr::filter(src);
        assert_eq!(
            filter.to_string(),
            *src,
            "test data: the S-expression must round-trip"
        );
        let expr = to_expr(&filter, &columns, db.dialect())
            .unwrap_or_else(|e| panic!("{src} does not translate: {e}"));
        let mut got = db
            .evaluate(expr.clone())
            .unwrap_or_else(|e| panic!("{}: {src}: {e}", db.name()));
        got.sort();
        let want = engine_results(cel, &rows);
        for (g, w) in got.iter().zip(&want) {
            seen.insert(w.1);
            if g != w {
                failures.push(format!(
                    "{}: `{cel}` on {}: SQL gives {:?}, the engine {:?}\n  SQL: {}",
                    db.name(),
                    g.0,
                    g.1,
                    w.1,
                    db.render(&sea_query::Query::select().expr(expr.clone()).to_owned())
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every outcome occurred, so the comparison is not vacuous.
    assert_eq!(seen.len(), 3, "outcomes seen: {seen:?}");
}

#[test]
fn operators_match_the_engine_on_sqlite() {
    run(&mut Sqlite::new());
}

#[test]
fn operators_match_the_engine_on_postgres() {
    if let Some(mut pg) = Postgres::connect("operators_match_the_engine_on_postgres") {
        run(&mut pg);
    }
}

#[test]
fn mysql_dialect_renders() {
    // No MySQL server in the tests: the rendering is checked as text.
    let columns = columns();
    let f = sexpr::filter(
        r#"(and (lt request.resource.attr.owner "b") (contains request.resource.attr.label "a_b") (in request.resource.attr.owner ["x","y"]) (gt (add request.resource.attr.amount 1.5) 2.0) (lt (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0000005Z")))"#,
    );
    let sql = sea_query::Query::select()
        .column(sea_query::Alias::new("id"))
        .from(sea_query::Alias::new("doc"))
        .cond_where(authz_sql::to_condition(&f, &columns, Dialect::MySql).unwrap())
        .to_string(sea_query::MysqlQueryBuilder);
    assert_eq!(
        sql,
        "SELECT `id` FROM `doc` WHERE (`owner` COLLATE utf8mb4_0900_bin) < 'b' \
         AND (`label` COLLATE utf8mb4_0900_bin) LIKE '%a!_b%' ESCAPE '!' \
         AND (`owner` COLLATE utf8mb4_0900_bin) IN ('x', 'y') \
         AND (CAST(`amount` AS DOUBLE)) + 1.5 > 2 \
         AND `created` < (CAST('2024-01-01 00:00:00.000001' AS DATETIME(6)))"
    );
}
