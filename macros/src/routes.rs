//! Expansion of `routes!(get(a), post(b))`: the same parsing and the same calls
//! (`on`, `on_any`, `finish` of the adapter's `__private`) for both frameworks.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{parenthesized, Ident, Path, Token};

use crate::expand::Framework;

const METHODS: [(&str, &str); 8] = [
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("delete", "DELETE"),
    ("patch", "PATCH"),
    ("head", "HEAD"),
    ("options", "OPTIONS"),
    ("trace", "TRACE"),
];

struct MethodCall {
    method: Ident,
    handler: Path,
}

impl Parse for MethodCall {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let method: Ident = input.parse()?;
        let content;
        parenthesized!(content in input);
        let handler: Path = content.parse()?;
        if !content.is_empty() {
            return Err(content.error("expected one handler path, e.g. `get(handlers::list)`"));
        }
        Ok(MethodCall { method, handler })
    }
}

pub(crate) fn expand(input: TokenStream, fw: Framework) -> TokenStream {
    match try_expand(input, fw) {
        Ok(t) => t,
        Err(e) => e.to_compile_error(),
    }
}

fn try_expand(input: TokenStream, fw: Framework) -> syn::Result<TokenStream> {
    let calls =
        syn::parse::Parser::parse2(Punctuated::<MethodCall, Token![,]>::parse_terminated, input)?;
    if calls.is_empty() {
        return Err(syn::Error::new(
            Span::call_site(),
            "`routes!` needs at least one `method(handler)`, e.g. `routes!(get(list))`",
        ));
    }
    let krate = fw.krate();
    let p = quote!(#krate::__private);
    // Hygienic: invisible to (and never suggested for) the user's tokens.
    let acc = Ident::new("routes", Span::mixed_site());
    let mut seen: Vec<String> = Vec::new();
    let mut steps = Vec::new();
    let count = calls.len();
    for call in calls {
        let name = call.method.to_string();
        let any = name == "any";
        if any && count > 1 {
            return Err(syn::Error::new(
                call.method.span(),
                "`any(handler)` takes every method: it cannot be combined with others",
            ));
        }
        let upper = if any {
            None
        } else {
            METHODS.iter().find(|(m, _)| *m == name).map(|(_, u)| *u)
        };
        if !any && upper.is_none() {
            return Err(syn::Error::new(
                call.method.span(),
                format!(
                    "unknown method `{name}`: expected one of get, post, put, delete, patch, head, options, trace, any"
                ),
            ));
        }
        if seen.contains(&name) {
            return Err(syn::Error::new(
                call.method.span(),
                format!("method `{name}` is declared twice"),
            ));
        }
        seen.push(name);
        let handler = call.handler;
        let mut companion = handler.clone();
        let Some(last) = companion.segments.last_mut() else {
            return Err(syn::Error::new(
                Span::call_site(),
                "expected a handler path",
            ));
        };
        last.ident = format_ident!("__authz_{}", last.ident, span = last.ident.span());
        last.arguments = syn::PathArguments::None;
        let span = last.ident.span();
        let decl = quote_spanned!(span=> &#companion);
        steps.push(match upper {
            Some(upper) => {
                let method = Ident::new(upper, call.method.span());
                quote!(let #acc = #p::on(#acc, #p::Method::#method, #decl, #handler);)
            }
            None => quote!(let #acc = #p::on_any(#acc, #decl, #handler);),
        });
    }
    Ok(quote! {{
        let #acc = ::core::option::Option::None;
        #(#steps)*
        #p::finish(#acc)
    }})
}
