//! Loading the resource of an instance-level check: [`Load`] (the trait of `authz-web`,
//! shared with `axum-authz`), with the state found as app data.
//!
//! ```
//! use actix_authz::{BoxError, Load};
//! use authz_core::Resource;
//!
//! struct Db;
//! struct Expense { owner: String }
//!
//! // The state is registered with `App::app_data(web::Data::new(Db))` (or `App::app_data(Db)`).
//! impl Load<Db> for Expense {
//!     async fn load(_db: &Db, id: &str) -> Result<Option<Self>, BoxError> {
//!         Ok((id == "e1").then(|| Expense { owner: "alice".into() }))
//!     }
//!     fn to_resource(&self, id: &str) -> Resource {
//!         Resource::new("expense", id).with_attr("owner", self.owner.clone().into())
//!     }
//! }
//! ```

use std::any::type_name;
use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Extensions;
use actix_web::{web, HttpRequest};
use authz_core::Resource;

pub use authz_web::Load;

use crate::BoxError;

/// A loaded resource: what the policies see, plus how to hand the typed value to the handler.
#[doc(hidden)]
pub struct Loaded {
    pub(crate) resource: Resource,
    pub(crate) insert: Box<dyn FnOnce(&mut Extensions)>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loaded")
            .field("resource", &self.resource.id())
            .finish_non_exhaustive()
    }
}

/// The boxed future of a type-erased loader.
#[doc(hidden)]
pub type LoadFuture<'a> = Pin<Box<dyn Future<Output = Result<Option<Loaded>, BoxError>> + 'a>>;

/// A type-erased loader: request (for the app data) and id in, [`Loaded`] out.
pub(crate) type LoaderFn = for<'a> fn(&'a HttpRequest, String) -> LoadFuture<'a>;

/// The loader for `T`, with its state `S` taken from the app data (`web::Data<S>`, else a
/// plain `S`); erased to [`LoaderFn`]. A missing state is a loader error (500, logged).
#[doc(hidden)]
pub fn load_erased<S, T>(req: &HttpRequest, id: String) -> LoadFuture<'_>
where
    S: Sync + 'static,
    T: Load<S>,
{
    Box::pin(async move {
        let state: &S = match req.app_data::<web::Data<S>>() {
            Some(data) => data.get_ref(),
            None => req.app_data::<S>().ok_or_else(|| {
                format!(
                    "the loader of `{}` needs app data `{}` (`App::app_data(web::Data::new(..))`), which is not registered",
                    type_name::<T>(),
                    type_name::<S>()
                )
            })?,
        };
        let Some(value) = T::load(state, &id).await? else {
            return Ok(None);
        };
        let resource = value.to_resource(&id);
        Ok(Some(Loaded {
            resource,
            insert: Box::new(move |ext: &mut Extensions| {
                ext.insert(Slot(value));
            }),
        }))
    })
}

/// The loaded value in request extensions, taken once by [`Authorized`](crate::Authorized).
pub(crate) struct Slot<T>(pub(crate) T);
