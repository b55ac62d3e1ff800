//! The SQL dialects a filter can be translated for.

/// The database the condition will run on.
///
/// The translation depends on it: string comparisons need a byte-wise collation (CEL compares
/// strings by their UTF-8 bytes), substring tests use the dialect's pattern operator, and
/// timestamps are read with the dialect's functions. Render the resulting condition with the
/// matching `sea_query` builder ([`sea_query::PostgresQueryBuilder`],
/// [`sea_query::SqliteQueryBuilder`] or [`sea_query::MysqlQueryBuilder`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// PostgreSQL 11 or later.
    Postgres,
    /// SQLite 3.23 or later (for `TRUE`/`FALSE`).
    Sqlite,
    /// MySQL 8.0.17 or later (for the `utf8mb4_0900_bin` collation). Rendered and unit-tested
    /// only: the differential tests run on SQLite and PostgreSQL.
    MySql,
}

impl Dialect {
    /// The parameter placeholder of the dialect in a custom expression template: `$n` for
    /// PostgreSQL, `?` otherwise.
    pub(crate) fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Postgres => format!("${n}"),
            Dialect::Sqlite | Dialect::MySql => "?".to_owned(),
        }
    }

    /// The collation clause that makes `=`/`<` compare strings byte-wise, for equality.
    pub(crate) fn eq_collation(self) -> Option<&'static str> {
        match self {
            // Default (deterministic) collations compare equal strings byte-wise already;
            // an explicit collation here would keep PostgreSQL from using the column's index.
            Dialect::Postgres => None,
            Dialect::Sqlite => Some("BINARY"),
            Dialect::MySql => Some("utf8mb4_0900_bin"),
        }
    }

    /// The collation clause that makes `<` order strings byte-wise.
    pub(crate) fn order_collation(self) -> &'static str {
        match self {
            Dialect::Postgres => "\"C\"",
            Dialect::Sqlite => "BINARY",
            Dialect::MySql => "utf8mb4_0900_bin",
        }
    }

    /// The SQL type a number column is cast to before arithmetic.
    pub(crate) fn double_type(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::Sqlite => "REAL",
            Dialect::MySql => "DOUBLE",
        }
    }

    /// The character-count function.
    pub(crate) fn length_function(self) -> &'static str {
        match self {
            Dialect::Postgres | Dialect::MySql => "char_length",
            Dialect::Sqlite => "length",
        }
    }

    /// The resolution of stored timestamps, in nanoseconds: microseconds for PostgreSQL and
    /// MySQL (`timestamptz`, `DATETIME(6)`), milliseconds for SQLite (`julianday`).
    pub(crate) fn timestamp_resolution_nanos(self) -> i64 {
        match self {
            Dialect::Postgres | Dialect::MySql => 1_000,
            Dialect::Sqlite => 1_000_000,
        }
    }
}
