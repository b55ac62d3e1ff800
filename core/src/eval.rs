//! Evaluating checks (`policy-format.md` §12): principal phase, resource phase per role, scope
//! walks, derived roles, role-policy narrowing, outputs and runtime errors.

pub(crate) mod activation;
pub(crate) mod values;

pub(crate) mod check;

pub(crate) use check::check;
