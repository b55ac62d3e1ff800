//! Macros of `axum-authz` and `actix-authz`: `#[authorize(...)]` declares what a handler
//! requires, `routes!` registers declared handlers. Use them through the adapter crate, which
//! re-exports them and holds the `__private` items the expansions refer to.
//!
//! Parsing (`args.rs`) and validation (`validate.rs`) are shared; only the generated
//! companion differs (`expand/axum.rs`, `expand/actix.rs`), so both adapters accept and refuse
//! exactly the same declarations. `actix_authz` re-exports [`actix_authorize`] and
//! [`actix_routes`] as `authorize` and `routes`.

mod args;
mod expand;
mod routes;
mod validate;

use proc_macro::TokenStream;

use expand::Framework;

/// Declares the authorization of an async axum handler; see the `axum_authz` crate
/// documentation.
///
/// Forms: `#[authorize(resource = "expense", action = "create")]` (kind-level),
/// `#[authorize(resource = "expense", action = "approve", id = path("id"))]` (instance-level,
/// with one `Authorized<T>` parameter), `#[authorize(resource = "expense", action = "list",
/// filter = "read")]` (a list: `list` checked on the kind, then `read` planned for the one
/// `Rows` parameter the handler must take), `#[authorize(public)]` (no decision).
///
/// The function is left as written; a hidden companion `__authz_<fn>` is emitted next to it
/// for [`routes!`].
#[proc_macro_attribute]
pub fn authorize(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::authorize(attr.into(), item.into(), Framework::Axum).into()
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
    routes::expand(input.into(), Framework::Axum).into()
}

/// `#[authorize(...)]` for actix-web handlers (re-exported as `actix_authz::authorize`): the
/// same forms and checks as [`macro@authorize`]. The function is left as written and gets a
/// companion `__authz_<fn>` for `actix_authz::routes!`; an actix-web route macro
/// (`#[get("/x")]`, ...) on the same function is refused, since it would register the
/// handler without its check.
#[proc_macro_attribute]
pub fn actix_authorize(attr: TokenStream, item: TokenStream) -> TokenStream {
    expand::authorize(attr.into(), item.into(), Framework::Actix).into()
}

/// `routes!(get(list), post(create))` for actix-web (re-exported as `actix_authz::routes`):
/// the same syntax and checks as [`routes!`], building an `actix_authz::AuthzRoute`.
#[proc_macro]
pub fn actix_routes(input: TokenStream) -> TokenStream {
    routes::expand(input.into(), Framework::Actix).into()
}
