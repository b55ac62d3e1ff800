//! Extractors for what the check put into the request: the loaded resource, the principal,
//! and a list's row filter.
//!
//! ```
//! use actix_authz::{Authorized, CurrentPrincipal};
//! struct Expense;
//! async fn approve(CurrentPrincipal(p): CurrentPrincipal, Authorized(e): Authorized<Expense>) -> String {
//!     let _ = e;
//!     p.id().to_owned()
//! }
//! ```

use std::any::type_name;
use std::future::{ready, Ready};

use actix_web::body::BoxBody;
use actix_web::dev::Payload;
use actix_web::http::{Method, StatusCode};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use authz_core::Principal;
use authz_web::RowFilter;

use crate::load::Slot;
use crate::problem::Rejection;

/// The resource loaded and authorized by an instance-level `#[authorize(.., id = path(..))]`.
///
/// Only the check puts it into a request; on a route where the check did not load a `T` the
/// extractor fails with [`MissingAuthorization`] (500).
#[derive(Debug)]
pub struct Authorized<T>(pub T);

impl<T> Authorized<T> {
    /// The authorized value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Authorized<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: 'static> FromRequest for Authorized<T> {
    type Error = MissingAuthorization;
    type Future = Ready<Result<Self, MissingAuthorization>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let value = req.extensions_mut().remove::<Slot<T>>();
        ready(
            value
                .map(|Slot(v)| Authorized(v))
                .ok_or_else(|| MissingAuthorization::new(type_name::<Authorized<T>>(), req)),
        )
    }
}

/// The principal the check resolved for this request (protected routes only).
#[derive(Debug, Clone)]
pub struct CurrentPrincipal(pub Principal);

impl FromRequest for CurrentPrincipal {
    type Error = MissingAuthorization;
    type Future = Ready<Result<Self, MissingAuthorization>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions().get::<CurrentPrincipal>().cloned();
        ready(found.ok_or_else(|| MissingAuthorization::new(type_name::<CurrentPrincipal>(), req)))
    }
}

/// The rows a list route may return: the plan that `#[authorize(.., filter = "..")]` made
/// before the handler ran (see [`RowFilter`]).
///
/// ```
/// use actix_authz::{authorize, Rows};
/// use authz_core::plan::Filter;
///
/// #[authorize(resource = "expense", action = "list", filter = "read")]
/// async fn list(Rows(rows): Rows) -> String {
///     match rows.filter() {
///         Filter::AlwaysDenied => "[]".into(),         // nothing to query
///         Filter::AlwaysAllowed => "every row".into(),
///         Filter::Conditional(_) => "the rows matching the filter".into(), // e.g. authz-sql
///     }
/// }
/// ```
///
/// Only the check puts it into a request, and `#[authorize]` refuses a `Rows` parameter on a
/// handler declared without `filter` (and a `filter` handler without one). A handler routed
/// otherwise finds nothing: the extractor fails with [`MissingAuthorization`] (500, logged with
/// the method and path). A [`RowFilter`] only comes from the engine: to call a list handler in
/// a unit test, make one with [`authz_web::plan_rows`].
#[derive(Debug, Clone)]
pub struct Rows(pub RowFilter);

impl Rows {
    /// The plan.
    pub fn into_inner(self) -> RowFilter {
        self.0
    }
}

/// Where the check puts the plan of a list route: a type only this crate can name, so no
/// other middleware can hand the handler a plan.
pub(crate) struct PlannedRows(pub(crate) RowFilter);

impl std::ops::Deref for Rows {
    type Target = RowFilter;
    fn deref(&self) -> &RowFilter {
        &self.0
    }
}

impl FromRequest for Rows {
    type Error = MissingAuthorization;
    type Future = Ready<Result<Self, MissingAuthorization>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let found = req.extensions_mut().remove::<PlannedRows>();
        ready(match found {
            Some(PlannedRows(rows)) => Ok(Rows(rows)),
            None => Err(MissingAuthorization::new(type_name::<Rows>(), req)),
        })
    }
}

/// Error of [`Authorized`], [`Rows`] and [`CurrentPrincipal`] when the check did not provide
/// them (the route is public, its check loaded another type, or it is not a list): 500 with a
/// generic body; the method, path and type are in the log. `Option<CurrentPrincipal>` is
/// `None` on a public route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingAuthorization {
    type_name: &'static str,
    method: Method,
    path: Box<str>,
}

impl MissingAuthorization {
    fn new(type_name: &'static str, req: &HttpRequest) -> Self {
        MissingAuthorization {
            type_name,
            method: req.method().clone(),
            path: req.path().into(),
        }
    }

    /// The extractor type that found nothing.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl std::fmt::Display for MissingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the authz check did not run for this route: `{}` is not available",
            self.type_name
        )
    }
}

impl std::error::Error for MissingAuthorization {}

impl ResponseError for MissingAuthorization {
    fn status_code(&self) -> StatusCode {
        StatusCode::INTERNAL_SERVER_ERROR
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        // Logged here, not when the extractor fails: `Option<CurrentPrincipal>` on a public
        // route is a normal `None`.
        tracing::error!(
            method = %self.method,
            path = &*self.path,
            extractor = self.type_name,
            "{self}"
        );
        Rejection::Internal.response()
    }
}
