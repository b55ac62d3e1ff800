//! Expansion of `#[authorize]`: the function as written plus its hidden companion.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use crate::args::Args;
use crate::validate::{validate, Form};

pub(crate) fn authorize(attr: TokenStream, item: TokenStream) -> TokenStream {
    let f: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                item.span(),
                "`#[authorize]` applies to `async fn` request handlers",
            );
            let e = e.to_compile_error();
            return quote!(#item #e);
        }
    };
    let form = syn::parse2::<Args>(attr).and_then(|args| validate(args, &f));
    match form {
        Ok(form) => {
            let companion = companion(&f, &form);
            quote!(#f #companion)
        }
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#f #e)
        }
    }
}

fn companion(f: &ItemFn, form: &Form) -> TokenStream {
    let vis = &f.vis;
    let name = format_ident!("__authz_{}", f.sig.ident);
    let p = quote!(::axum_authz::__private);
    let (bounds, body) = match form {
        Form::Public => (quote!(), quote!(#p::Declaration::public())),
        Form::Kind { resource, action } => {
            (quote!(), quote!(#p::Declaration::kind(#resource, #action)))
        }
        Form::Instance {
            resource,
            action,
            id_param,
            ty,
        } => {
            let load_bound = quote_spanned!(ty.span()=> #ty: ::axum_authz::Load<__S>,);
            (
                quote!(where __S: ::core::marker::Sync + 'static, #load_bound),
                quote!(#p::Declaration::instance(
                    #resource,
                    #action,
                    #id_param,
                    #p::load_erased::<__S, #ty>,
                )),
            )
        }
    };
    // The companion exists exactly when the handler does.
    let cfgs: Vec<_> = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();
    let doc = format!(
        "Authorization declared by `#[authorize]` on [`{}`].",
        f.sig.ident
    );
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis struct #name;

        #(#cfgs)*
        impl<__S> #p::Declared<__S> for #name #bounds {
            fn declaration(&self) -> #p::Declaration<__S> {
                #body
            }
        }
    }
}
