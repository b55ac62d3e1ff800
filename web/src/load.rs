//! Loading the resource of an instance-level check: [`Load`].
//!
//! ```
//! use authz_core::Resource;
//! use authz_web::{BoxError, Load};
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

use authz_core::Resource;

use crate::BoxError;

/// Loads a resource for an instance-level `#[authorize(.., id = path(".."))]` check.
///
/// `S` is the application state the loader reads: the router state in `axum-authz`, the
/// `web::Data<S>` app data in `actix-authz`. The loaded value is handed to the handler as
/// `Authorized<Self>`.
pub trait Load<S>: Sized + Send + Sync + 'static {
    /// Loads the resource with `id`; `Ok(None)` when it does not exist (the request gets 404).
    fn load(state: &S, id: &str) -> impl Future<Output = Result<Option<Self>, BoxError>> + Send;

    /// The resource as the policies see it: kind, `id` and attributes.
    fn to_resource(&self, id: &str) -> Resource;
}
