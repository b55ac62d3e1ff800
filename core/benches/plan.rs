//! Query-planning latency (see `BENCHMARKS.md`): `Engine::plan_at` for the example service's
//! list endpoint — the README's expense policies (`policies/`), action `read`.
//!
//! Run with `cargo bench -p authz-core --bench plan`. The engine is built outside the timed
//! part; each iteration plans for a fresh clone of the principal (so its CEL view is built
//! inside the timed part, as for a new HTTP request) and returns the whole `PlanOutput`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use authz_core::plan::PlanInput;
use authz_core::{Engine, EngineConfig, PolicySet, Principal, Resource};
use chrono::{TimeZone, Utc};
use criterion::{criterion_main, BatchSize, Criterion};
use serde_json::json;

fn engine() -> Engine {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../policies");
    Engine::new(PolicySet::from_dir(dir).unwrap(), EngineConfig::default())
}

fn bench(c: &mut Criterion) {
    let e = engine();
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut g = c.benchmark_group("plan/expense-list");
    g.measurement_time(Duration::from_secs(4));
    let cases = [
        ("admin (always allowed)", Principal::new("ada", ["admin"])),
        ("user (owner condition)", Principal::new("alice", ["user"])),
        (
            "manager (region, deny own)",
            Principal::new("mia", ["manager"]).with_attr("region", json!("eu")),
        ),
        (
            "manager+user (two roles)",
            Principal::new("max", ["manager", "user"]).with_attr("region", json!("us")),
        ),
    ];
    for (name, p) in cases {
        for action in ["read", "approve"] {
            let input = PlanInput::new(p.clone(), Resource::new("expense", ""), [action]);
            // Sanity: plans succeed.
            e.plan_at(&input, now).unwrap();
            g.bench_function(format!("{action}/{name}"), |b| {
                b.iter_batched(
                    || input.clone(),
                    |i| black_box(e.plan_at(&i, now).unwrap()),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

fn benches() {
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
}

criterion_main!(benches);
