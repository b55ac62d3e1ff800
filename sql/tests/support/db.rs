//! Shared by the integration tests: the `doc` table, the rows → resource convention that
//! matches [`columns`], and SQLite / PostgreSQL runners that execute translated conditions.

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use authz_core::Resource;
use authz_sql::{Column, Columns, Dialect, NullMeans};
use chrono::{DateTime, Utc};
use sea_query::{
    Alias, Condition, Expr, PostgresQueryBuilder, Query, SelectStatement, SqliteQueryBuilder, Value,
};
use serde_json::{json, Map, Value as Json};

/// The environment variable with the PostgreSQL connection string.
pub const POSTGRES_URL_VAR: &str = "AUTHZ_TEST_POSTGRES_URL";

/// One row of `doc`. `None` is SQL NULL.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: String,
    /// Text, NULL = absent.
    pub owner: Option<String>,
    /// Text, NULL = JSON null.
    pub label: Option<String>,
    /// Number, NULL = absent.
    pub amount: Option<f64>,
    /// Number, NULL = JSON null.
    pub score: Option<f64>,
    /// Bool, NULL = absent.
    pub flag: Option<bool>,
    /// Bool, NULL = JSON null.
    pub ok: Option<bool>,
    /// Timestamp (millisecond precision), NULL = absent. The text form is the stored one
    /// in SQLite and the attribute value (an RFC 3339 string with some UTC offset).
    pub created: Option<(DateTime<Utc>, String)>,
}

/// The documented mapping of the `doc` table.
pub fn columns() -> Columns {
    Columns::new()
        .text("request.resource.id", "id")
        .text("request.resource.attr.owner", "owner")
        .column(
            "request.resource.attr.label",
            Column::text("label").null_means(NullMeans::JsonNull),
        )
        .number("request.resource.attr.amount", "amount")
        .column(
            "request.resource.attr.score",
            Column::number("score").null_means(NullMeans::JsonNull),
        )
        .boolean("request.resource.attr.flag", "flag")
        .column(
            "request.resource.attr.ok",
            Column::boolean("ok").null_means(NullMeans::JsonNull),
        )
        .timestamp("request.resource.attr.created", "created")
}

impl Row {
    /// The resource the application builds from the row, following [`columns`]: an
    /// `Absent` column's NULL leaves the key out, a `JsonNull` column's NULL is `null`.
    pub fn resource(&self, kind: &str) -> Resource {
        Resource::new(kind, self.id.clone()).with_attrs(self.attributes())
    }

    /// The attributes of [`Row::resource`].
    pub fn attributes(&self) -> Map<String, Json> {
        let mut m = Map::new();
        if let Some(v) = &self.owner {
            m.insert("owner".into(), json!(v));
        }
        m.insert("label".into(), json!(self.label));
        if let Some(v) = self.amount {
            m.insert("amount".into(), json!(v));
        }
        m.insert("score".into(), json!(self.score));
        if let Some(v) = self.flag {
            m.insert("flag".into(), json!(v));
        }
        m.insert("ok".into(), json!(self.ok));
        if let Some((_, text)) = &self.created {
            m.insert("created".into(), json!(text));
        }
        m
    }
}

/// Executes conditions on one database.
pub trait Db {
    /// For messages.
    fn name(&self) -> &'static str;
    /// The dialect to translate for.
    fn dialect(&self) -> Dialect;
    /// Replaces the rows of `doc`.
    fn load(&mut self, rows: &[Row]);
    /// The ids of the rows selected by `cond`, sorted; `inline` renders values into the SQL
    /// instead of binding them.
    fn select_ids(&mut self, cond: Condition, inline: bool) -> Result<Vec<String>, String>;
    /// The three-valued result of `expr` for every row: (id, TRUE/FALSE/NULL), sorted by id.
    fn evaluate(&mut self, expr: Expr) -> Result<Vec<(String, Option<bool>)>, String>;
    /// The SQL of a statement, for failure messages.
    fn render(&self, stmt: &SelectStatement) -> String;
}

fn select(cond: Condition) -> SelectStatement {
    Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("doc"))
        .cond_where(cond)
        .order_by(Alias::new("id"), sea_query::Order::Asc)
        .to_owned()
}

