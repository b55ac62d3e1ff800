//! Plans the expense list endpoint N times: a fixed workload for instruction counting
//! (`valgrind --tool=callgrind target/release/examples/plan_cost 1000`), which, unlike wall
//! time, is repeatable on a busy machine.
#![allow(clippy::unwrap_used)]

use authz_core::plan::PlanInput;
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use chrono::{TimeZone, Utc};
use serde_json::json;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies");
    let e = Engine::new(PolicySet::from_dir(dir).unwrap(), EngineConfig::default());
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let p = Principal::new("max", ["manager", "user"]).with_attr("region", json!("us"));
    let input = PlanInput::new(p, Resource::new("expense", ""), ["read"]);
    let mut conditional = 0;
    for _ in 0..n {
        let i = input.clone();
        if e.plan_at(&i, now).unwrap().filter.condition().is_some() {
            conditional += 1;
        }
    }
    println!("{conditional} conditional plans");
}
