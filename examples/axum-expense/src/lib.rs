//! The expense service on axum, behind `axum-authz`: every route checked before its handler
//! runs. The domain — reports in SQLite, DEMO-ONLY principals, the embedded policies, what
//! each route does — is `expense-domain`, shared with `actix-expense`; this crate is the
//! axum layer: the resolver, the routes, and handlers that extract, call
//! [`expense_domain::api`] and answer.
//!
//! Authentication is DEMO ONLY: the `x-demo-user` header picks a built-in principal
//! ([`demo`]). `main.rs` is a thin wrapper around [`engine`], [`Db`], [`app`] and [`serve`];
//! the tests drive [`app`] in-process.

use std::future::Future;

use authz_core::{Engine, Principal};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use axum_authz::{
    authorize, routes, Authorized, AuthzRouter, AuthzService, CurrentPrincipal, RouterError, Rows,
};
use expense_domain::api::{self, AppError, Reply};

pub use expense_domain::{db, demo, engine, AppState, BoxError, Db, Expense};

/// The service: every route declared with `#[authorize]`, unknown actions refused at start-up.
///
/// # Errors
/// When a route declares an action the policies do not know.
pub fn app(engine: Engine, db: Db) -> Result<AuthzService, RouterError> {
    let state = AppState {
        db,
        engine: engine.clone(),
    };
    AuthzRouter::new(engine, resolve)
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

/// The principal named by the `x-demo-user` header; `None` (→ 401) when the header is missing
/// or names nobody. DEMO ONLY.
pub fn resolve(
    parts: &Parts,
    _state: &AppState,
) -> impl Future<Output = Result<Option<Principal>, BoxError>> + Send + 'static {
    let header = parts.headers.get(demo::HEADER).map(HeaderValue::as_bytes);
    std::future::ready(Ok(demo::principal(header)))
}

/// The answer of a handler: the domain's reply or error as an axum response.
struct Answer(Result<Reply, AppError>);

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let status =
            |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match self.0 {
            Ok(Reply {
                status: code,
                body: Some(body),
            }) => (status(code), Json(body)).into_response(),
            Ok(Reply {
                status: code,
                body: None,
            }) => status(code).into_response(),
            Err(e) => {
                let mut res = Response::new(Body::from(e.body()));
                *res.status_mut() = status(e.status());
                res.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(api::PROBLEM_CONTENT_TYPE),
                );
                res
            }
        }
    }
}

fn body<'a>(headers: &'a HeaderMap, bytes: &'a Bytes) -> api::Body<'a> {
    api::Body {
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        bytes,
    }
}

#[authorize(public)]
async fn health() -> Answer {
    Answer(Ok(api::health()))
}

/// The reports the caller may `read`: the check allows `list`, then plans `read` into `rows`.
#[authorize(resource = "expense", action = "list", filter = "read")]
async fn list(State(state): State<AppState>, Rows(rows): Rows) -> Answer {
    Answer(api::list(&state, &rows))
}

/// Files a draft report owned by the caller, in the caller's region.
#[authorize(resource = "expense", action = "create")]
async fn create(
    State(state): State<AppState>,
    CurrentPrincipal(principal): CurrentPrincipal,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    Answer(api::create(&state, &principal, &body(&headers, &bytes)))
}

#[authorize(resource = "expense", action = "read", id = path("id"))]
async fn read(Authorized(expense): Authorized<Expense>) -> Answer {
    Answer(api::read(expense))
}

/// Changes the amount and/or description.
#[authorize(resource = "expense", action = "update", id = path("id"))]
async fn update(
    State(state): State<AppState>,
    Authorized(expense): Authorized<Expense>,
    headers: HeaderMap,
    bytes: Bytes,
) -> Answer {
    Answer(api::update(&state, expense, &body(&headers, &bytes)))
}

/// Sets the status to `approved`.
#[authorize(resource = "expense", action = "approve", id = path("id"))]
async fn approve(
    State(state): State<AppState>,
    Authorized(expense): Authorized<Expense>,
) -> Answer {
    Answer(api::approve(&state, expense))
}

#[authorize(resource = "expense", action = "delete", id = path("id"))]
async fn remove(State(state): State<AppState>, Authorized(expense): Authorized<Expense>) -> Answer {
    Answer(api::delete(&state, expense))
}
