#![doc = include_str!("../README.md")]

mod coverage;
mod decision;
mod flow;
mod load;
mod problem;
mod requirement;
mod rows;

pub use coverage::{missing_id_param, unknown_action};
pub use decision::decide;
pub use flow::{authorize, Exchange, Granted, Site};
pub use load::Load;
pub use problem::{problem_json, reason, Denial, PROBLEM_CONTENT_TYPE};
pub use requirement::Requirement;
pub use rows::{plan_rows, RowFilter};

/// A boxed error, as returned by resolvers and loaders.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
