//! Finding who is asking: [`ResolvePrincipal`].
//!
//! ```
//! use actix_web::HttpRequest;
//! use actix_authz::{BoxError, ResolvePrincipal};
//! use authz_core::Principal;
//!
//! // A closure taking `&HttpRequest`, returning a future. The future cannot borrow the
//! // request: copy what it needs first (app data is `req.app_data::<web::Data<T>>()`).
//! let resolver = |req: &HttpRequest| {
//!     let user = req.headers().get("x-user").and_then(|v| v.to_str().ok()).map(str::to_owned);
//!     async move { Ok::<_, BoxError>(user.map(|u| Principal::new(u, ["user"]))) }
//! };
//! fn assert_resolver<R: ResolvePrincipal>(_: &R) {}
//! assert_resolver(&resolver);
//! ```

use std::future::Future;
use std::pin::Pin;

use actix_web::HttpRequest;
use authz_core::Principal;

use crate::BoxError;

/// Finds the principal of a request (from a session, a token, headers...).
///
/// `Ok(None)` means nobody is logged in: a protected route answers 401. An error answers 500
/// (the error is logged, not sent). Implemented for closures
/// `Fn(&HttpRequest) -> impl Future<Output = Result<Option<Principal>, BoxError>>`; a
/// closure's future cannot borrow the request, so copy what it needs before the `async`
/// block, or implement the trait on a type to borrow the request for the whole resolution.
///
/// The resolver is shared by every worker (`Send + Sync`); its future runs on the worker and
/// need not be `Send`.
pub trait ResolvePrincipal: Send + Sync + 'static {
    /// Resolves the principal.
    fn resolve(
        &self,
        req: &HttpRequest,
    ) -> impl Future<Output = Result<Option<Principal>, BoxError>>;
}

impl<F, Fut> ResolvePrincipal for F
where
    F: Fn(&HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Principal>, BoxError>>,
{
    fn resolve(
        &self,
        req: &HttpRequest,
    ) -> impl Future<Output = Result<Option<Principal>, BoxError>> {
        self(req)
    }
}

pub(crate) type ResolveFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Principal>, BoxError>> + 'a>>;

/// [`ResolvePrincipal`] with the future boxed, so the middleware is not generic over it.
pub(crate) trait ErasedResolve: Send + Sync {
    fn resolve<'a>(&'a self, req: &'a HttpRequest) -> ResolveFuture<'a>;
}

impl<R: ResolvePrincipal> ErasedResolve for R {
    fn resolve<'a>(&'a self, req: &'a HttpRequest) -> ResolveFuture<'a> {
        Box::pin(ResolvePrincipal::resolve(self, req))
    }
}
