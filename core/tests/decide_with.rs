//! `Engine::decide_with` (the single-action request path, which evaluates derived roles only
//! when a rule's gate consults them) agrees with `Engine::check` (which evaluates every derived
//! role of a visited scope, to list them) on every cell of the expense matrix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use authz_core::{
    AuxData, CheckInput, Effect, Engine, EngineConfig, PolicySet, Principal, Resource,
};
use serde_json::json;

fn engine() -> Engine {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies");
    Engine::new(PolicySet::from_dir(dir).unwrap(), EngineConfig::default())
}

fn principals() -> Vec<Principal> {
    vec![
        Principal::new("ada", ["admin"]),
        Principal::new("alice", ["user"]).with_attr("region", json!("eu")),
        Principal::new("bob", ["user"]).with_attr("region", json!("us")),
        Principal::new("mia", ["manager"]).with_attr("region", json!("eu")),
        Principal::new("max", ["manager"]).with_attr("region", json!("us")),
        Principal::new("eve", ["manager", "user"]),
    ]
}

fn resources() -> Vec<Resource> {
    let r = |id: &str, owner: &str, region: &str, status: &str| {
        Resource::new("expense", id)
            .with_attr("owner", json!(owner))
            .with_attr("region", json!(region))
            .with_attr("status", json!(status))
    };
    vec![
        r("e1", "alice", "eu", "draft"),
        r("e2", "alice", "eu", "approved"),
        r("e3", "mia", "eu", "draft"),
        r("e4", "bob", "us", "draft"),
        // Kind-level checks carry no attributes at all.
        Resource::new("expense", ""),
    ]
}

const ACTIONS: [&str; 6] = ["create", "read", "update", "delete", "approve", "list"];

#[test]
fn decide_with_agrees_with_check_on_every_cell() {
    let engine = engine();
    let aux = AuxData::default();
    let mut cells = 0;
    for p in principals() {
        for r in resources() {
            let full = engine.check(&CheckInput::new(p.clone(), r.clone(), ACTIONS));
            for a in ACTIONS {
                let (effect, policy, rule) = engine.decide_with(&p, &r, a, &aux, |d| {
                    (d.effect, d.policy.to_string(), d.rule.map(str::to_string))
                });
                let want = &full.actions[a];
                assert_eq!(effect, want.effect, "{} {} {a}", p.id(), r.id());
                assert_eq!(policy, want.policy, "{} {} {a}", p.id(), r.id());
                assert_eq!(rule, want.rule, "{} {} {a}", p.id(), r.id());
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 6 * 5 * 6);
}

#[test]
fn kind_level_checks_on_the_request_path_record_no_errors() {
    // `create` and `list` are decided by role alone: the derived roles `owner` and
    // `regional_manager`, whose conditions read attributes a kind-level resource lacks, are
    // never consulted, so nothing fails and nothing is logged.
    let engine = engine();
    let kind = Resource::new("expense", "");
    for p in principals() {
        for a in ["create", "list"] {
            let errors = engine.decide_with(&p, &kind, a, &AuxData::default(), |d| {
                d.evaluation_errors.len()
            });
            assert_eq!(errors, 0, "{} {a}", p.id());
        }
    }
    // The full check still evaluates every derived role of the scope (to list the active
    // ones), and so records the missing attributes.
    let out = engine.check(&CheckInput::new(principals()[1].clone(), kind, ["create"]));
    assert_eq!(out.effect("create"), Effect::Allow);
    assert!(!out.evaluation_errors.is_empty());
}
