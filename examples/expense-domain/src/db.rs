//! The expense reports, stored in SQLite (in memory, or in a file).
//!
//! Calls are synchronous and short; the connection sits behind a mutex. A real service would
//! use a pool and `spawn_blocking`.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use authz_core::plan::Filter;
use authz_core::Resource;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use serde_json::json;

use crate::BoxError;

/// One expense report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expense {
    /// `e<number>`, e.g. `e1`.
    pub id: String,
    /// The id of the principal who filed it.
    pub owner: String,
    /// The owner's region (`eu`, `us`), `None` when the owner has none.
    pub region: Option<String>,
    /// `draft` or `approved`.
    pub status: String,
    /// The amount, in cents.
    pub amount: i64,
    /// What it was for.
    pub description: String,
}

impl Expense {
    /// The report as the policies see it: kind `expense` with `owner`, `region`, `status`.
    pub fn to_resource(&self) -> Resource {
        let r = Resource::new("expense", self.id.clone())
            .with_attr("owner", json!(self.owner))
            .with_attr("status", json!(self.status));
        match &self.region {
            Some(region) => r.with_attr("region", json!(region)),
            None => r,
        }
    }
}

/// A handle to the database; clones share the connection.
#[derive(Debug, Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS expenses (
    n INTEGER PRIMARY KEY AUTOINCREMENT,
    owner TEXT NOT NULL,
    region TEXT,
    status TEXT NOT NULL,
    amount INTEGER NOT NULL,
    description TEXT NOT NULL
)";

const COLUMNS: &str = "n, owner, region, status, amount, description";

/// The seeded reports: the resources of `policies/testdata/resources.yaml` (`e1`..`e4`).
const SEED: [(&str, &str, &str, i64, &str); 4] = [
    ("alice", "eu", "draft", 4_250, "train to Lyon"),
    ("alice", "eu", "approved", 1_990, "team lunch"),
    ("mia", "eu", "draft", 12_000, "conference ticket"),
    ("bob", "us", "draft", 3_500, "taxi to the airport"),
];

fn row(r: &Row<'_>) -> rusqlite::Result<Expense> {
    Ok(Expense {
        id: format!("e{}", r.get::<_, i64>(0)?),
        owner: r.get(1)?,
        region: r.get(2)?,
        status: r.get(3)?,
        amount: r.get(4)?,
        description: r.get(5)?,
    })
}

