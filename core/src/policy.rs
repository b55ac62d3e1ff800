//! The policy file format: serde models of the documents of `policy-format.md`.
//!
//! These types mirror the YAML/JSON exactly (camelCase with snake_case aliases, unknown fields
//! rejected). They are parsed, never evaluated: [`crate::compile`] turns them into the indexed
//! policy set.

pub(crate) mod doc;
