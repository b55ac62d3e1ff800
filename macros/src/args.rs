//! Parsing the arguments of `#[authorize(...)]`.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{parenthesized, Ident, LitStr, Token};

mod kw {
    syn::custom_keyword!(resource);
    syn::custom_keyword!(action);
    syn::custom_keyword!(id);
    syn::custom_keyword!(path);
    syn::custom_keyword!(public);
    syn::custom_keyword!(filter);
}

/// A `key = value` argument: the key's span and the value.
pub(crate) struct Arg<T> {
    pub(crate) key: Span,
    pub(crate) value: T,
}

/// The parsed arguments, before validation.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) public: Option<Span>,
    pub(crate) resource: Option<Arg<LitStr>>,
    pub(crate) action: Option<Arg<LitStr>>,
    /// `id = path("name")`: the literal is the parameter name.
    pub(crate) id: Option<Arg<LitStr>>,
    /// `filter = "action"`: the rows action of a list.
    pub(crate) filter: Option<Arg<LitStr>>,
}

fn set<T>(slot: &mut Option<T>, value: T, span: Span, name: &str) -> syn::Result<()> {
    if slot.is_some() {
        return Err(syn::Error::new(span, format!("duplicate `{name}`")));
    }
    *slot = Some(value);
    Ok(())
}

/// The `= "..."` after `key`; a missing `=` or a non-string value is reported at the key.
fn string_value(input: ParseStream<'_>, key: Span, name: &str) -> syn::Result<LitStr> {
    if !input.peek(Token![=]) {
        return Err(syn::Error::new(key, format!("expected `{name} = \"...\"`")));
    }
    input.parse::<Token![=]>()?;
    input.parse()
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        while !input.is_empty() {
            let look = input.lookahead1();
            if look.peek(kw::public) {
                let k: kw::public = input.parse()?;
                set(&mut args.public, k.span, k.span, "public")?;
            } else if look.peek(kw::resource) {
                let k: kw::resource = input.parse()?;
                let value = string_value(input, k.span, "resource")?;
                set(
                    &mut args.resource,
                    Arg { key: k.span, value },
                    k.span,
                    "resource",
                )?;
            } else if look.peek(kw::action) {
                let k: kw::action = input.parse()?;
                let value = string_value(input, k.span, "action")?;
                set(
                    &mut args.action,
                    Arg { key: k.span, value },
                    k.span,
                    "action",
                )?;
            } else if look.peek(kw::id) {
                let k: kw::id = input.parse()?;
                input.parse::<Token![=]>()?;
                input.parse::<kw::path>().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        "expected `path(\"name\")`: the id comes from a path parameter",
                    )
                })?;
                let content;
                parenthesized!(content in input);
                let value: LitStr = content.parse()?;
                if !content.is_empty() {
                    return Err(content.error("expected one path parameter name"));
                }
                set(&mut args.id, Arg { key: k.span, value }, k.span, "id")?;
            } else if look.peek(kw::filter) {
                let k: kw::filter = input.parse()?;
                let value = string_value(input, k.span, "filter")?;
                set(
                    &mut args.filter,
                    Arg { key: k.span, value },
                    k.span,
                    "filter",
                )?;
            } else if input.peek(Ident::peek_any) {
                let key = input.call(Ident::parse_any)?;
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "unknown key `{key}`: expected `resource`, `action`, `id`, `filter` or `public`"
                    ),
                ));
            } else {
                return Err(look.error());
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}
