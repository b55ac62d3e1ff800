//! Engine settings that change decisions (`policy-format.md` §15).

use cel::common::value::Val;

use crate::eval::values;
use crate::request::Attributes;

/// How a runtime error in a condition is handled (§14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EvaluationMode {
    /// The first error denies the action being evaluated (fail closed). The default.
    #[default]
    Strict,
    /// Cerbos's default: an erroring expression counts as false. A DENY rule whose condition
    /// errors is then skipped (fails open): opt in knowingly.
    CerbosCompat,
}

/// What to do with JSON Schema violations of request attributes (§10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SchemaEnforcement {
    /// Do not validate.
    #[default]
    None,
    /// Validate, report violations, decide normally.
    Warn,
    /// Validate; on violations deny every action without evaluating.
    Reject,
}

/// Settings that change decisions.
///
/// ```
/// use authz_core::{EngineConfig, EvaluationMode};
/// let cfg = EngineConfig { evaluation_mode: EvaluationMode::CerbosCompat, ..EngineConfig::default() };
/// assert_eq!(cfg.default_policy_version, "default");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Version for requests without one (`default`).
    pub default_policy_version: String,
    /// Scope for requests without one (empty: the root).
    pub default_scope: String,
    /// Skip requested scopes that have no policies instead of matching nothing (§11.2).
    pub lenient_scope_search: bool,
    /// The `globals` / `G` map.
    pub globals: Attributes,
    /// Strict (default) or Cerbos-compatible condition errors.
    pub evaluation_mode: EvaluationMode,
    /// Schema validation of attributes.
    pub schema_enforcement: SchemaEnforcement,
    /// Level at which condition evaluation errors are logged with `tracing` (§14.3);
    /// `None` turns that logging off. Default: `WARN`.
    pub evaluation_error_log_level: Option<tracing::Level>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            default_policy_version: "default".to_string(),
            default_scope: String::new(),
            lenient_scope_search: false,
            globals: Attributes::new(),
            evaluation_mode: EvaluationMode::Strict,
            schema_enforcement: SchemaEnforcement::None,
            evaluation_error_log_level: Some(tracing::Level::WARN),
        }
    }
}

/// A config with its CEL values prepared once.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) cfg: EngineConfig,
    pub(crate) globals: Box<dyn Val>,
}

impl Prepared {
    /// Logs runtime errors of one check input at the configured level.
    pub(crate) fn log_errors(&self, resource: &str, errors: &[crate::EvaluationError]) {
        let Some(level) = self.cfg.evaluation_error_log_level else {
            return;
        };
        for e in errors {
            macro_rules! ev {
                ($lvl:expr) => {
                    tracing::event!(
                        $lvl,
                        resource,
                        expression = %e.expression,
                        error = %e.message,
                        "condition evaluation failed"
                    )
                };
            }
            match level {
                tracing::Level::ERROR => ev!(tracing::Level::ERROR),
                tracing::Level::WARN => ev!(tracing::Level::WARN),
                tracing::Level::INFO => ev!(tracing::Level::INFO),
                tracing::Level::DEBUG => ev!(tracing::Level::DEBUG),
                _ => ev!(tracing::Level::TRACE),
            }
        }
    }

    pub(crate) fn new(cfg: EngineConfig) -> Prepared {
        let globals = values::attrs_val(&cfg.globals);
        Prepared { cfg, globals }
    }
}
