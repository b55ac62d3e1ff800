//! Checking the arguments against each other and against the handler.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, LitStr, PathArguments, Type};

use crate::args::Args;

/// What the handler declares, validated.
pub(crate) enum Form {
    Public,
    Kind {
        resource: LitStr,
        action: LitStr,
    },
    Instance {
        resource: LitStr,
        action: LitStr,
        id_param: LitStr,
        /// The `T` of the `Authorized<T>` parameter.
        ty: Box<Type>,
    },
    Filter {
        resource: LitStr,
        action: LitStr,
        rows_action: LitStr,
    },
}

fn push(errors: &mut Option<syn::Error>, e: syn::Error) {
    match errors {
        Some(all) => all.combine(e),
        None => *errors = Some(e),
    }
}

/// Validates `args` against `f`, collecting every error.
pub(crate) fn validate(args: Args, f: &ItemFn) -> syn::Result<Form> {
    let mut errors = None;
    if f.sig.asyncness.is_none() {
        push(
            &mut errors,
            syn::Error::new(
                f.sig.fn_token.span,
                "`#[authorize]` handlers must be `async fn`",
            ),
        );
    }
    let authorized = authorized_params(f, &mut errors);
    let rows = rows_params(f, &mut errors);
    if args.public.is_some() {
        for (key, name) in [
            (args.resource.as_ref().map(|a| a.key), "resource"),
            (args.action.as_ref().map(|a| a.key), "action"),
            (args.id.as_ref().map(|a| a.key), "id"),
            (args.filter.as_ref().map(|a| a.key), "filter"),
        ] {
            if let Some(key) = key {
                push(
                    &mut errors,
                    syn::Error::new(key, format!("`public` cannot be combined with `{name}`")),
                );
            }
        }
        if let Some((span, _)) = authorized.first() {
            push(
                &mut errors,
                syn::Error::new(*span, "a `public` handler has no authorized resource: remove the `Authorized<T>` parameter"),
            );
        }
        if let Some(span) = rows.first() {
            push(
                &mut errors,
                syn::Error::new(
                    *span,
                    "a `public` handler has no row filter: remove the `Rows` parameter",
                ),
            );
        }
        return errors.map_or(Ok(Form::Public), Err);
    }
    let resource = non_empty(args.resource.map(|a| a.value), "resource", &mut errors);
    let action = non_empty(args.action.map(|a| a.value), "action", &mut errors);
    let rows_action = match args.filter {
        Some(filter) => {
            if let Some(id) = &args.id {
                push(
                    &mut errors,
                    syn::Error::new(
                        id.key,
                        "`filter` declares a list (the rows the principal may see), `id = path(..)` one resource: use one or the other",
                    ),
                );
            }
            if rows.is_empty() {
                push(
                    &mut errors,
                    syn::Error::new(
                        filter.key,
                        "`filter = \"..\"` plans the rows for a parameter of type `Rows`, and the handler has none: without it the list is not filtered",
                    ),
                );
            }
            non_empty(Some(filter.value), "filter", &mut errors)
        }
        None => {
            if let Some(span) = rows.first() {
                push(
                    &mut errors,
                    syn::Error::new(
                        *span,
                        "`Rows` needs a list declaration: add `filter = \"<rows action>\"` to `#[authorize]`",
                    ),
                );
            }
            None
        }
    };
    let id = match args.id {
        Some(id) => {
            if !is_identifier(&id.value.value()) {
                push(
                    &mut errors,
                    syn::Error::new(
                        id.value.span(),
                        format!(
                            "path parameter name `{}` is not an identifier",
                            id.value.value()
                        ),
                    ),
                );
            }
            if authorized.is_empty() {
                push(
                    &mut errors,
                    syn::Error::new(
                        id.key,
                        "`id = path(..)` loads the resource for a parameter of type `Authorized<T>`, and the handler has none",
                    ),
                );
            }
            Some(id.value)
        }
        None => {
            if let Some((span, _)) = authorized.first() {
                push(
                    &mut errors,
                    syn::Error::new(*span, "`Authorized<T>` needs an instance-level check: add `id = path(\"<param>\")` to `#[authorize]`"),
                );
            }
            None
        }
    };
    if let Some(e) = errors {
        return Err(e);
    }
    match (resource, action, id, authorized.into_iter().next()) {
        (Some(resource), Some(action), None, _) => Ok(match rows_action {
            Some(rows_action) => Form::Filter {
                resource,
                action,
                rows_action,
            },
            None => Form::Kind { resource, action },
        }),
        (Some(resource), Some(action), Some(id_param), Some((_, ty))) => Ok(Form::Instance {
            resource,
            action,
            id_param,
            ty: Box::new(ty),
        }),
        _ => Err(syn::Error::new(
            Span::call_site(),
            "invalid `#[authorize]` arguments",
        )),
    }
}

fn non_empty(v: Option<LitStr>, key: &str, errors: &mut Option<syn::Error>) -> Option<LitStr> {
    match v {
        None => {
            push(
                errors,
                syn::Error::new(
                    Span::call_site(),
                    format!("missing `{key} = \"...\"` (or use `#[authorize(public)]`)"),
                ),
            );
            None
        }
        Some(v) if v.value().is_empty() => {
            push(
                errors,
                syn::Error::new(v.span(), format!("`{key}` must not be empty")),
            );
            None
        }
        Some(v) => Some(v),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The `Authorized<T>` parameters: the span of each and its `T`. A second one is an error.
fn authorized_params(f: &ItemFn, errors: &mut Option<syn::Error>) -> Vec<(Span, Type)> {
    let mut found: Vec<(Span, Type)> = Vec::new();
    for input in &f.sig.inputs {
        let ty = match input {
            FnArg::Typed(t) => &*t.ty,
            FnArg::Receiver(r) => {
                push(
                    errors,
                    syn::Error::new(
                        r.span(),
                        "`#[authorize]` applies to free functions, not methods",
                    ),
                );
                continue;
            }
        };
        let Some(inner) = authorized_inner(ty) else {
            continue;
        };
        if found.is_empty() {
            found.push((ty.span(), inner.clone()));
        } else {
            push(
                errors,
                syn::Error::new(ty.span(), "only one `Authorized<T>` parameter is allowed"),
            );
        }
    }
    found
}

/// The spans of the `Rows` parameters (a type whose last path segment is `Rows`, without
/// generics). A second one is an error: the first takes the plan.
fn rows_params(f: &ItemFn, errors: &mut Option<syn::Error>) -> Vec<Span> {
    let mut found = Vec::new();
    for input in &f.sig.inputs {
        let FnArg::Typed(t) = input else { continue };
        let Type::Path(p) = &*t.ty else { continue };
        let is_rows = p.qself.is_none()
            && p.path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Rows" && s.arguments.is_none());
        if !is_rows {
            continue;
        }
        if found.is_empty() {
            found.push(t.ty.span());
        } else {
            push(
                errors,
                syn::Error::new(t.ty.span(), "only one `Rows` parameter is allowed"),
            );
        }
    }
    found
}

fn authorized_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Authorized" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first() {
        Some(GenericArgument::Type(t)) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::is_identifier;

    #[test]
    fn identifiers() {
        assert!(is_identifier("id"));
        assert!(is_identifier("_x1"));
        assert!(!is_identifier(""));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier("{id}"));
    }
}
