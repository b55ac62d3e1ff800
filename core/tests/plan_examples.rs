//! Plans for the README's expense policies: the shapes a reader expects, and the law
//! (filter passes exactly what `check` allows) on a grid of reports.
#![allow(clippy::unwrap_used, reason = "test failures")]

use authz_core::plan::{Filter, PlanInput};
use authz_core::{CheckInput, Effect, Engine, EngineConfig, PolicySet, Principal, Resource};
use serde_json::json;

fn engine() -> Engine {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies");
    Engine::new(PolicySet::from_dir(dir).unwrap(), EngineConfig::default())
}

fn principals() -> Vec<Principal> {
    vec![
        Principal::new("ada", ["admin"]),
        Principal::new("alice", ["user"]).with_attr("region", json!("eu")),
        Principal::new("mia", ["manager"]).with_attr("region", json!("eu")),
        Principal::new("max", ["manager", "user"]).with_attr("region", json!("us")),
        Principal::new("nobody", ["guest"]),
        Principal::new("mia2", ["manager"]),
    ]
}

fn reports() -> Vec<Resource> {
    let mut out = Vec::new();
    let owners = [
        None,
        Some(json!("alice")),
        Some(json!("mia")),
        Some(json!("max")),
        Some(json!(null)),
    ];
    let regions = [None, Some(json!("eu")), Some(json!("us")), Some(json!(7))];
    let statuses = [None, Some(json!("approved")), Some(json!("draft"))];
    let mut i = 0;
    for o in &owners {
        for r in &regions {
            for s in &statuses {
                let mut res = Resource::new("expense", format!("e{i}"));
                i += 1;
                if let Some(o) = o {
                    res = res.with_attr("owner", o.clone());
                }
                if let Some(r) = r {
                    res = res.with_attr("region", r.clone());
                }
                if let Some(s) = s {
                    res = res.with_attr("status", s.clone());
                }
                out.push(res);
            }
        }
    }
    out
}

#[test]
fn expense_plans_read_as_expected() {
    let e = engine();
    let plan = |p: Principal, action: &str| {
        e.plan(&PlanInput::new(p, Resource::new("expense", ""), [action]))
            .unwrap()
    };
    assert_eq!(
        plan(Principal::new("ada", ["admin"]), "read").filter,
        Filter::AlwaysAllowed
    );
    assert_eq!(
        plan(Principal::new("alice", ["user"]), "read").filter_debug(),
        r#"(eq request.resource.attr.owner "alice")"#
    );
    let nobody = plan(Principal::new("x", ["guest"]), "read");
    assert_eq!(nobody.filter, Filter::AlwaysDenied);
    let mia = plan(
        Principal::new("mia", ["manager"]).with_attr("region", json!("eu")),
        "approve",
    );
    println!("mia approve: {}", mia.filter_debug());
    assert!(matches!(mia.filter, Filter::Conditional(_)));
}

#[test]
fn expense_plans_pass_exactly_what_check_allows() {
    let e = engine();
    let actions = ["read", "update", "delete", "approve", "create", "list"];
    let mut cells = 0;
    for p in principals() {
        for a in actions {
            let plan = e
                .plan(&PlanInput::new(
                    p.clone(),
                    Resource::new("expense", ""),
                    [a],
                ))
                .unwrap();
            for r in reports() {
                let out = e.check(&CheckInput::new(p.clone(), r.clone(), [a]));
                let allowed = out.actions.get(a).map(|d| d.effect) == Some(Effect::Allow);
                let passes = plan.filter.matches(&r).unwrap();
                assert_eq!(
                    passes,
                    allowed,
                    "{} {a} {:?}: plan {} says {passes}, check says {allowed}",
                    p.id(),
                    r.attr(),
                    plan.filter_debug()
                );
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 6 * 6 * 60);
}
