//! The rows a list may return: the query plan of a [`Requirement::Filter`] route, made once
//! before the handler and handed to it ([`RowFilter`]), with one `tracing` event per plan.
//!
//! ```
//! use authz_core::{Engine, EngineConfig, PolicySet, Principal};
//! use authz_core::plan::Filter;
//! let engine = Engine::new(PolicySet::from_sources([("p.yaml", "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: R.attr.owner == P.id\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [admin]\n")]).unwrap(), EngineConfig::default());
//! let user = authz_web::plan_rows(&engine, &Principal::new("u1", ["user"]), "doc", "read", || "", tracing::Level::INFO).unwrap();
//! assert!(matches!(user.filter(), Filter::Conditional(_)));
//! let admin = authz_web::plan_rows(&engine, &Principal::new("a", ["admin"]), "doc", "read", || "", tracing::Level::INFO).unwrap();
//! assert_eq!(admin.filter(), &Filter::AlwaysAllowed);
//! let guest = authz_web::plan_rows(&engine, &Principal::new("g", ["guest"]), "doc", "read", || "", tracing::Level::INFO).unwrap();
//! assert_eq!(guest.filter(), &Filter::AlwaysDenied);
//! ```

use authz_core::plan::{Filter, PlanError, PlanInput, PlanOutput};
use authz_core::{Engine, Principal, Resource};

#[cfg(doc)]
use crate::Requirement;

/// Which resources of a kind the principal may do the rows action on, as planned by the
/// engine before the handler of a [`Requirement::Filter`] route ran.
///
/// Run [`RowFilter::filter`] as the `WHERE` of the list query (`authz-sql` turns it into a
/// sea-query condition), or test rows in memory with [`Filter::matches`]. An
/// [`Filter::AlwaysDenied`] filter means an empty list, not an error: the principal passed the
/// route's check but may see none of the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RowFilter {
    output: PlanOutput,
}

impl RowFilter {
    /// Wraps a plan (adapters build it with [`plan_rows`]).
    pub fn new(output: PlanOutput) -> Self {
        RowFilter { output }
    }

    /// The filter over resource attributes.
    pub fn filter(&self) -> &Filter {
        &self.output.filter
    }

    /// The whole plan output (`filterDebug`, validation errors, …).
    pub fn output(&self) -> &PlanOutput {
        &self.output
    }

    /// The plan output, by value.
    pub fn into_output(self) -> PlanOutput {
        self.output
    }
}

/// How a plan reads in the decision event.
fn filter_kind(f: &Filter) -> &'static str {
    match f {
        Filter::AlwaysAllowed => "always_allowed",
        Filter::AlwaysDenied => "always_denied",
        Filter::Conditional(_) => "conditional",
    }
}

/// Plans which `kind` resources `principal` may `rows_action`, and logs the plan as one
/// `tracing` event at `level` with message `authz plan` and the fields `principal`,
/// `resource.kind`, `action`, `filter` (`always_allowed`, `always_denied`, `conditional`)
/// and `request_id`. A refused plan is logged at `ERROR` with the planner's reason.
///
/// # Errors
/// The planner's [`PlanError`] when it cannot express the policies as a filter exactly:
/// adapters answer 500 (fail closed), never a wider list.
pub fn plan_rows<'r>(
    engine: &Engine,
    principal: &Principal,
    kind: &str,
    rows_action: &str,
    request_id: impl Fn() -> &'r str,
    level: tracing::Level,
) -> Result<RowFilter, PlanError> {
    let input = PlanInput::new(principal.clone(), Resource::new(kind, ""), [rows_action]);
    match engine.plan(&input) {
        Ok(output) => {
            log_plan(level, principal, kind, rows_action, &request_id, &output);
            Ok(RowFilter::new(output))
        }
        Err(error) => {
            tracing::error!(
                principal = principal.id(),
                resource.kind = kind,
                action = rows_action,
                request_id = request_id(),
                %error,
                "authz plan refused; failing closed"
            );
            Err(error)
        }
    }
}

fn log_plan<'r>(
    level: tracing::Level,
    principal: &Principal,
    kind: &str,
    action: &str,
    request_id: &dyn Fn() -> &'r str,
    output: &PlanOutput,
) {
    macro_rules! emit {
        ($lvl:expr) => {
            tracing::event!(
                $lvl,
                principal = principal.id(),
                resource.kind = kind,
                action,
                filter = filter_kind(&output.filter),
                request_id = request_id(),
                "authz plan"
            )
        };
    }
    match level {
        tracing::Level::ERROR => emit!(tracing::Level::ERROR),
        tracing::Level::WARN => emit!(tracing::Level::WARN),
        tracing::Level::INFO => emit!(tracing::Level::INFO),
        tracing::Level::DEBUG => emit!(tracing::Level::DEBUG),
        _ => emit!(tracing::Level::TRACE),
    }
}
