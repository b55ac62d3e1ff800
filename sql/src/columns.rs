//! The explicit mapping from filter variables (resource attributes) to SQL columns.

use std::collections::BTreeMap;

use sea_query::{Expr, IntoColumnRef};

/// What a filter variable reads, for every variable a filter may mention.
///
/// Keys are the variable names of the plan: `request.resource.attr.<name>` (the short form
/// `R.attr.<name>` is accepted and expanded) and `request.resource.id`. A filter that reads a
/// variable missing here fails to translate with [`crate::TranslateError::UnmappedAttribute`].
///
/// ```
/// use authz_sql::{Column, Columns, NullMeans};
///
/// let columns = Columns::new()
///     .text("request.resource.id", "id")
///     .text("R.attr.owner", "owner_id")
///     .number("R.attr.amount", "amount")
///     .boolean("R.attr.archived", "archived")
///     .timestamp("R.attr.createdAt", "created_at")
///     // `Option<String>` serialised by serde: NULL is an attribute that is present and null.
///     .column("R.attr.note", Column::text("note").null_means(NullMeans::JsonNull));
/// assert!(columns.get("request.resource.attr.owner").is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Columns {
    map: BTreeMap<String, Column>,
}

impl Columns {
    /// No mapping yet.
    pub fn new() -> Columns {
        Columns::default()
    }

    /// Maps `attribute` to `column`. A later mapping of the same attribute replaces it.
    pub fn column(mut self, attribute: impl AsRef<str>, column: Column) -> Columns {
        self.map.insert(expand(attribute.as_ref()), column);
        self
    }

    /// Maps `attribute` to a text column ([`ColumnType::Text`], SQL NULL = absent).
    pub fn text(self, attribute: impl AsRef<str>, column: impl IntoColumnRef) -> Columns {
        self.column(attribute, Column::text(column))
    }

    /// Maps `attribute` to a number column ([`ColumnType::Number`], SQL NULL = absent).
    pub fn number(self, attribute: impl AsRef<str>, column: impl IntoColumnRef) -> Columns {
        self.column(attribute, Column::number(column))
    }

    /// Maps `attribute` to a boolean column ([`ColumnType::Bool`], SQL NULL = absent).
    pub fn boolean(self, attribute: impl AsRef<str>, column: impl IntoColumnRef) -> Columns {
        self.column(attribute, Column::boolean(column))
    }

    /// Maps `attribute` to a timestamp column ([`ColumnType::Timestamp`], SQL NULL = absent).
    pub fn timestamp(self, attribute: impl AsRef<str>, column: impl IntoColumnRef) -> Columns {
        self.column(attribute, Column::timestamp(column))
    }

    /// The mapping of a variable (full or short name).
    pub fn get(&self, attribute: &str) -> Option<&Column> {
        self.map.get(expand(attribute).as_str())
    }

    /// Every mapping, by full variable name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Column)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// `R.` → `request.resource.`, as the planner writes variable names.
fn expand(name: &str) -> String {
    match name.strip_prefix("R.") {
        Some(rest) => format!("request.resource.{rest}"),
        None => name.to_owned(),
    }
}

/// One attribute's column: the SQL expression that reads it, its type, and what SQL NULL in
/// it means.
#[derive(Debug, Clone)]
pub struct Column {
    pub(crate) expr: Expr,
    pub(crate) ty: ColumnType,
    pub(crate) null: NullMeans,
}

impl Column {
    /// A column or SQL expression of type `ty`, where NULL means the attribute is absent.
    ///
    /// ```
    /// use authz_sql::{Column, ColumnType};
    /// use sea_query::{Alias, Expr, ExprTrait};
    ///
    /// // A qualified column.
    /// let c = Column::new(ColumnType::Text, Expr::col((Alias::new("doc"), Alias::new("owner"))));
    /// // An expression: the lower-cased e-mail.
    /// let e = Column::new(ColumnType::Text, Expr::cust("lower(\"email\")"));
    /// # let _ = (c, e);
    /// ```
    pub fn new(ty: ColumnType, expr: impl Into<Expr>) -> Column {
        Column {
            expr: expr.into(),
            ty,
            null: NullMeans::Absent,
        }
    }

    /// A text column.
    pub fn text(column: impl IntoColumnRef) -> Column {
        Column::new(ColumnType::Text, Expr::col(column))
    }

    /// A number column.
    pub fn number(column: impl IntoColumnRef) -> Column {
        Column::new(ColumnType::Number, Expr::col(column))
    }

    /// A boolean column.
    pub fn boolean(column: impl IntoColumnRef) -> Column {
        Column::new(ColumnType::Bool, Expr::col(column))
    }

    /// A timestamp column.
    pub fn timestamp(column: impl IntoColumnRef) -> Column {
        Column::new(ColumnType::Timestamp, Expr::col(column))
    }

    /// Sets what SQL NULL in this column means (the default is [`NullMeans::Absent`]).
    pub fn null_means(mut self, null: NullMeans) -> Column {
        self.null = null;
        self
    }

    /// The column's type.
    pub fn ty(&self) -> ColumnType {
        self.ty
    }

    /// What SQL NULL in the column means.
    pub fn null(&self) -> NullMeans {
        self.null
    }
}

/// The type of a column, and so of the CEL value the attribute holds when the application
/// builds the resource from a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// A string (`TEXT`, `VARCHAR`). Compared byte-wise, as CEL does.
    Text,
    /// A JSON number, which the engine reads as a CEL `double` (`DOUBLE PRECISION`, `REAL`,
    /// or an integer column whose values stay within ±2^53).
    Number,
    /// A boolean (`BOOLEAN`; SQLite and MySQL store 0/1).
    Bool,
    /// An instant, which the resource carries as an RFC 3339 string and policies read with
    /// `timestamp(R.attr.x)`: `timestamptz` in PostgreSQL (microseconds), `DATETIME(6)`
    /// holding UTC in MySQL, RFC 3339 text with at most millisecond precision in SQLite.
    Timestamp,
}

/// What SQL NULL in a column means for the resource the application builds from the row.
///
/// It must match how the application fills resource attributes, or the SQL filter and
/// `check` disagree on NULL rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum NullMeans {
    /// NULL: the attribute is left out of the resource (the default). Every comparison that
    /// reads it is a CEL error, so the row does not pass, and `has(R.attr.x)` is false.
    #[default]
    Absent,
    /// NULL: the attribute is present with the JSON value `null` (serde's default for an
    /// `Option` field). `R.attr.x == null` is true, `R.attr.x == "a"` is false,
    /// `R.attr.x < "a"` is an error, `has(R.attr.x)` is true.
    JsonNull,
}
