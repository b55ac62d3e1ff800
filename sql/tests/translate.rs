//! The public API without a database: rendered SQL per dialect, constant plans, and every
//! refusal (a typed error naming the operator or attribute, never a wider condition).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/db.rs"]
mod db;
#[path = "support/sexpr.rs"]
mod sexpr;

use authz_core::plan::Filter;
use authz_sql::{
    to_condition, to_expr, Column, ColumnType, Columns, Dialect, NullMeans, TranslateError,
};
use sea_query::{Alias, Expr, MysqlQueryBuilder, PostgresQueryBuilder, Query, SqliteQueryBuilder};

fn where_clause(filter: &Filter, dialect: Dialect) -> String {
    let cond = to_condition(filter, &db::columns(), dialect).unwrap();
    let stmt = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("doc"))
        .cond_where(cond)
        .to_owned();
    let sql = match dialect {
        Dialect::Postgres => stmt.to_string(PostgresQueryBuilder),
        Dialect::Sqlite => stmt.to_string(SqliteQueryBuilder),
        _ => stmt.to_string(MysqlQueryBuilder),
    };
    sql.split_once(" WHERE ")
        .map(|(_, w)| w.to_owned())
        .unwrap_or_default()
}

fn pg(src: &str) -> String {
    where_clause(&sexpr::filter(src), Dialect::Postgres)
}

fn sqlite(src: &str) -> String {
    where_clause(&sexpr::filter(src), Dialect::Sqlite)
}

#[test]
fn constant_plans() {
    for d in [Dialect::Postgres, Dialect::Sqlite, Dialect::MySql] {
        assert_eq!(where_clause(&Filter::AlwaysAllowed, d), "TRUE");
        assert_eq!(where_clause(&Filter::AlwaysDenied, d), "FALSE");
    }
    // Constants need no mapping at all.
    let empty = Columns::new();
    assert!(to_condition(&Filter::AlwaysDenied, &empty, Dialect::Postgres).is_ok());
}

