//! The rows a list may return: the query plan of a [`Requirement::Filter`] route, made once
//! before the handler and handed to it ([`RowFilter`]), with one `tracing` event per plan.
//!
//! ```
//! use authz_core::{Engine, EngineConfig, PolicySet, Principal};
//! use authz_core::plan::Filter;
//! let engine = Engine::new(PolicySet::from_sources([("p.yaml", "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: R.attr.owner == P.id\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [admin]\n")]).unwrap(), EngineConfig::default());
//! let plan = |id, role| authz_web::plan_rows(&engine, &Principal::new(id, [role]), "doc", "read", || "req-1", tracing::Level::INFO);
//! let user = plan("u1", "user").unwrap();
//! assert!(matches!(user.filter(), Filter::Conditional(_)));
//! assert_eq!(user.output().request_id, "req-1");
//! assert_eq!(plan("a", "admin").unwrap().filter(), &Filter::AlwaysAllowed);
//! assert_eq!(plan("g", "guest").unwrap().filter(), &Filter::AlwaysDenied);
//! ```

use authz_core::plan::{Filter, PlanError, PlanInput, PlanOutput};
use authz_core::{Engine, Principal, Resource};

#[cfg(doc)]
use crate::Requirement;

/// Which resources of a kind the principal may do the rows action on, as planned by the
/// engine before the handler of a [`Requirement::Filter`] route ran.
///
/// Run [`RowFilter::filter`] as the `WHERE` of the list query (`authz_sql::to_condition`
/// turns it into a sea-query condition), or test rows in memory with [`Filter::matches`]. A
/// [`Filter::AlwaysDenied`] filter means an empty list, not an error: the principal passed the
/// route's check but may see none of the rows.
///
/// A `RowFilter` only comes from the engine: the adapters' check makes it (through
/// [`authorize`](crate::authorize)), and [`plan_rows`] makes one outside a request (for
/// instance to call a list handler in a unit test). There is no constructor from a
/// hand-written [`Filter`].
#[derive(Debug, Clone, PartialEq)]
pub struct RowFilter {
    output: PlanOutput,
}

impl RowFilter {
    /// The filter over resource attributes.
    pub fn filter(&self) -> &Filter {
        &self.output.filter
    }

    /// The whole plan output (`filterDebug`, matched scopes, validation errors, …).
    pub fn output(&self) -> &PlanOutput {
        &self.output
    }

    /// The filter, by value.
    pub fn into_filter(self) -> Filter {
        self.output.filter
    }

    /// The plan output, by value.
    pub fn into_output(self) -> PlanOutput {
        self.output
    }
}

/// How a plan reads in the plan event.
fn filter_kind(f: &Filter) -> &'static str {
    match f {
        Filter::AlwaysAllowed => "always_allowed",
        Filter::AlwaysDenied => "always_denied",
        Filter::Conditional(_) => "conditional",
    }
}

/// Plans which `kind` resources `principal` may `rows_action`, and logs the plan as one
/// `tracing` event at `level` with message `authz plan` and the fields `principal`,
/// `resource.kind`, `action` (the rows action), `filter` (`always_allowed`, `always_denied`
/// or `conditional`) and `request_id`. A refused plan is one `ERROR` event
/// (`authz plan refused`) with the same fields and the planner's reason in `error`.
///
/// The adapters' check ([`authorize`](crate::authorize)) plans a list route's rows the same
/// way (its refusal event also names the method and route).
///
/// # Errors
/// The planner's [`PlanError`] when it cannot express the policies as a filter exactly (or
/// the request is malformed): answer 500 (fail closed), never a wider list.
pub fn plan_rows<'r>(
    engine: &Engine,
    principal: &Principal,
    kind: &str,
    rows_action: &str,
    request_id: impl Fn() -> &'r str,
    level: tracing::Level,
) -> Result<RowFilter, PlanError> {
    plan(engine, principal, kind, rows_action, &request_id, level).inspect_err(|error| {
        tracing::error!(
            principal = principal.id(),
            resource.kind = kind,
            action = rows_action,
            request_id = request_id(),
            %error,
            "authz plan refused"
        );
    })
}

/// [`plan_rows`] without the refusal event, which the caller logs with what it knows.
pub(crate) fn plan<'r>(
    engine: &Engine,
    principal: &Principal,
    kind: &str,
    rows_action: &str,
    request_id: &dyn Fn() -> &'r str,
    level: tracing::Level,
) -> Result<RowFilter, PlanError> {
    let mut input = PlanInput::new(principal.clone(), Resource::new(kind, ""), [rows_action]);
    input.request_id = request_id().to_owned();
    let output = engine.plan(&input)?;
    log_plan(level, principal, kind, rows_action, request_id, &output);
    Ok(RowFilter { output })
}

fn log_plan<'r>(
    level: tracing::Level,
    principal: &Principal,
    kind: &str,
    action: &str,
    request_id: &dyn Fn() -> &'r str,
    output: &PlanOutput,
) {
    // Field values are only computed when the event is enabled.
    event_at!(
        level,
        principal = principal.id(),
        resource.kind = kind,
        action,
        filter = filter_kind(&output.filter),
        request_id = request_id(),
        "authz plan"
    );
}
