//! The actix companion: `impl Declared`, not generic. For an instance-level check the state
//! `S` of `T: Load<S>` is inferred from `T`'s one `Load` implementation, and found at run time
//! as `web::Data<S>` app data.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use super::{companion_struct, form_args, Framework};
use crate::validate::Form;

/// actix-web's routing macros: a handler under one of them is registered by that macro,
/// without its check.
const ROUTE_MACROS: [&str; 11] = [
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "connect", "route",
    "routes",
];

/// Refuses a handler that also carries an actix-web route macro.
pub(super) fn check(f: &ItemFn) -> syn::Result<()> {
    for attr in &f.attrs {
        let Some(last) = attr.path().segments.last() else {
            continue;
        };
        let name = last.ident.to_string();
        if ROUTE_MACROS.contains(&name.as_str()) {
            return Err(syn::Error::new(
                last.ident.span(),
                format!(
                    "`#[{name}]` would register the handler without its check: remove it and register with `actix_authz::routes!`, e.g. `AuthzRoutes::new().route(\"/path\", routes!({name}({})))`",
                    f.sig.ident
                ),
            ));
        }
    }
    Ok(())
}

pub(super) fn companion(f: &ItemFn, form: &Form) -> TokenStream {
    let krate = Framework::Actix.krate();
    let p = quote!(#krate::__private);
    let args = form_args(form);
    let body = match form {
        Form::Public => quote!(#p::Declaration::public()),
        Form::Kind { .. } => quote!(#p::Declaration::kind(#args)),
        Form::Filter { .. } => quote!(#p::Declaration::filter(#args)),
        Form::Instance { ty, .. } => {
            // Literal path inside `quote_spanned!`: a missing `Load` impl points at the user's `T`.
            let loader =
                quote_spanned!(ty.span()=> ::actix_authz::__private::load_erased::<_, #ty>);
            quote!(#p::Declaration::instance(#args, #loader))
        }
    };
    let (name, cfgs, item) = companion_struct(f);
    quote! {
        #item

        #(#cfgs)*
        impl #p::Declared for #name {
            fn declaration(&self) -> #p::Declaration {
                #body
            }
        }
    }
}
