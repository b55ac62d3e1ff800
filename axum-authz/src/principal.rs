//! Finding who is asking: [`ResolvePrincipal`].
//!
//! ```
//! use authz_core::Principal;
//! use axum_authz::{BoxError, ResolvePrincipal};
//! use http::request::Parts;
//!
//! // A closure taking `&Parts` and `&S`, returning a `Send` future. The future cannot borrow
//! // `parts`: copy what it needs first.
//! let resolver = |parts: &Parts, _state: &()| {
//!     let user = parts.headers.get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned);
//!     async move { Ok::<_, BoxError>(user.map(|u| Principal::new(u, ["user"]))) }
//! };
//! fn assert_resolver<R: ResolvePrincipal<()>>(_: &R) {}
//! assert_resolver(&resolver);
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use authz_core::Principal;
use http::request::Parts;

use crate::check::{check_future, CheckFuture, RouteCheck};
use crate::BoxError;

/// Finds the principal of a request (from a session, a token, headers...).
///
/// `Ok(None)` means nobody is logged in: a protected route answers 401. An error answers 500
/// (the error is logged, not sent). Implemented for closures
/// `Fn(&Parts, &S) -> impl Future<Output = Result<Option<Principal>, BoxError>> + Send`; a
/// closure's future cannot borrow the request, so copy what it needs before the `async` block,
/// or implement the trait on a type to borrow `parts` for the whole resolution.
pub trait ResolvePrincipal<S>: Clone + Send + Sync + 'static {
    /// Resolves the principal.
    fn resolve(
        &self,
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Option<Principal>, BoxError>> + Send;
}

impl<S, F, Fut> ResolvePrincipal<S> for F
where
    F: Fn(&Parts, &S) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Principal>, BoxError>> + Send,
{
    fn resolve(
        &self,
        parts: &mut Parts,
        state: &S,
    ) -> impl Future<Output = Result<Option<Principal>, BoxError>> + Send {
        self(parts, state)
    }
}

pub(crate) type ResolveFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Principal>, BoxError>> + Send + 'a>>;

/// [`ResolvePrincipal`] behind a trait object, so routers with different resolver types mix.
pub(crate) trait ErasedResolve<S>: Send + Sync {
    /// Resolves only (the optional principal of a public route), the future boxed.
    fn resolve<'a>(&'a self, parts: &'a mut Parts, state: &'a S) -> ResolveFuture<'a>;

    /// The whole check of `route`, in one boxed future that holds the resolver's future inline.
    fn check(self: Arc<Self>, route: Arc<RouteCheck<S>>, parts: Parts) -> CheckFuture;
}

impl<S: Send + Sync + 'static, R: ResolvePrincipal<S>> ErasedResolve<S> for R {
    fn resolve<'a>(&'a self, parts: &'a mut Parts, state: &'a S) -> ResolveFuture<'a> {
        Box::pin(ResolvePrincipal::resolve(self, parts, state))
    }

    fn check(self: Arc<Self>, route: Arc<RouteCheck<S>>, parts: Parts) -> CheckFuture {
        check_future(self, route, parts)
    }
}
