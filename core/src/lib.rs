#![doc = include_str!("../README.md")]

mod cel_env;
mod names;
mod source;
mod yaml;

pub use source::{Location, SourceFile};