fn evaluation(expr: Expr) -> SelectStatement {
    Query::select()
        .column(Alias::new("id"))
        .expr(expr)
        .from(Alias::new("doc"))
        .order_by(Alias::new("id"), sea_query::Order::Asc)
        .to_owned()
}

// ---------------------------------------------------------------------------------------------
// SQLite
// ---------------------------------------------------------------------------------------------

/// An in-memory SQLite database with the `doc` table.
pub struct Sqlite {
    conn: rusqlite::Connection,
}

impl Sqlite {
    pub fn new() -> Sqlite {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE doc (id TEXT PRIMARY KEY, owner TEXT, label TEXT, amount REAL, \
             score REAL, flag BOOLEAN, ok BOOLEAN, created TEXT)",
        )
        .unwrap();
        Sqlite { conn }
    }
}

fn sqlite_value(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as S;
    match v {
        Value::Bool(b) => b.map_or(S::Null, |b| S::Integer(i64::from(b))),
        Value::Int(i) => i.map_or(S::Null, |i| S::Integer(i64::from(i))),
        Value::BigInt(i) => i.map_or(S::Null, S::Integer),
        Value::BigUnsigned(u) => u.map_or(S::Null, |u| S::Integer(i64::try_from(u).unwrap())),
        Value::Double(f) => f.map_or(S::Null, S::Real),
        Value::String(s) => s.clone().map_or(S::Null, S::Text),
        other => panic!("unexpected bound value {other:?}"),
    }
}

impl Db for Sqlite {
    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn load(&mut self, rows: &[Row]) {
        let tx = self.conn.transaction().unwrap();
        tx.execute("DELETE FROM doc", []).unwrap();
        for r in rows {
            tx.execute(
                "INSERT INTO doc VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                rusqlite::params![
                    r.id,
                    r.owner,
                    r.label,
                    r.amount,
                    r.score,
                    r.flag,
                    r.ok,
                    r.created.as_ref().map(|(_, t)| t.clone())
                ],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    fn select_ids(&mut self, cond: Condition, inline: bool) -> Result<Vec<String>, String> {
        let stmt = select(cond);
        let (sql, values) = if inline {
            (stmt.to_string(SqliteQueryBuilder), Vec::new())
        } else {
            let (sql, values) = stmt.build(SqliteQueryBuilder);
            (sql, values.0.iter().map(sqlite_value).collect())
        };
        let mut st = self.conn.prepare(&sql).map_err(|e| format!("{e}: {sql}"))?;
        let ids = st
            .query_map(rusqlite::params_from_iter(values), |r| {
                r.get::<_, String>(0)
            })
            .map_err(|e| format!("{e}: {sql}"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{e}: {sql}"))?;
        Ok(ids)
    }

    fn evaluate(&mut self, expr: Expr) -> Result<Vec<(String, Option<bool>)>, String> {
        let (sql, values) = evaluation(expr).build(SqliteQueryBuilder);
        let values: Vec<_> = values.0.iter().map(sqlite_value).collect();
        let mut st = self.conn.prepare(&sql).map_err(|e| format!("{e}: {sql}"))?;
        let out = st
            .query_map(rusqlite::params_from_iter(values), |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?.map(|v| v != 0),
                ))
            })
            .map_err(|e| format!("{e}: {sql}"))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{e}: {sql}"))?;
        Ok(out)
    }

    fn render(&self, stmt: &SelectStatement) -> String {
        stmt.to_string(SqliteQueryBuilder)
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL
// ---------------------------------------------------------------------------------------------

/// A PostgreSQL session with a temporary `doc` table (private to the connection, so tests
/// running in parallel do not see each other's rows).
pub struct Postgres {
    client: postgres::Client,
}

impl Postgres {
    /// Connects with `AUTHZ_TEST_POSTGRES_URL`, or prints that the PostgreSQL part of `test`
    /// is skipped and returns `None`.
    pub fn connect(test: &str) -> Option<Postgres> {
        let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
            // Straight to the stderr handle: libtest captures `eprintln!` of passing tests.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: PostgreSQL part of `{test}`: set {POSTGRES_URL_VAR} \
                 (e.g. host=127.0.0.1 port=5432 user=authz dbname=authz) to run it ***\n"
            );
            return None;
        };
        let mut client = postgres::Client::connect(&url, postgres::NoTls)
            .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but connecting failed: {e}"));
        // Text columns get a linguistic collation where the server has ICU ("B" < "a" is
        // false there), so that the byte-wise ordering of CEL is really exercised.
        let icu = client
            .query_opt(
                "SELECT 1 FROM pg_collation WHERE collname = 'en-x-icu'",
                &[],
            )
            .unwrap()
            .is_some();
        let text = if icu {
            r#"TEXT COLLATE "en-x-icu""#
        } else {
            "TEXT"
        };
        client
            .batch_execute(&format!(
                "CREATE TEMP TABLE doc (id TEXT PRIMARY KEY, owner {text}, label {text}, \
                 amount DOUBLE PRECISION, score DOUBLE PRECISION, flag BOOLEAN, ok BOOLEAN, \
                 created TIMESTAMPTZ)"
            ))
            .unwrap();
        Some(Postgres { client })
    }

    fn query(&mut self, sql: &str, values: &[Value]) -> Result<Vec<postgres::Row>, String> {
        use postgres::types::{ToSql, Type};
        let st = self
            .client
            .prepare(sql)
            .map_err(|e| format!("{e}: {sql}"))?;
        let mut params: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        for (v, ty) in values.iter().zip(st.params()) {
            // Convert to the type PostgreSQL inferred for the placeholder, refusing any
            // conversion that would change the value.
            let p: Box<dyn ToSql + Sync> = match (v, ty) {
                (Value::String(Some(s)), _) => Box::new(s.clone()),
                (Value::Bool(Some(b)), _) => Box::new(*b),
                (Value::Double(Some(f)), &Type::FLOAT8) => Box::new(*f),
                (Value::Double(Some(f)), &Type::FLOAT4) => Box::new(*f as f32),
                (Value::BigInt(Some(i)), &Type::INT8) => Box::new(*i),
                (Value::BigInt(Some(i)), &Type::INT4) => {
                    Box::new(i32::try_from(*i).map_err(|e| format!("{e}: {sql}"))?)
                }
                (Value::BigInt(Some(i)), &Type::FLOAT8) => Box::new(*i as f64),
                (v, ty) => return Err(format!("cannot bind {v:?} as {ty}: {sql}")),
            };
            params.push(p);
        }
        let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref()).collect();
        self.client
            .query(&st, &refs)
            .map_err(|e| format!("{e}: {sql}"))
    }
}

