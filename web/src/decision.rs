//! One decision, one `tracing` event: [`decide`].
//!
//! ```
//! use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
//! let engine = Engine::new(PolicySet::from_sources([("p.yaml", "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [read]\n      effect: EFFECT_ALLOW\n      roles: [user]\n")]).unwrap(), EngineConfig::default());
//! let (p, r) = (Principal::new("u1", ["user"]), Resource::new("doc", "d1"));
//! assert!(authz_web::decide(&engine, &p, &r, "read", || "req-1", tracing::Level::INFO));
//! assert!(!authz_web::decide(&engine, &p, &r, "delete", || "", tracing::Level::INFO));
//! ```

use std::sync::LazyLock;

use authz_core::{AuxData, DecisionRef, Effect, Engine, Principal, Resource};

/// Auxiliary data of adapter checks: none.
static NO_AUX_DATA: LazyLock<AuxData> = LazyLock::new(AuxData::default);

/// Decides `action` and logs the decision as one `tracing` event at `level`, with message
/// `authz decision` and the fields `principal`, `resource.kind`, `resource.id`, `action`,
/// `effect`, `policy`, `rule` and `request_id`. Returns whether the action is allowed.
///
/// Uses [`Engine::decide_with`]: no allocation on the common path. `request_id` is only
/// called when the event is enabled.
pub fn decide<'r>(
    engine: &Engine,
    principal: &Principal,
    resource: &Resource,
    action: &str,
    request_id: impl Fn() -> &'r str,
    level: tracing::Level,
) -> bool {
    engine.decide_with(principal, resource, action, &NO_AUX_DATA, |d| {
        log_decision(level, principal, resource, action, &request_id, &d);
        d.effect == Effect::Allow
    })
}

fn log_decision<'r>(
    level: tracing::Level,
    principal: &Principal,
    resource: &Resource,
    action: &str,
    request_id: &dyn Fn() -> &'r str,
    d: &DecisionRef<'_>,
) {
    event_at!(
        level,
        principal = principal.id(),
        resource.kind = resource.kind(),
        resource.id = resource.id(),
        action,
        effect = d.effect.as_str(),
        policy = d.policy,
        rule = d.rule.unwrap_or(""),
        request_id = request_id(),
        "authz decision"
    );
}
