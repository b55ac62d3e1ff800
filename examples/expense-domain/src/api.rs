//! What each route does once its check let the request in, whatever the web framework: the
//! handlers of both examples extract, call one function here, and turn the [`Reply`] or
//! [`AppError`] into a response.
//!
//! ```
//! use expense_domain::{api, demo, engine, AppState, Db};
//! let state = AppState { db: Db::in_memory().unwrap(), engine: engine().unwrap() };
//! state.db.seed().unwrap();
//! let alice = demo::principal(Some(b"alice")).unwrap();
//! let body = api::Body { content_type: Some("application/json"), bytes: br#"{"amount": 5, "description": "tea"}"# };
//! let reply = api::create(&state, &alice, &body).unwrap();
//! assert_eq!(reply.status, 201);
//! let err = api::create(&state, &alice, &api::Body { content_type: None, bytes: b"{}" }).unwrap_err();
//! assert_eq!(err.status(), 415);
//! ```

use authz_core::Principal;
use authz_web::RowFilter;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::db::Expense;
use crate::{AppState, BoxError};

pub use authz_web::PROBLEM_CONTENT_TYPE;

/// A successful answer: the status and the JSON body (`None`: no body).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The JSON body, if any (`application/json`).
    pub body: Option<Value>,
}

impl Reply {
    fn json(status: u16, body: impl serde::Serialize) -> Result<Reply, AppError> {
        let body = serde_json::to_value(body).map_err(|e| AppError::Internal(e.into()))?;
        Ok(Reply {
            status,
            body: Some(body),
        })
    }
}

/// A failure inside a handler, answered with a problem-details body.
#[derive(Debug)]
pub enum AppError {
    /// The database failed: 500 with a generic body; the details go to the log.
    Internal(BoxError),
    /// The report changed between the authorization check and the write: 409.
    Conflict,
    /// The body is not `application/json`: 415.
    UnsupportedMediaType,
    /// The body is not JSON of the expected shape: 400.
    BadBody(&'static str),
    /// The body is well-formed but a value is not acceptable: 422.
    Invalid(&'static str),
}

impl From<BoxError> for AppError {
    fn from(e: BoxError) -> Self {
        AppError::Internal(e)
    }
}

impl AppError {
    /// The status code.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Internal(_) => 500,
            AppError::Conflict => 409,
            AppError::UnsupportedMediaType => 415,
            AppError::BadBody(_) => 400,
            AppError::Invalid(_) => 422,
        }
    }

    /// The problem-details body (`application/problem+json`). Logs an internal error.
    pub fn body(&self) -> String {
        let detail = match self {
            AppError::Internal(e) => {
                tracing::error!(error = %e, "handler failed");
                None
            }
            AppError::Conflict => Some("the report changed since it was checked; retry"),
            AppError::UnsupportedMediaType => Some("the body must be `application/json`"),
            AppError::BadBody(why) | AppError::Invalid(why) => Some(*why),
        };
        authz_web::problem_json(self.status(), detail)
    }
}

/// A request body and its `content-type`.
#[derive(Debug, Clone, Copy)]
pub struct Body<'a> {
    /// The `content-type` header, if any.
    pub content_type: Option<&'a str>,
    /// The raw body.
    pub bytes: &'a [u8],
}

impl Body<'_> {
    fn json<T: DeserializeOwned>(&self, shape: &'static str) -> Result<T, AppError> {
        let is_json = self.content_type.is_some_and(|ct| {
            let essence = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            essence == "application/json"
                || (essence.starts_with("application/") && essence.ends_with("+json"))
        });
        if !is_json {
            return Err(AppError::UnsupportedMediaType);
        }
        serde_json::from_slice(self.bytes).map_err(|_| AppError::BadBody(shape))
    }
}

/// The body of `POST /expenses`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewExpense {
    /// In cents, not negative.
    pub amount: i64,
    /// What it was for.
    pub description: String,
}

/// The body of `PUT /expenses/{id}`: the fields to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpenseUpdate {
    /// In cents, not negative.
    pub amount: Option<i64>,
    /// What it was for.
    pub description: Option<String>,
}

