#![doc = include_str!("../README.md")]

/// `tracing::event!` at a level chosen at run time (the macro wants a constant): one arm per
/// level, the fields written once. Field values are only computed when the event is enabled.
macro_rules! event_at {
    ($level:expr, $($fields:tt)+) => {
        match $level {
            tracing::Level::ERROR => tracing::event!(tracing::Level::ERROR, $($fields)+),
            tracing::Level::WARN => tracing::event!(tracing::Level::WARN, $($fields)+),
            tracing::Level::INFO => tracing::event!(tracing::Level::INFO, $($fields)+),
            tracing::Level::DEBUG => tracing::event!(tracing::Level::DEBUG, $($fields)+),
            _ => tracing::event!(tracing::Level::TRACE, $($fields)+),
        }
    };
}

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