impl Db for Postgres {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn load(&mut self, rows: &[Row]) {
        let mut tx = self.client.transaction().unwrap();
        tx.execute("DELETE FROM doc", &[]).unwrap();
        let st = tx
            .prepare(
                "INSERT INTO doc VALUES ($1, $2, $3, $4, $5, $6, $7, CAST($8::TEXT AS TIMESTAMPTZ))",
            )
            .unwrap();
        for r in rows {
            let created = r.created.as_ref().map(|(_, t)| t.clone());
            tx.execute(
                &st,
                &[
                    &r.id, &r.owner, &r.label, &r.amount, &r.score, &r.flag, &r.ok, &created,
                ],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }

    fn select_ids(&mut self, cond: Condition, inline: bool) -> Result<Vec<String>, String> {
        let stmt = select(cond);
        let rows = if inline {
            self.query(&stmt.to_string(PostgresQueryBuilder), &[])?
        } else {
            let (sql, values) = stmt.build(PostgresQueryBuilder);
            self.query(&sql, &values.0)?
        };
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    fn evaluate(&mut self, expr: Expr) -> Result<Vec<(String, Option<bool>)>, String> {
        let (sql, values) = evaluation(expr).build(PostgresQueryBuilder);
        let rows = self.query(&sql, &values.0)?;
        Ok(rows
            .iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, Option<bool>>(1)))
            .collect())
    }

    fn render(&self, stmt: &SelectStatement) -> String {
        stmt.to_string(PostgresQueryBuilder)
    }
}

/// A select of `doc` ids with `cond`, for messages.
pub fn select_statement(cond: Condition) -> SelectStatement {
    select(cond)
}
