//! Macros of `axum-authz`: `#[authorize(...)]` declares what a handler requires, `routes!`
//! registers declared handlers. Use them through `axum_authz`, which re-exports both and holds
//! the `__private` items the expansions refer to.

mod args;
mod expand;
mod routes;
mod validate;

use proc_macro::TokenStream;

/// Declares the authorization of an async handler; see the `axum_authz` crate documentation.
///
/// Forms: `#[authorize(resource = "expense", action = "create")]` (kind-level),
/// `#[authorize(resource = "expense", action = "approve", id = path("id"))]` (instance-level,
/// with one `Authorized<T>` parameter), `#[authorize(public)]` (no decision).
///
/// The function is left as written; a hidden companion `__authz_<fn>` is emitted next to it
/// for [`routes!`].
#[proc_macro_attribute]
pub fn authorize(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::authorize(attr.into(), item.into()).into()
}

/// Builds an `AuthzMethodRouter` from `method(handler)` pairs:
/// `routes!(get(list), post(handlers::create))`.
///
/// Every handler must carry `#[authorize(...)]`: the expansion refers to its companion
/// `__authz_<handler>`, so a handler without the attribute is a compile error, reported on the
/// handler's name as ``cannot find value `__authz_<handler>` in this scope``.
///
/// Methods: `get` (which also answers `HEAD`), `post`, `put`, `delete`, `patch`, `head`,
/// `options`, `trace`; each at most once. `any(handler)` (alone) takes every method: it is for
/// `AuthzRouter::fallback`.
#[proc_macro]
pub fn routes(input: TokenStream) -> TokenStream {
    routes::expand(input.into()).into()
}
