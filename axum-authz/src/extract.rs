//! Extractors for what the check put into the request: the loaded resource and the principal.
//!
//! ```
//! use axum_authz::{Authorized, CurrentPrincipal};
//! struct Expense;
//! async fn approve(CurrentPrincipal(p): CurrentPrincipal, Authorized(e): Authorized<Expense>) {
//!     let _ = (p.id(), e);
//! }
//! ```

use std::any::type_name;

use authz_core::Principal;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;

use crate::load::Slot;
use crate::problem::problem;

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
            .ok_or(MissingAuthorization {
                type_name: type_name::<Authorized<T>>(),
            })
    }
}

/// The principal the check resolved for this request (protected routes only).
#[derive(Debug, Clone)]
pub struct CurrentPrincipal(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for CurrentPrincipal {
    type Rejection = MissingAuthorization;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentPrincipal>()
            .cloned()
            .ok_or(MissingAuthorization {
                type_name: type_name::<CurrentPrincipal>(),
            })
    }
}

/// Rejection of [`Authorized`] and [`CurrentPrincipal`] when the authz check did not run for
/// the route (or, for `CurrentPrincipal`, the route is public): 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingAuthorization {
    type_name: &'static str,
}

impl MissingAuthorization {
    /// The extractor type that found nothing.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }
}

impl std::fmt::Display for MissingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the authz layer did not run for this route: `{}` is not available",
            self.type_name
        )
    }
}

impl std::error::Error for MissingAuthorization {}

impl IntoResponse for MissingAuthorization {
    fn into_response(self) -> Response {
        tracing::error!(extractor = self.type_name, "{self}");
        problem(StatusCode::INTERNAL_SERVER_ERROR, Some(&self.to_string()))
    }
}
