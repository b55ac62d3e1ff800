#![doc = include_str!("../README.md")]

mod cel_env;
mod compile;
mod config;
mod decision;
mod engine;
mod error;
mod eval;
mod load;
mod names;
pub mod plan;
mod policy;
mod policy_set;
mod request;
mod schema;
mod source;
pub mod testing;
mod yaml;

pub use config::{EngineConfig, EvaluationMode, SchemaEnforcement};
pub use decision::{
    ActionDecision, CheckOutput, Effect, EvaluationError, OutputEntry, ValidationError,
    ValidationSource,
};
pub use engine::{DecisionRef, Engine};
pub use error::{BuildError, BuildErrorKind, BuildErrors};
pub use policy_set::PolicySet;
pub use request::{Attributes, AuxData, CheckInput, NamedClaims, Principal, Resource};
pub use source::{Location, SourceFile};

#[cfg(feature = "embed")]
pub use ::include_dir;
/// Re-exported so that services can embed policies without depending on `include_dir` directly.
#[cfg(feature = "embed")]
pub use ::include_dir::include_dir;
