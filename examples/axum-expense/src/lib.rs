//! An expense-report service behind `axum-authz`: the repository's `policies/` compiled into
//! the binary, reports in SQLite, every route checked before its handler runs.
//!
//! Authentication is DEMO ONLY: the `x-demo-user` header picks a built-in principal
//! ([`demo`]). `main.rs` is a thin wrapper around [`engine`], [`Db`], [`app`] and [`serve`];
//! the tests drive [`app`] in-process.

pub mod db;
pub mod demo;

use std::future::Future;

use authz_core::{AuxData, BuildErrors, Engine, EngineConfig, PolicySet, Resource};
use axum::extract::{Json, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum_authz::{
    authorize, routes, Authorized, AuthzRouter, AuthzService, CurrentPrincipal, Load, RouterError,
};
use include_dir::{include_dir, Dir};
use serde::Deserialize;
use serde_json::{json, Value};

pub use db::{Db, Expense};

/// A boxed error.
pub type BoxError = axum_authz::BoxError;

/// The repository's `policies/` directory, embedded at compile time (the loader skips test
/// suites and their `testdata/`).
static POLICIES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../policies");

/// The engine over the embedded policies.
///
/// # Errors
/// When the embedded policies do not compile (caught by the tests before it can ship).
pub fn engine() -> Result<Engine, BuildErrors> {
    Ok(Engine::new(
        PolicySet::from_embedded(&POLICIES)?,
        EngineConfig::default(),
    ))
}

/// What the handlers share: the database and the engine (for the per-row list check).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The reports.
    pub db: Db,
    /// The engine the routes are checked with.
    pub engine: Engine,
}

/// The service: every route declared with `#[authorize]`, unknown actions refused at start-up.
///
/// # Errors
/// When a route declares an action the policies do not know.
pub fn app(engine: Engine, db: Db) -> Result<AuthzService, RouterError> {
    let state = AppState {
        db,
        engine: engine.clone(),
    };
    AuthzRouter::new(engine, demo::resolve)
        .route("/health", routes!(get(health)))
        .route("/expenses", routes!(get(list), post(create)))
        .route(
            "/expenses/{id}",
            routes!(get(read), put(update), delete(remove)),
        )
        .route("/expenses/{id}/approve", routes!(post(approve)))
        .strict_actions(true)
        .with_state(state)
        .into_service()
}

/// Serves `app` on `listener` until `shutdown` completes.
///
/// # Errors
/// When accepting connections fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: AuthzService,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
}

impl Load<AppState> for Expense {
    async fn load(state: &AppState, id: &str) -> Result<Option<Self>, BoxError> {
        state.db.get(id)
    }

    fn to_resource(&self, _id: &str) -> Resource {
        Expense::to_resource(self)
    }
}

/// A failure inside a handler: 500 with a generic problem body; the details go to the log.
#[derive(Debug)]
pub enum AppError {
    /// The database failed.
    Internal(BoxError),
    /// The report changed between the authorization check and the write: 409.
    Conflict,
    /// The body is well-formed JSON but not acceptable: 422.
    Invalid(&'static str),
}

impl From<BoxError> for AppError {
    fn from(e: BoxError) -> Self {
        AppError::Internal(e)
    }
}

fn problem(status: StatusCode, detail: Option<&str>) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
    });
    if let Some(detail) = detail {
        body["detail"] = json!(detail);
    }
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/problem+json"),
    );
    res
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::Internal(e) => {
                tracing::error!(error = %e, "handler failed");
                problem(StatusCode::INTERNAL_SERVER_ERROR, None)
            }
            AppError::Conflict => problem(
                StatusCode::CONFLICT,
                Some("the report changed since it was checked; retry"),
            ),
            AppError::Invalid(why) => problem(StatusCode::UNPROCESSABLE_ENTITY, Some(why)),
        }
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

fn check_amount(amount: i64) -> Result<i64, AppError> {
    if amount < 0 {
        Err(AppError::Invalid("amount must not be negative"))
    } else {
        Ok(amount)
    }
}

#[authorize(public)]
async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The reports the caller may `read`.
#[authorize(resource = "expense", action = "list")]
async fn list(
    State(state): State<AppState>,
    CurrentPrincipal(principal): CurrentPrincipal,
) -> Result<Json<Vec<Expense>>, AppError> {
    // Loads every row and decides `read` on each one in a single batch. This is fine for a
    // demo table; the scalable version pushes the policy into the SQL `WHERE` clause, which
    // needs query planning (the open query-planning issue) and is not available yet.
    let rows = state.db.list()?;
    let resources: Vec<Resource> = rows.iter().map(Expense::to_resource).collect();
    let read = ["read".to_owned()];
    let decisions = state.engine.check_resources(
        &principal,
        resources.iter().map(|r| (r, &read[..])),
        &AuxData::default(),
    );
    Ok(Json(
        rows.into_iter()
            .zip(decisions)
            .filter(|(_, d)| d.is_allowed("read"))
            .map(|(e, _)| e)
            .collect(),
    ))
}

/// Files a draft report owned by the caller, in the caller's region.
#[authorize(resource = "expense", action = "create")]
async fn create(
    State(state): State<AppState>,
    CurrentPrincipal(principal): CurrentPrincipal,
    Json(body): Json<NewExpense>,
) -> Result<(StatusCode, Json<Expense>), AppError> {
    let amount = check_amount(body.amount)?;
    let region = principal.attr().get("region").and_then(Value::as_str);
    let created = state
        .db
        .insert(principal.id(), region, amount, &body.description)?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[authorize(resource = "expense", action = "read", id = path("id"))]
async fn read(Authorized(expense): Authorized<Expense>) -> Json<Expense> {
    Json(expense)
}

/// Changes the amount and/or description.
#[authorize(resource = "expense", action = "update", id = path("id"))]
async fn update(
    State(state): State<AppState>,
    Authorized(expense): Authorized<Expense>,
    Json(body): Json<ExpenseUpdate>,
) -> Result<Json<Expense>, AppError> {
    let mut new = expense.clone();
    if let Some(amount) = body.amount {
        new.amount = check_amount(amount)?;
    }
    if let Some(description) = body.description {
        new.description = description;
    }
    // Only if nothing the decision depended on changed since the check.
    if state.db.replace_if_unchanged(&expense, &new)? {
        Ok(Json(new))
    } else {
        Err(AppError::Conflict)
    }
}

/// Sets the status to `approved`.
#[authorize(resource = "expense", action = "approve", id = path("id"))]
async fn approve(
    State(state): State<AppState>,
    Authorized(expense): Authorized<Expense>,
) -> Result<Json<Expense>, AppError> {
    let new = Expense {
        status: "approved".to_owned(),
        ..expense.clone()
    };
    if state.db.replace_if_unchanged(&expense, &new)? {
        Ok(Json(new))
    } else {
        Err(AppError::Conflict)
    }
}

#[authorize(resource = "expense", action = "delete", id = path("id"))]
async fn remove(
    State(state): State<AppState>,
    Authorized(expense): Authorized<Expense>,
) -> Result<StatusCode, AppError> {
    if state.db.delete_if_unchanged(&expense)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::Conflict)
    }
}
