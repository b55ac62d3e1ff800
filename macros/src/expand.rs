//! Expansion of `#[authorize]`: the function as written plus its hidden companion
//! `__authz_<fn>`, whose shape depends on the framework ([`axum`], [`actix`]). Parsing and
//! validation are the same for both.

mod actix;
mod axum;

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::ItemFn;

use crate::args::Args;
use crate::validate::{validate, Form};

/// The adapter crate a macro expands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framework {
    /// `axum-authz`.
    Axum,
    /// `actix-authz`.
    Actix,
}

impl Framework {
    /// The absolute path of the adapter crate.
    pub(crate) fn krate(self) -> TokenStream {
        match self {
            Framework::Axum => quote!(::axum_authz),
            Framework::Actix => quote!(::actix_authz),
        }
    }
}

pub(crate) fn authorize(attr: TokenStream, item: TokenStream, fw: Framework) -> TokenStream {
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
    let form = syn::parse2::<Args>(attr)
        .and_then(|args| validate(args, &f))
        .and_then(|form| match fw {
            Framework::Axum => Ok(form),
            Framework::Actix => actix::check(&f).map(|()| form),
        });
    match form {
        Ok(form) => {
            let companion = match fw {
                Framework::Axum => axum::companion(&f, &form),
                Framework::Actix => actix::companion(&f, &form),
            };
            quote!(#f #companion)
        }
        Err(e) => {
            let e = e.to_compile_error();
            quote!(#f #e)
        }
    }
}

/// What both companions share: the name, the `cfg`s of the handler (so the companion exists
/// exactly when the handler does), and the struct itself.
pub(crate) fn companion_struct(f: &ItemFn) -> (syn::Ident, Vec<&syn::Attribute>, TokenStream) {
    let vis = &f.vis;
    let name = quote::format_ident!("__authz_{}", f.sig.ident);
    let cfgs: Vec<_> = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .collect();
    let doc = format!(
        "Authorization declared by `#[authorize]` on [`{}`].",
        f.sig.ident
    );
    let item = quote! {
        #(#cfgs)*
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis struct #name;
    };
    (name, cfgs, item)
}

/// `Form` → the `Declaration` constructor call (without the loader for instance checks).
pub(crate) fn form_args(form: &Form) -> TokenStream {
    match form {
        Form::Public => quote!(),
        Form::Kind { resource, action } => quote!(#resource, #action),
        Form::Instance {
            resource,
            action,
            id_param,
            ..
        } => quote!(#resource, #action, #id_param),
        Form::Filter {
            resource,
            action,
            rows_action,
        } => quote!(#resource, #action, #rows_action),
    }
}
