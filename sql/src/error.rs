//! Why a filter could not be translated.

/// A filter that cannot be turned into SQL. The caller must treat it as a denial (or fall
/// back to checking rows one by one): a translation never returns a wider condition instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TranslateError {
    /// The filter reads an attribute that has no entry in [`crate::Columns`].
    #[error("attribute `{attribute}` has no column mapping")]
    UnmappedAttribute {
        /// The variable name, e.g. `request.resource.attr.owner`.
        attribute: String,
    },
    /// The filter uses an operator or function this crate does not translate.
    #[error("operator `{operator}` is not supported in SQL")]
    UnsupportedOperator {
        /// The operator or function name.
        operator: String,
    },
    /// A supported operator is applied to operands it cannot translate exactly.
    #[error("`{operator}` is not supported here: {reason}")]
    UnsupportedOperands {
        /// The operator or function name.
        operator: String,
        /// What is wrong with the operands (types, shapes).
        reason: String,
    },
}

impl TranslateError {
    pub(crate) fn operands(operator: &str, reason: impl Into<String>) -> TranslateError {
        TranslateError::UnsupportedOperands {
            operator: operator.to_owned(),
            reason: reason.into(),
        }
    }
}
