//! The axum companion: `impl<S> Declared<S>`, generic over the router state, with a
//! `T: Load<S>` bound pointing at the user's `Authorized<T>`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::ItemFn;

use super::{companion_struct, form_args, Framework};
use crate::validate::Form;

pub(super) fn companion(f: &ItemFn, form: &Form) -> TokenStream {
    let krate = Framework::Axum.krate();
    let p = quote!(#krate::__private);
    let args = form_args(form);
    let (bounds, body) = match form {
        Form::Public => (quote!(), quote!(#p::Declaration::public())),
        Form::Kind { .. } => (quote!(), quote!(#p::Declaration::kind(#args))),
        Form::Filter { .. } => (quote!(), quote!(#p::Declaration::filter(#args))),
        Form::Instance { ty, .. } => {
            // Literal path inside `quote_spanned!`: the whole bound points at the user's `T`.
            let load_bound = quote_spanned!(ty.span()=> #ty: ::axum_authz::Load<__S>,);
            (
                quote!(where __S: ::core::marker::Sync + 'static, #load_bound),
                quote!(#p::Declaration::instance(#args, #p::load_erased::<__S, #ty>)),
            )
        }
    };
    let (name, cfgs, item) = companion_struct(f);
    quote! {
        #item

        #(#cfgs)*
        impl<__S> #p::Declared<__S> for #name #bounds {
            fn declaration(&self) -> #p::Declaration<__S> {
                #body
            }
        }
    }
}
