//! The expense service on actix-web, behind `actix-authz`: the same HTTP API, policies and
//! demo principals as `axum-expense`, the same domain crate (`expense-domain`), and the same
//! scenario table in the tests. This crate is the actix layer: the resolver, the routes, and
//! handlers that extract, call [`expense_domain::api`] and answer.
//!
//! Authentication is DEMO ONLY: the `x-demo-user` header picks a built-in principal
//! ([`demo`]). `main.rs` is a thin wrapper around [`engine`], [`Db`], [`check`] and
//! [`server`]; the tests drive [`app`] in-process.

use std::future::{ready, Ready};

use actix_authz::{
    authorize, routes, Authorize, Authorized, AuthzRoutes, CurrentPrincipal, RoutesError, Rows,
};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{web, App, Error, HttpRequest, HttpResponse, HttpServer, Responder};
use authz_core::{Engine, Principal};
use expense_domain::api::{self, AppError, Reply};

pub use expense_domain::{db, demo, engine, AppState, BoxError, Db, Expense};

/// Every route of the service, with its declaration.
pub fn routes() -> AuthzRoutes {
    AuthzRoutes::new()
        .route("/health", routes!(get(health)))
        .route("/expenses", routes!(get(list), post(create)))
        .route(
            "/expenses/{id}",
            routes!(get(read), put(update), delete(remove)),
        )
        .route("/expenses/{id}/approve", routes!(post(approve)))
}

/// The start-up check: the route table is valid and every declared action is known to the
/// policies of `engine`.
///
/// # Errors
/// Every problem found.
pub fn check(engine: &Engine) -> Result<(), RoutesError> {
    routes().check(Some(&engine.policies()))
}

/// The principal named by the `x-demo-user` header; `None` (→ 401) when the header is missing
/// or names nobody. DEMO ONLY.
pub fn resolve(req: &HttpRequest) -> Ready<Result<Option<Principal>, BoxError>> {
    let header = req.headers().get(demo::HEADER).map(HeaderValue::as_bytes);
    ready(Ok(demo::principal(header)))
}

/// The application: `Authorize` (the first `wrap`), the state, the routes.
pub fn app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(Authorize::new(state.engine.clone(), resolve))
        .app_data(web::Data::new(state))
        .service(routes())
}

/// The server on `listener`, with `workers` worker threads. Stops on SIGINT/SIGTERM, or
/// through its handle.
///
/// # Errors
/// When the listener cannot be used.
pub fn server(
    listener: std::net::TcpListener,
    state: AppState,
    workers: usize,
) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || app(state.clone()))
        .workers(workers)
        .listen(listener)?
        .run())
}

/// The answer of a handler: the domain's reply or error as an actix-web response.
struct Answer(Result<Reply, AppError>);

impl Responder for Answer {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        let status =
            |code: u16| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match self.0 {
            Ok(Reply {
                status: code,
                body: Some(body),
            }) => HttpResponse::build(status(code)).json(body),
            Ok(Reply {
                status: code,
                body: None,
            }) => HttpResponse::build(status(code)).finish(),
            Err(e) => HttpResponse::build(status(e.status()))
                .insert_header((header::CONTENT_TYPE, api::PROBLEM_CONTENT_TYPE))
                .body(e.body()),
        }
    }
}

fn body<'a>(req: &'a HttpRequest, bytes: &'a web::Bytes) -> api::Body<'a> {
    api::Body {
        content_type: req
            .headers()
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
async fn list(state: web::Data<AppState>, Rows(rows): Rows) -> Answer {
    Answer(api::list(&state, &rows))
}

/// Files a draft report owned by the caller, in the caller's region.
#[authorize(resource = "expense", action = "create")]
async fn create(
    state: web::Data<AppState>,
    CurrentPrincipal(principal): CurrentPrincipal,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Answer {
    Answer(api::create(&state, &principal, &body(&req, &bytes)))
}

#[authorize(resource = "expense", action = "read", id = path("id"))]
async fn read(Authorized(expense): Authorized<Expense>) -> Answer {
    Answer(api::read(expense))
}

/// Changes the amount and/or description.
#[authorize(resource = "expense", action = "update", id = path("id"))]
async fn update(
    state: web::Data<AppState>,
    Authorized(expense): Authorized<Expense>,
    req: HttpRequest,
    bytes: web::Bytes,
) -> Answer {
    Answer(api::update(&state, expense, &body(&req, &bytes)))
}

/// Sets the status to `approved`.
#[authorize(resource = "expense", action = "approve", id = path("id"))]
async fn approve(state: web::Data<AppState>, Authorized(expense): Authorized<Expense>) -> Answer {
    Answer(api::approve(&state, expense))
}

#[authorize(resource = "expense", action = "delete", id = path("id"))]
async fn remove(state: web::Data<AppState>, Authorized(expense): Authorized<Expense>) -> Answer {
    Answer(api::delete(&state, expense))
}
