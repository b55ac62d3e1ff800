#![doc = include_str!("../README.md")]

mod columns;
mod dialect;
mod error;
mod translate;

pub use columns::{Column, ColumnType, Columns, NullMeans};
pub use dialect::Dialect;
pub use error::TranslateError;

use authz_core::plan::Filter;
use sea_query::{Condition, Expr};

/// Translates a plan's filter into a `sea_query` condition for `dialect`.
///
/// `AlwaysAllowed` gives `TRUE`, `AlwaysDenied` gives `FALSE`, and a conditional filter the
/// SQL boolean that selects exactly the rows whose resources the filter (and so `check`)
/// allows, given `columns`. Render the condition with the dialect's query builder.
///
/// # Errors
/// An attribute without a column, or an operator or operand shape this crate cannot translate
/// exactly. Never a wider condition instead: treat the error as a denial.
pub fn to_condition(
    filter: &Filter,
    columns: &Columns,
    dialect: Dialect,
) -> Result<Condition, TranslateError> {
    Ok(Condition::all().add(to_expr(filter, columns, dialect)?))
}

/// Like [`to_condition`], as a boolean [`Expr`] (for a `SELECT` list, a `CASE`, a join).
///
/// # Errors
/// As for [`to_condition`].
pub fn to_expr(
    filter: &Filter,
    columns: &Columns,
    dialect: Dialect,
) -> Result<Expr, TranslateError> {
    match filter {
        Filter::AlwaysAllowed => Ok(Expr::cust("TRUE")),
        Filter::AlwaysDenied => Ok(Expr::cust("FALSE")),
        Filter::Conditional(op) => {
            let expr = translate::Translator { columns, dialect }.boolean(op)?;
            // A bare NULL is of type text in a PostgreSQL select list.
            Ok(match dialect {
                Dialect::Postgres if expr == Expr::null() => Expr::cust("CAST(NULL AS BOOLEAN)"),
                _ => expr,
            })
        }
    }
}
