#![doc = include_str!("../README.md")]

mod check;
mod coverage;
mod extract;
mod guard;
mod load;
mod method_router;
mod principal;
mod problem;
mod requirement;
mod router;

pub use authz_macros::{authorize, routes};
pub use check::{Check, CheckLayer, ResponseFuture};
pub use coverage::RouteInfo;
pub use extract::{Authorized, CurrentPrincipal, MissingAuthorization, Rows};
pub use guard::{AuthzService, GuardFuture};
pub use load::Load;
pub use method_router::AuthzMethodRouter;
pub use principal::ResolvePrincipal;
pub use problem::Rejection;
pub use requirement::Requirement;
pub use router::{AuthzRouter, ReadyRouter, RouterError};

/// A boxed error, as returned by resolvers and loaders.
pub use authz_web::BoxError;
/// The plan of a list route's rows, inside [`Rows`].
pub use authz_web::RowFilter;

/// Items used by the code that `#[authorize]` and `routes!` generate. Not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::load::{load_erased, LoadFuture, Loaded};
    pub use crate::method_router::{finish, on, on_any};
    pub use crate::requirement::{Declaration, Declared};
    pub use ::http::Method;
}