#[test]
fn postgres_snapshots() {
    assert_eq!(
        pg(r#"(eq request.resource.attr.owner "alice")"#),
        r#""owner" = 'alice'"#
    );
    assert_eq!(
        pg(r#"(lt request.resource.attr.owner "b")"#),
        r#"("owner" COLLATE "C") < 'b'"#
    );
    // JSON null convention: NULL is `null`, unequal to a string.
    assert_eq!(
        pg(r#"(ne request.resource.attr.label "x")"#),
        r#"(CASE WHEN ("label" IS NULL) THEN TRUE ELSE "label" <> 'x' END)"#
    );
    assert_eq!(
        pg(r#"(eq request.resource.attr.label null)"#),
        r#""label" IS NULL"#
    );
    // Absent convention: comparing with null is an error on NULL, false otherwise.
    assert_eq!(
        pg(r#"(eq request.resource.attr.owner null)"#),
        r#"(CASE WHEN ("owner" IS NULL) THEN NULL ELSE FALSE END)"#
    );
    assert_eq!(
        pg(r#"(has request.resource.attr.owner)"#),
        r#""owner" IS NOT NULL"#
    );
    assert_eq!(pg(r#"(has request.resource.attr.label)"#), "TRUE");
    assert_eq!(
        pg(r#"(lt request.resource.attr.owner 5)"#),
        "CAST(NULL AS BOOLEAN)"
    );
    assert_eq!(
        pg(r#"(in request.resource.attr.label ["a",null,3])"#),
        r#""label" IS NULL OR "label" IN ('a')"#
    );
    assert_eq!(
        pg(r#"(eq request.resource.attr.amount 10)"#),
        r#""amount" = 10"#
    );
    assert_eq!(
        pg(r#"(gt (add request.resource.attr.amount 1.5) 2.0)"#),
        r#"(CAST("amount" AS DOUBLE PRECISION)) + 1.5 > 2"#
    );
    assert_eq!(
        pg(r#"(startsWith request.resource.attr.owner "50%_off!")"#),
        r#""owner" LIKE '50!%!_off!!%' ESCAPE '!'"#
    );
    assert_eq!(
        pg(
            r#"(ge (sub (timestamp request.resource.attr.created) (duration "3600s")) (timestamp "2024-01-01T00:00:00.0000015Z"))"#
        ),
        r#""created" >= (CAST('2024-01-01T01:00:00.000002Z' AS TIMESTAMPTZ))"#
    );
    assert_eq!(
        pg(
            r#"(and (not request.resource.attr.flag) (or (eq request.resource.id "d1") (eq (size request.resource.attr.owner) 2)))"#
        ),
        r#"(NOT "flag") AND ("id" = 'd1' OR char_length("owner") = 2)"#
    );
}

#[test]
fn sqlite_snapshots() {
    assert_eq!(
        sqlite(r#"(eq request.resource.attr.owner "alice")"#),
        r#"("owner" COLLATE BINARY) = 'alice'"#
    );
    assert_eq!(
        sqlite(r#"(contains request.resource.attr.owner "a*b?[c]")"#),
        r#""owner" GLOB '*a[*]b[?][[]c]*'"#
    );
    assert_eq!(
        sqlite(
            r#"(lt (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#
        ),
        r#"julianday("created") < (julianday('2024-01-01T00:00:00.001Z'))"#
    );
    assert_eq!(
        sqlite(
            r#"(eq (timestamp request.resource.attr.created) (timestamp "2024-01-01T00:00:00.0005Z"))"#
        ),
        r#"(CASE WHEN (julianday("created") IS NULL) THEN NULL ELSE FALSE END)"#
    );
}

#[test]
fn bound_values_use_placeholders() {
    let f = sexpr::filter(
        r#"(and (eq request.resource.attr.owner "O'Brien") (gt request.resource.attr.amount 2))"#,
    );
    let cond = to_condition(&f, &db::columns(), Dialect::Postgres).unwrap();
    let (sql, values) = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("doc"))
        .cond_where(cond)
        .build(PostgresQueryBuilder);
    assert_eq!(
        sql,
        r#"SELECT "id" FROM "doc" WHERE "owner" = $1 AND "amount" > $2"#
    );
    assert_eq!(values.0, vec!["O'Brien".into(), 2.0f64.into()]);
}

#[test]
fn columns_can_be_expressions_and_short_names() {
    let columns = Columns::new()
        .column(
            "R.attr.email",
            Column::new(ColumnType::Text, Expr::cust(r#"lower("email")"#)),
        )
        .column(
            "R.attr.team",
            Column::text((Alias::new("t"), Alias::new("team"))).null_means(NullMeans::JsonNull),
        );
    assert_eq!(
        columns.get("request.resource.attr.team").unwrap().null(),
        NullMeans::JsonNull
    );
    let f = sexpr::filter(
        r#"(or (eq request.resource.attr.email "a@b.c") (eq request.resource.attr.team null))"#,
    );
    let e = to_expr(&f, &columns, Dialect::Postgres).unwrap();
    assert_eq!(
        Query::select().expr(e).to_string(PostgresQueryBuilder),
        r#"SELECT (lower("email")) = 'a@b.c' OR "t"."team" IS NULL"#
    );
}

fn refusal(src: &str) -> TranslateError {
    match to_condition(&sexpr::filter(src), &db::columns(), Dialect::Postgres) {
        Err(e) => e,
        Ok(c) => panic!("{src} translated to {c:?}"),
    }
}

#[test]
fn refusals_name_the_attribute_or_operator() {
    let cases: &[(&str, &str)] = &[
        (r#"(eq request.resource.attr.nope "x")"#, "attribute `request.resource.attr.nope` has no column mapping"),
        (r#"(has request.resource.attr.nope)"#, "attribute `request.resource.attr.nope` has no column mapping"),
        (r#"(matches request.resource.attr.owner "^a")"#, "operator `matches` is not supported in SQL"),
        (r#"(eq (mod request.resource.attr.amount 2) 1)"#, "operator `mod` is not supported in SQL"),
        (r#"(exists request.resource.attr.tags (lambda (eq t "a") t))"#, "operator `exists` is not supported in SQL"),
        (r#"(eq (index request.resource.attr.owner 0) "a")"#, "operator `index` is not supported in SQL"),
        (r#"(eq (lowerAscii request.resource.attr.owner) "a")"#, "operator `lowerAscii` is not supported in SQL"),
        (r#"(eq (timeSince (timestamp request.resource.attr.created)) (duration "1s"))"#, "operator `timeSince` is not supported in SQL"),
        (r#"(gt (add request.resource.attr.amount 1) 2)"#, "`add` is not supported here: CEL has no arithmetic between int and double (write `1.0`, not `1`)"),
        (r#"(gt (div request.resource.attr.amount request.resource.attr.score) 2.0)"#, "`div` is not supported here: only division by a non-zero constant is supported"),
        (r#"(gt (div request.resource.attr.amount 0.0) 2.0)"#, "`div` is not supported here: only division by a non-zero constant is supported"),
        (r#"request.resource.attr.owner"#, "`variable` is not supported here: `request.resource.attr.owner` is used as a boolean but is mapped to a Text column"),
        (r#"(not request.resource.attr.amount)"#, "`variable` is not supported here: `request.resource.attr.amount` is used as a boolean but is mapped to a Number column"),
        (r#""yes""#, "`value` is not supported here: the constant `\"yes\"` is not a boolean"),
        (r#"(eq request.resource.attr.created "2024-01-01T00:00:00Z")"#, "`variable` is not supported here: `request.resource.attr.created` is a timestamp column: the policy must read it with `timestamp(request.resource.attr.created)`"),
        (r#"(lt (timestamp request.resource.attr.owner) (timestamp "2024-01-01T00:00:00Z"))"#, "`timestamp` is not supported here: `request.resource.attr.owner` is not mapped to a timestamp column"),
        (r#"(lt (timestamp request.resource.attr.created) (timestamp "yesterday"))"#, "`timestamp` is not supported here: `yesterday` is not an RFC 3339 timestamp"),
        (r#"(in request.resource.attr.owner request.resource.attr.label)"#, "`in` is not supported here: only membership in a constant list or map is supported"),
        (r#"(in "a" ["a"])"#, "`in` is not supported here: the element is a constant"),
        (r#"(eq "a" "a")"#, "`eq` is not supported here: both operands are constants"),
        (r#"(eq request.resource.attr.owner ["a"])"#, "`eq` is not supported here: comparison with a list or map"),
        (r#"(startsWith request.resource.attr.owner request.resource.attr.label)"#, "`startsWith` is not supported here: the argument must be a string constant"),
        (r#"(contains request.resource.attr.amount "1")"#, "`contains` is not supported here: the receiver must be a text column"),
        (r#"(eq (size request.resource.attr.amount) 1)"#, "`size` is not supported here: only the size of a text column is supported"),
        (r#"(not request.resource.attr.flag request.resource.attr.ok)"#, "`not` is not supported here: expected 1 operands, found 2"),
        (r#"(has request.resource.attr.a.b)"#, "attribute `request.resource.attr.a.b` has no column mapping"),
        (r#"(gt (add (timestamp request.resource.attr.created) (duration "1 day")) (timestamp "2024-01-01T00:00:00Z"))"#, "`duration` is not supported here: cannot read `1 day`"),
        (r#"(gt (sub (duration "1h") (timestamp request.resource.attr.created)) (timestamp "2024-01-01T00:00:00Z"))"#, "`sub` is not supported here: only a timestamp column plus or minus a constant duration is supported"),
    ];
    for (src, want) in cases {
        assert_eq!(refusal(src).to_string(), *want, "{src}");
    }
    // A nested attribute can be mapped and compared, but not tested for presence.
    let columns = Columns::new().text("R.attr.a.b", "ab");
    let f = sexpr::filter("(has request.resource.attr.a.b)");
    assert_eq!(
        to_condition(&f, &columns, Dialect::Sqlite).unwrap_err().to_string(),
        "`has` is not supported here: presence test on the nested attribute `request.resource.attr.a.b`"
    );
    let f = sexpr::filter(r#"(eq request.resource.attr.a.b "x")"#);
    assert!(to_condition(&f, &columns, Dialect::Sqlite).is_ok());
    // A refusal deep inside an `or` still refuses the whole filter.
    let e = refusal(
        r#"(or (eq request.resource.attr.owner "a") (matches request.resource.attr.owner "b"))"#,
    );
    assert!(
        matches!(e, TranslateError::UnsupportedOperator { ref operator } if operator == "matches")
    );
}