const NEW_SHAPE: &str = r#"expected a JSON object {"amount": <cents>, "description": "<text>"}"#;
const UPDATE_SHAPE: &str =
    r#"expected a JSON object with "amount" (cents) and/or "description" (text)"#;

fn check_amount(amount: i64) -> Result<i64, AppError> {
    if amount < 0 {
        Err(AppError::Invalid("amount must not be negative"))
    } else {
        Ok(amount)
    }
}

/// `GET /health` (public): `{"status":"ok"}`.
pub fn health() -> Reply {
    Reply {
        status: 200,
        body: Some(json!({ "status": "ok" })),
    }
}

/// `GET /expenses` (`expense:list`, rows: `read`): the reports the caller may `read`,
/// filtered in SQL.
///
/// `rows` is the plan the adapter made before the handler ran (`#[authorize(resource =
/// "expense", action = "list", filter = "read")]`): its filter becomes the query's `WHERE`
/// clause (`authz-sql`), so the rows returned are exactly those a `read` check per report
/// would allow, without loading the others.
///
/// # Errors
/// When the filter reads an unmapped attribute or the database fails (500: fail closed,
/// details in the log).
pub fn list(state: &AppState, rows: &RowFilter) -> Result<Reply, AppError> {
    let visible = state.db.list_filtered(rows.filter())?;
    Reply::json(200, visible)
}

/// `POST /expenses` (`expense:create`): files a draft owned by `principal`, in its region.
///
/// # Errors
/// A bad body (415, 400, 422) or a database failure.
pub fn create(state: &AppState, principal: &Principal, body: &Body<'_>) -> Result<Reply, AppError> {
    let new: NewExpense = body.json(NEW_SHAPE)?;
    let amount = check_amount(new.amount)?;
    let region = principal.attr().get("region").and_then(Value::as_str);
    let created = state
        .db
        .insert(principal.id(), region, amount, &new.description)?;
    Reply::json(201, created)
}

/// `GET /expenses/{id}` (`expense:read` on the report): the report.
///
/// # Errors
/// Never, in practice (serializing a report).
pub fn read(checked: Expense) -> Result<Reply, AppError> {
    Reply::json(200, checked)
}

/// `PUT /expenses/{id}` (`expense:update` on the report): changes amount and/or
/// description, only if the report is still the one that was checked.
///
/// # Errors
/// A bad body (415, 400, 422), a conflict (409) or a database failure.
pub fn update(state: &AppState, checked: Expense, body: &Body<'_>) -> Result<Reply, AppError> {
    let change: ExpenseUpdate = body.json(UPDATE_SHAPE)?;
    let mut new = checked.clone();
    if let Some(amount) = change.amount {
        new.amount = check_amount(amount)?;
    }
    if let Some(description) = change.description {
        new.description = description;
    }
    // Only if nothing the decision depended on changed since the check.
    if state.db.replace_if_unchanged(&checked, &new)? {
        Reply::json(200, new)
    } else {
        Err(AppError::Conflict)
    }
}

/// `POST /expenses/{id}/approve` (`expense:approve` on the report): sets the status to
/// `approved`.
///
/// # Errors
/// A conflict (409) or a database failure.
pub fn approve(state: &AppState, checked: Expense) -> Result<Reply, AppError> {
    let new = Expense {
        status: "approved".to_owned(),
        ..checked.clone()
    };
    if state.db.replace_if_unchanged(&checked, &new)? {
        Reply::json(200, new)
    } else {
        Err(AppError::Conflict)
    }
}

/// `DELETE /expenses/{id}` (`expense:delete` on the report): 204.
///
/// # Errors
/// A conflict (409) or a database failure.
pub fn delete(state: &AppState, checked: Expense) -> Result<Reply, AppError> {
    if state.db.delete_if_unchanged(&checked)? {
        Ok(Reply {
            status: 204,
            body: None,
        })
    } else {
        Err(AppError::Conflict)
    }
}