/// The row number of `id` (`e7` → 7), `None` when `id` is not of that form.
fn number(id: &str) -> Option<i64> {
    let digits = id.strip_prefix('e')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

impl Db {
    /// A fresh in-memory database with the schema.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn in_memory() -> Result<Db, BoxError> {
        Db::with(Connection::open_in_memory()?)
    }

    /// The database in the file at `path` (created when missing), with the schema.
    ///
    /// # Errors
    /// When the file cannot be opened or SQLite fails.
    pub fn open(path: impl AsRef<Path>) -> Result<Db, BoxError> {
        Db::with(Connection::open(path)?)
    }

    fn with(conn: Connection) -> Result<Db, BoxError> {
        conn.execute(SCHEMA, [])?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, BoxError> {
        self.conn
            .lock()
            .map_err(|_| "the database mutex is poisoned".into())
    }

    /// Inserts the demo reports `e1`..`e4` when the table is empty; returns how many it added.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn seed(&self) -> Result<usize, BoxError> {
        let conn = self.conn()?;
        let count: i64 = conn.query_row("SELECT COUNT(*) FROM expenses", [], |r| r.get(0))?;
        if count > 0 {
            return Ok(0);
        }
        for (owner, region, status, amount, description) in SEED {
            conn.execute(
                "INSERT INTO expenses (owner, region, status, amount, description) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![owner, region, status, amount, description],
            )?;
        }
        Ok(SEED.len())
    }

    /// Every report, by id.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn list(&self) -> Result<Vec<Expense>, BoxError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM expenses ORDER BY n"))?;
        let rows = stmt.query_map([], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The reports `filter` lets through, by id: the plan's condition is the SQL `WHERE`.
    ///
    /// `region` is NULL when the owner has none, and [`Expense::to_resource`] then leaves the
    /// attribute out: `authz-sql`'s default convention (NULL = attribute absent).
    ///
    /// # Errors
    /// When the filter reads something the table does not map (a policy change the list
    /// cannot follow: the caller answers 500 rather than guess) or SQLite fails.
    pub fn list_filtered(&self, filter: &Filter) -> Result<Vec<Expense>, BoxError> {
        let columns = authz_sql::Columns::new()
            .text("request.resource.attr.owner", "owner")
            .text("request.resource.attr.region", "region")
            .text("request.resource.attr.status", "status");
        let cond = authz_sql::to_condition(filter, &columns, authz_sql::Dialect::Sqlite)?;
        let (sql, values) = sea_query::Query::select()
            .expr(sea_query::Expr::cust(COLUMNS))
            .from(sea_query::Alias::new("expenses"))
            .cond_where(cond)
            .order_by(sea_query::Alias::new("n"), sea_query::Order::Asc)
            .build(sea_query::SqliteQueryBuilder);
        let params = values
            .into_iter()
            .map(|v| match v {
                sea_query::Value::String(Some(s)) => Ok(rusqlite::types::Value::Text(s)),
                sea_query::Value::Bool(Some(b)) => Ok(rusqlite::types::Value::Integer(b.into())),
                sea_query::Value::Double(Some(d)) => Ok(rusqlite::types::Value::Real(d)),
                sea_query::Value::BigInt(Some(i)) => Ok(rusqlite::types::Value::Integer(i)),
                other => Err(format!("unexpected bound value {other:?}")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let conn = self.conn()?;
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(params), row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The report `id`, `None` when there is none.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn get(&self, id: &str) -> Result<Option<Expense>, BoxError> {
        let Some(n) = number(id) else {
            return Ok(None);
        };
        let conn = self.conn()?;
        Ok(conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM expenses WHERE n = ?1"),
                [n],
                row,
            )
            .optional()?)
    }

    /// Files a new draft report.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn insert(
        &self,
        owner: &str,
        region: Option<&str>,
        amount: i64,
        description: &str,
    ) -> Result<Expense, BoxError> {
        let conn = self.conn()?;
        conn.execute(
            "INSERT INTO expenses (owner, region, status, amount, description) VALUES (?1, ?2, 'draft', ?3, ?4)",
            params![owner, region, amount, description],
        )?;
        let n = conn.last_insert_rowid();
        Ok(conn.query_row(
            &format!("SELECT {COLUMNS} FROM expenses WHERE n = ?1"),
            [n],
            row,
        )?)
    }

    /// Writes `new` over the report with the same id, only if the stored report still equals
    /// `checked` (the version the authorization decision was made on). Returns `false` when
    /// it changed in between (or is gone): the caller answers 409.
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn replace_if_unchanged(&self, checked: &Expense, new: &Expense) -> Result<bool, BoxError> {
        let Some(n) = number(&checked.id) else {
            return Ok(false);
        };
        let conn = self.conn()?;
        let changed = conn.execute(
            "UPDATE expenses SET status = ?1, amount = ?2, description = ?3
             WHERE n = ?4 AND owner = ?5 AND region IS ?6 AND status = ?7",
            params![
                new.status,
                new.amount,
                new.description,
                n,
                checked.owner,
                checked.region,
                checked.status
            ],
        )?;
        Ok(changed == 1)
    }

    /// Deletes the report, only if its authorization-relevant fields still equal `checked`'s.
    /// Returns `false` when it changed in between (or is gone).
    ///
    /// # Errors
    /// When SQLite fails.
    pub fn delete_if_unchanged(&self, checked: &Expense) -> Result<bool, BoxError> {
        let Some(n) = number(&checked.id) else {
            return Ok(false);
        };
        let conn = self.conn()?;
        let changed = conn.execute(
            "DELETE FROM expenses WHERE n = ?1 AND owner = ?2 AND region IS ?3 AND status = ?4",
            params![n, checked.owner, checked.region, checked.status],
        )?;
        Ok(changed == 1)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_e_and_digits() {
        assert_eq!(number("e12"), Some(12));
        for bad in ["", "e", "12", "e-1", "e+1", "E1", "e1x"] {
            assert_eq!(number(bad), None, "{bad}");
        }
    }

    #[test]
    fn seed_once_then_conditional_writes() {
        let db = Db::in_memory().unwrap();
        assert_eq!(db.seed().unwrap(), 4);
        assert_eq!(db.seed().unwrap(), 0);
        let e1 = db.get("e1").unwrap().unwrap();
        assert_eq!((e1.owner.as_str(), e1.status.as_str()), ("alice", "draft"));
        let approved = Expense {
            status: "approved".into(),
            ..e1.clone()
        };
        assert!(db.replace_if_unchanged(&e1, &approved).unwrap());
        // `e1` is stale now: neither a second write nor a delete goes through.
        assert!(!db.replace_if_unchanged(&e1, &e1).unwrap());
        assert!(!db.delete_if_unchanged(&e1).unwrap());
        assert!(db.delete_if_unchanged(&approved).unwrap());
        assert_eq!(db.get("e1").unwrap(), None);
        let e5 = db.insert("ada", None, 1, "x").unwrap();
        assert_eq!((e5.id.as_str(), e5.region), ("e5", None));
    }
}
