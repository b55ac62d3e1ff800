//! The expense service of the examples without its web framework: the reports in SQLite
//! ([`db`]), the DEMO-ONLY principals ([`demo`]), the repository's `policies/` compiled into
//! the binary ([`engine`]), what each route does once authorized ([`api`]), and the loader
//! of instance-level checks (`Load<AppState> for Expense`, from `authz-web`, the same for
//! both adapters).
//!
//! `axum-expense` and `actix-expense` are thin layers over this crate: their handlers
//! extract, call [`api`], and turn the result into a response. With the `scenarios` feature,
//! [`scenarios`] runs `examples/scenarios/expense.yaml`, the HTTP scenarios both services
//! must pass.

pub mod api;
pub mod db;
pub mod demo;
#[cfg(feature = "scenarios")]
pub mod scenarios;

use authz_core::{BuildErrors, Engine, EngineConfig, PolicySet, Resource};
use authz_web::Load;
use include_dir::{include_dir, Dir};

pub use db::{Db, Expense};

/// A boxed error.
pub type BoxError = authz_web::BoxError;

/// The repository's `policies/` directory, embedded at compile time (the loader skips test
/// suites and their `testdata/`).
static POLICIES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/../../policies");

/// The engine over the embedded policies.
///
/// # Errors
/// When the embedded policies do not compile (caught by the tests before it can ship).
pub fn engine() -> Result<Engine, BuildErrors> {
    Ok(Engine::new(
        PolicySet::from_embedded(&POLICIES)?,
        EngineConfig::default(),
    ))
}

/// What the handlers share: the database and the engine (for the per-row list check).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The reports.
    pub db: Db,
    /// The engine the routes are checked with.
    pub engine: Engine,
}

impl Load<AppState> for Expense {
    async fn load(state: &AppState, id: &str) -> Result<Option<Self>, BoxError> {
        state.db.get(id)
    }

    fn to_resource(&self, _id: &str) -> Resource {
        Expense::to_resource(self)
    }
}
