//! The ten most common condition shapes, each decided through `Engine::decide_with` (the
//! allocation-free single-action path) with request objects whose CEL views are already built.
//!
//! Run with `cargo bench -p authz-core --bench conditions`. Results are in `BENCHMARKS.md`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use authz_core::{AuxData, Effect, Engine, EngineConfig, PolicySet, Principal, Resource};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

/// (name, condition). Every condition holds for the request below.
const SHAPES: &[(&str, &str)] = &[
    ("attr_equality", "R.attr.owner == P.id"),
    ("in_list", "R.attr.status in [\"draft\", \"submitted\"]"),
    (
        "has_intersection",
        "hasIntersection(P.attr.teams, R.attr.teams)",
    ),
    ("starts_with", "R.attr.path.startsWith(\"/finance/\")"),
    (
        "time_since",
        "timeSince(timestamp(R.attr.created)) < duration(\"876000h\")",
    ),
    ("exists_short_list", "R.attr.reviewers.exists(r, r == P.id)"),
    ("matches", "R.attr.code.matches(\"^[A-Z]{3}-[0-9]+$\")"),
    ("nested_map", "R.attr.meta.owner.region == P.attr.region"),
    ("in_ip_range", "P.attr.ip.inIPAddrRange(\"10.0.0.0/8\")"),
    (
        "cel_bind",
        "cel.bind(r, R.attr.meta.owner, r.region == P.attr.region && r.id == P.id)",
    ),
];

fn policy(expr: &str) -> String {
    format!(
        "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [act]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: '{}'\n",
        expr.replace('\'', "''")
    )
}

fn conditions(c: &mut Criterion) {
    let principal = Principal::new("alice", ["user"])
        .with_attr("teams", json!(["brand", "web"]))
        .with_attr("region", json!("eu"))
        .with_attr("ip", json!("10.1.2.3"));
    let resource = Resource::new("doc", "d1")
        .with_attr("owner", json!("alice"))
        .with_attr("status", json!("draft"))
        .with_attr("teams", json!(["ops", "web"]))
        .with_attr("path", json!("/finance/q3.xlsx"))
        .with_attr("created", json!("2026-01-01T00:00:00Z"))
        .with_attr("reviewers", json!(["bob", "carol", "alice"]))
        .with_attr("code", json!("EXP-1234"))
        .with_attr("meta", json!({"owner": {"id": "alice", "region": "eu"}}));
    let aux = AuxData::default();
    let mut group = c.benchmark_group("conditions");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, expr) in SHAPES {
        let set = PolicySet::from_sources([("p.yaml", policy(expr))]).expect("policy compiles");
        let engine = Engine::new(set, EngineConfig::default());
        // Warm up the CEL views of P and R and check the shape really holds.
        let allowed = engine.decide_with(&principal, &resource, "act", &aux, |d| {
            assert!(
                d.evaluation_errors.is_empty(),
                "{name}: {:?}",
                d.evaluation_errors
            );
            d.effect == Effect::Allow
        });
        assert!(allowed, "{name} must hold for the benchmark request");
        group.bench_function(*name, |b| {
            b.iter(|| {
                engine.decide_with(
                    black_box(&principal),
                    black_box(&resource),
                    "act",
                    &aux,
                    |d| d.effect,
                )
            })
        });
    }
    group.finish();
}

/// Pure RBAC through the allocation-free request path (allowed, and denied by no match).
fn rbac_decide_with(c: &mut Criterion) {
    let set = PolicySet::from_sources([(
        "p.yaml",
        "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [view]\n      effect: EFFECT_ALLOW\n      roles: [user]\n",
    )])
    .expect("policy compiles");
    let engine = Engine::new(set, EngineConfig::default());
    let principal = Principal::new("alice", ["user"]);
    let resource = Resource::new("doc", "d1");
    let aux = AuxData::default();
    let mut group = c.benchmark_group("decide_with");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    for (name, action, expected) in [
        ("rbac_allow", "view", Effect::Allow),
        ("rbac_deny", "delete", Effect::Deny),
    ] {
        let got = engine.decide_with(&principal, &resource, action, &aux, |d| d.effect);
        assert_eq!(got, expected);
        group.bench_function(name, |b| {
            b.iter(|| {
                engine.decide_with(
                    black_box(&principal),
                    black_box(&resource),
                    action,
                    &aux,
                    |d| d.effect,
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, rbac_decide_with, conditions);
criterion_main!(benches);
