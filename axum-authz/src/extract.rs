//! Extractors for what the check put into the request: the loaded resource, the principal,
//! and a list's row filter.
//!
//! ```
//! use axum_authz::{Authorized, CurrentPrincipal};
//! struct Expense;
//! async fn approve(CurrentPrincipal(p): CurrentPrincipal, Authorized(e): Authorized<Expense>) {
//!     let _ = (p.id(), e);
//! }
//! // On a public route, the principal is resolved only if the handler asks for it.
//! async fn home(user: Option<CurrentPrincipal>) -> String {
//!     user.map_or("hello".into(), |CurrentPrincipal(p)| format!("hello {}", p.id()))
//! }
//! ```

use std::any::type_name;
use std::sync::Arc;

use authz_core::Principal;
use authz_web::RowFilter;
use axum::extract::{FromRequestParts, MatchedPath, OptionalFromRequestParts};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{Method, StatusCode};

use crate::load::Slot;
use crate::principal::ResolveFuture;
use crate::problem::{problem, Rejection};

/// The resource loaded and authorized by an instance-level `#[authorize(.., id = path(..))]`.
///
/// Only the authz check puts it into a request; on a route where the check did not load a `T`
/// the extractor fails with [`MissingAuthorization`] (500).
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

impl<T, S> FromRequestParts<S> for Authorized<T>
where
    T: Send + Sync + 'static,
    S: Send + Sync,
{
    type Rejection = MissingAuthorization;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Slot<T>>()
            .and_then(Slot::take)
            .map(Authorized)
            .ok_or_else(|| MissingAuthorization::new(type_name::<Authorized<T>>(), false, parts))
    }
}

/// The rows a list route may return: the plan that `#[authorize(.., filter = "..")]` made
/// before the handler ran (see [`RowFilter`]).
///
/// ```
/// use axum_authz::{authorize, Rows};
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
/// other layer can hand the handler a plan.
#[derive(Clone)]
pub(crate) struct PlannedRows(pub(crate) RowFilter);

impl std::ops::Deref for Rows {
    type Target = RowFilter;
    fn deref(&self) -> &RowFilter {
        &self.0
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Rows {
    type Rejection = MissingAuthorization;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.remove::<PlannedRows>() {
            Some(PlannedRows(rows)) => Ok(Rows(rows)),
            None => Err(MissingAuthorization::new(type_name::<Rows>(), false, parts)),
        }
    }
}

/// The principal of the request.
///
/// - `CurrentPrincipal`: on a protected route, the principal the check resolved and authorized.
///   A public route resolves no principal, so there it fails with [`MissingAuthorization`] (500):
///   a handler that needs someone logged in should declare a check.
/// - `Option<CurrentPrincipal>`: on a protected route, always `Some`. On a public route the
///   resolver runs when (and only when) the handler asks, at most once per request: `None` when
///   nobody is logged in; a resolver error answers 500 (logged) rather than pretending nobody is
///   logged in.
#[derive(Debug, Clone)]
pub struct CurrentPrincipal(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for CurrentPrincipal {
    type Rejection = MissingAuthorization;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentPrincipal>()
            .cloned()
            .ok_or_else(|| {
                let public_route = parts.extensions.get::<LazyPrincipal>().is_some();
                MissingAuthorization::new(type_name::<CurrentPrincipal>(), public_route, parts)
            })
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentPrincipal {
    type Rejection = Rejection;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<CurrentPrincipal>() {
            return Ok(Some(p.clone()));
        }
        if let Some(ResolvedPrincipal(p)) = parts.extensions.get::<ResolvedPrincipal>() {
            return Ok(p.clone().map(CurrentPrincipal));
        }
        let Some(LazyPrincipal(lazy)) = parts.extensions.get::<LazyPrincipal>().cloned() else {
            tracing::error!(
                extractor = type_name::<Option<CurrentPrincipal>>(),
                "the authz layer did not run for this route"
            );
            return Err(Rejection::Internal);
        };
        match lazy.resolve(parts).await {
            Ok(p) => {
                parts.extensions.insert(ResolvedPrincipal(p.clone()));
                Ok(p.map(CurrentPrincipal))
            }
            Err(error) => {
                tracing::error!(
                    method = %parts.method,
                    path = lazy.route(),
                    %error,
                    "principal resolver failed"
                );
                Err(Rejection::Internal)
            }
        }
    }
}

/// Put into the requests of public routes by the check: resolves the principal on demand.
#[derive(Clone)]
pub(crate) struct LazyPrincipal(pub(crate) Arc<dyn LazyResolve>);

/// The resolver of a route with the app state, for [`LazyPrincipal`].
pub(crate) trait LazyResolve: Send + Sync {
    fn resolve<'a>(&'a self, parts: &'a mut Parts) -> ResolveFuture<'a>;
    /// The route, for logs.
    fn route(&self) -> &str;
}

/// What a public route's [`LazyPrincipal`] resolved, kept for later extractors of the request.
/// Not a [`CurrentPrincipal`], which only a check puts into a request.
#[derive(Clone)]
struct ResolvedPrincipal(Option<Principal>);

/// Rejection of [`Authorized`], [`Rows`] and [`CurrentPrincipal`] when the authz check did not
/// provide them for the route (or, for `CurrentPrincipal`, the route is public): 500, logged
/// at `ERROR` with the method, the path and the extractor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingAuthorization {
    type_name: &'static str,
    public_route: bool,
    method: Method,
    /// The route template when axum matched one, else the request path.
    path: Box<str>,
}

impl MissingAuthorization {
    fn new(type_name: &'static str, public_route: bool, parts: &Parts) -> Self {
        let path = match parts.extensions.get::<MatchedPath>() {
            Some(matched) => matched.as_str(),
            None => parts.uri.path(),
        };
        MissingAuthorization {
            type_name,
            public_route,
            method: parts.method.clone(),
            path: path.into(),
        }
    }

    /// The extractor type that found nothing.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl std::fmt::Display for MissingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.public_route {
            write!(
                f,
                "`{}` is not available on a public route: declare a check, or take `Option<CurrentPrincipal>`",
                self.type_name
            )
        } else {
            write!(
                f,
                "the authz layer did not run for this route: `{}` is not available",
                self.type_name
            )
        }
    }
}

impl std::error::Error for MissingAuthorization {}

impl IntoResponse for MissingAuthorization {
    fn into_response(self) -> Response {
        tracing::error!(
            method = %self.method,
            path = &*self.path,
            extractor = self.type_name,
            "{self}"
        );
        problem(StatusCode::INTERNAL_SERVER_ERROR, Some(&self.to_string()))
    }
}
