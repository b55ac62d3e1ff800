//! Loading the resource of an instance-level check: [`Load`] (shared with the other adapters
//! through `authz-web`).
//!
//! ```
//! use axum_authz::{BoxError, Load};
//! use authz_core::Resource;
//!
//! struct Expense { owner: String }
//!
//! impl Load<()> for Expense {
//!     async fn load(_state: &(), id: &str) -> Result<Option<Self>, BoxError> {
//!         Ok((id == "e1").then(|| Expense { owner: "alice".into() }))
//!     }
//!     fn to_resource(&self, id: &str) -> Resource {
//!         Resource::new("expense", id).with_attr("owner", self.owner.clone().into())
//!     }
//! }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use authz_core::Resource;
use http::Extensions;

pub use authz_web::Load;

use crate::BoxError;

/// A loaded resource: what the policies see, plus the typed value for the handler.
#[doc(hidden)]
pub struct Loaded {
    pub(crate) resource: Resource,
    pub(crate) insert: Box<dyn FnOnce(&mut Extensions) + Send>,
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
pub type LoadFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Loaded>, BoxError>> + Send + 'a>>;

/// A type-erased loader: state and id in, [`Loaded`] out.
pub(crate) type LoaderFn<S> = for<'a> fn(&'a S, String) -> LoadFuture<'a>;

/// The loader for `T`, erased to [`LoaderFn`].
#[doc(hidden)]
pub fn load_erased<S, T>(state: &S, id: String) -> LoadFuture<'_>
where
    S: Sync + 'static,
    T: Load<S>,
{
    Box::pin(async move {
        let Some(value) = T::load(state, &id).await? else {
            return Ok(None);
        };
        let resource = value.to_resource(&id);
        let slot = Slot(Arc::new(Mutex::new(Some(value))));
        Ok(Some(Loaded {
            resource,
            insert: Box::new(move |ext: &mut Extensions| {
                ext.insert(slot);
            }),
        }))
    })
}

/// The loaded value in request extensions, taken once by [`Authorized`](crate::Authorized).
pub(crate) struct Slot<T>(pub(crate) Arc<Mutex<Option<T>>>);

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot(Arc::clone(&self.0))
    }
}

impl<T> Slot<T> {
    pub(crate) fn take(&self) -> Option<T> {
        self.0.lock().ok().and_then(|mut v| v.take())
    }
}
