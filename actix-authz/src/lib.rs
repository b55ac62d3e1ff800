#![doc = include_str!("../README.md")]

mod authorize;
mod check;
mod coverage;
mod extract;
mod load;
mod principal;
mod probe;
mod problem;
mod requirement;
mod route;
mod routes;

pub use authorize::{Authorize, AuthorizeFuture, AuthorizeMiddleware};
pub use authz_macros::{actix_authorize as authorize, actix_routes as routes};
pub use coverage::RouteInfo;
pub use extract::{Authorized, CurrentPrincipal, MissingAuthorization, Rows};
pub use load::Load;
pub use principal::ResolvePrincipal;
pub use problem::{Rejection, Undeclared};
pub use requirement::Requirement;
pub use route::AuthzRoute;
pub use routes::{AuthzRoutes, RoutesError};

/// A boxed error, as returned by resolvers and loaders.
pub use authz_web::BoxError;
/// The plan of a list route's rows, inside [`Rows`].
pub use authz_web::RowFilter;

/// Items used by the code that `#[authorize]` and `routes!` generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::load::{load_erased, LoadFuture, Loaded};
    pub use crate::requirement::{Declaration, Declared};
    pub use crate::route::{finish, on, on_any};
    pub use ::actix_web::http::Method;
}
