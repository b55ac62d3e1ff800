//! Decision-latency benchmarks for `authz-core` (see `BENCHMARKS.md` at the repository root).
//!
//! Run with `cargo bench -p authz-core --bench check`. Every policy set, engine and request is
//! built outside the timed closure; the timed part is the public API call (`Engine::check`,
//! `Engine::check_at` or `Engine::check_resources`), including the response it returns.
//!
//! Requests come in up to three flavours, because `Principal` and `Resource` cache their CEL
//! view (`P`, `R`) after the first condition reads them:
//! - `cached`: the same request object every iteration, so the CEL views are built once and
//!   reused (the best case: a batch, or a retried request);
//! - `fresh`: a new, never-evaluated clone of the request every iteration, built outside the
//!   timed part (cloning drops the cache), so the timed part includes building `P` and `R`;
//! - `construct`: building the request from string literals inside the timed part as well,
//!   what a service does after decoding a request.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::Duration;

use authz_core::{
    AuxData, CheckInput, Effect, Engine, EngineConfig, PolicySet, Principal, Resource,
};
use chrono::{DateTime, TimeZone, Utc};
use criterion::{criterion_main, BatchSize, Criterion};
use serde_json::json;

/// A resource policy for `document`: `view` is plain RBAC for `user`.
const RBAC_POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: document
  version: default
  rules:
    - name: user-view
      actions: [view]
      effect: EFFECT_ALLOW
      roles: [user]
"#;

/// A resource policy for `document`: `edit` needs the same department.
const CONDITION_POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: document
  version: default
  rules:
    - name: same-department-edit
      actions: [edit]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: P.attr.department == R.attr.department
"#;

/// A fixed `now()` for `check_at`, so the clock read is not part of the figure.
fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn engine(sources: Vec<(String, String)>) -> Engine {
    let set = PolicySet::from_sources(sources).expect("benchmark policies compile");
    Engine::new(set, EngineConfig::default())
}

fn one(path: &str, text: &str) -> Vec<(String, String)> {
    vec![(path.to_string(), text.to_string())]
}

fn alice() -> Principal {
    Principal::new("alice", ["user"]).with_attr("department", json!("sales"))
}

fn doc(id: &str) -> Resource {
    Resource::new("document", id).with_attr("department", json!("sales"))
}

fn input(action: &str) -> CheckInput {
    CheckInput::new(alice(), doc("d1"), [action])
}

/// `n` policies that never apply to a `user` checking `document`: resource policies for other
/// kinds (other roles, other actions, some conditional), derived roles they import, principal
/// policies for other principals and role policies for other roles, in a 7:1:1:1 mix.
fn unrelated(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let text = match i % 10 {
                7 => format!(
                    r#"apiVersion: api.cerbos.dev/v1
derivedRoles:
  name: roles_{i}
  definitions:
    - name: owner_{i}
      parentRoles: [member_{i}]
      condition:
        match:
          expr: R.attr.owner == P.id
"#
                ),
                8 => format!(
                    r#"apiVersion: api.cerbos.dev/v1
principalPolicy:
  principal: someone_{i}
  version: default
  rules:
    - resource: kind_{i}
      actions:
        - action: "act_{i}"
          effect: EFFECT_ALLOW
          condition:
            match:
              expr: R.attr.team == "finance"
        - action: delete
          effect: EFFECT_DENY
"#
                ),
                9 => format!(
                    r#"apiVersion: api.cerbos.dev/v1
rolePolicy:
  role: custom_{i}
  parentRoles: [member_{i}]
  rules:
    - resource: kind_{i}
      allowActions: [view, "act_{i}"]
      condition:
        match:
          expr: R.attr.visibility == "shared"
"#
                ),
                // Resource policies; the one after a derived-roles policy imports it.
                k => {
                    let import = if k == 0 && i >= 10 {
                        format!(
                            "  importDerivedRoles: [roles_{}]\n",
                            i - 3
                        )
                    } else {
                        String::new()
                    };
                    let derived_rule = if import.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "    - actions: [edit]\n      effect: EFFECT_ALLOW\n      derivedRoles: [owner_{}]\n",
                            i - 3
                        )
                    };
                    format!(
                        r#"apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: kind_{i}
  version: default
{import}  rules:
    - actions: [view, "act_{i}"]
      effect: EFFECT_ALLOW
      roles: [role_{i}, member_{i}]
    - actions: [edit]
      effect: EFFECT_ALLOW
      roles: [role_{i}]
      condition:
        match:
          expr: P.attr.department == R.attr.department && R.attr.level < {i}
    - actions: ["*"]
      effect: EFFECT_DENY
      roles: [blocked_{i}]
{derived_rule}"#
                    )
                }
            };
            (format!("unrelated/p{i:04}.yaml"), text)
        })
        .collect()
}

/// `n` unrelated policies plus the conditional `document` policy, which comes last.
fn store(n: usize) -> Vec<(String, String)> {
    let mut s = unrelated(n);
    s.push(("document.yaml".to_string(), CONDITION_POLICY.to_string()));
    s
}

fn assert_effect(engine: &Engine, input: &CheckInput, action: &str, want: Effect) {
    let out = engine.check(input);
    assert_eq!(out.effect(action), want, "{action}: {out:?}");
    let out = engine.check_at(std::slice::from_ref(input), fixed_now());
    assert_eq!(out[0].effect(action), want, "{action} (check_at): {out:?}");
}

/// `cached` / `fresh` / `check_at` variants of one check.
fn variants(c: &mut Criterion, group: &str, engine: &Engine, input: &CheckInput) {
    let mut g = c.benchmark_group(group);
    let now = fixed_now();
    g.bench_function("cached/check", |b| {
        b.iter(|| engine.check(black_box(input)))
    });
    g.bench_function("cached/check_at", |b| {
        b.iter(|| engine.check_at(black_box(std::slice::from_ref(input)), black_box(now)))
    });
    g.bench_function("fresh/check", |b| {
        b.iter_batched_ref(
            || input.clone(),
            |i| engine.check(black_box(i)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn rbac(c: &mut Criterion) {
    let engine = engine(one("document.yaml", RBAC_POLICY));
    let allow = input("view");
    let deny = input("delete");
    assert_effect(&engine, &allow, "view", Effect::Allow);
    assert_effect(&engine, &deny, "delete", Effect::Deny);
    variants(c, "rbac/allow", &engine, &allow);
    variants(c, "rbac/deny_no_match", &engine, &deny);
}

fn one_condition(c: &mut Criterion) {
    let engine = engine(one("document.yaml", CONDITION_POLICY));
    let allow = input("edit");
    assert_effect(&engine, &allow, "edit", Effect::Allow);
    variants(c, "one_condition", &engine, &allow);
    let mut g = c.benchmark_group("one_condition");
    g.bench_function("construct/check", |b| {
        b.iter(|| {
            let i = CheckInput::new(
                Principal::new(black_box("alice"), ["user"])
                    .with_attr("department", json!(black_box("sales"))),
                Resource::new("document", black_box("d1"))
                    .with_attr("department", json!(black_box("sales"))),
                ["edit"],
            );
            engine.check(&i)
        })
    });
    g.bench_function("construct_only", |b| {
        b.iter(|| {
            CheckInput::new(
                Principal::new(black_box("alice"), ["user"])
                    .with_attr("department", json!(black_box("sales"))),
                Resource::new("document", black_box("d1"))
                    .with_attr("department", json!(black_box("sales"))),
                ["edit"],
            )
        })
    });
    g.finish();
}

fn stores(c: &mut Criterion) {
    for n in [10, 1000] {
        let engine = engine(store(n));
        assert_eq!(engine.policies().len(), n + 1);
        let allow = input("edit");
        let deny = input("delete");
        assert_effect(&engine, &allow, "edit", Effect::Allow);
        assert_effect(&engine, &deny, "delete", Effect::Deny);
        let mut g = c.benchmark_group(format!("store_{n}"));
        g.bench_function("cached/check", |b| {
            b.iter(|| engine.check(black_box(&allow)))
        });
        g.bench_function("fresh/check", |b| {
            b.iter_batched_ref(
                || allow.clone(),
                |i| engine.check(black_box(i)),
                BatchSize::SmallInput,
            )
        });
        g.bench_function("deny_no_match/check", |b| {
            b.iter(|| engine.check(black_box(&deny)))
        });
        g.finish();
    }
}

fn batch_100(c: &mut Criterion) {
    let engine = engine(one("document.yaml", CONDITION_POLICY));
    let principal = alice();
    let resources: Vec<Resource> = (0..100).map(|i| doc(&format!("d{i}"))).collect();
    let actions = vec!["edit".to_string()];
    let aux = AuxData::default();
    let run = |p: &Principal, rs: &[Resource]| {
        engine.check_resources(p, rs.iter().map(|r| (r, actions.as_slice())), &aux)
    };
    let outs = run(&principal, &resources);
    assert_eq!(outs.len(), 100);
    assert!(outs.iter().all(|o| o.is_allowed("edit")));

    let mut g = c.benchmark_group("batch_100");
    g.bench_function("cached/check_resources", |b| {
        b.iter(|| run(black_box(&principal), black_box(&resources)))
    });
    g.bench_function("fresh/check_resources", |b| {
        b.iter_batched_ref(
            || (principal.clone(), resources.clone()),
            |(p, rs)| run(black_box(p), black_box(rs)),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn expense_matrix(c: &mut Criterion) {
    let set = PolicySet::from_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../policies"))
        .expect("repository policies compile");
    let engine = Engine::new(set, EngineConfig::default());
    let admin = Principal::new("ada", ["admin"]);
    let mia = Principal::new("mia", ["manager"]).with_attr("region", json!("eu"));
    let expense = |id: &str, owner: &str| {
        Resource::new("expense", id)
            .with_attr("owner", json!(owner))
            .with_attr("region", json!("eu"))
            .with_attr("status", json!("draft"))
    };
    let cells = [
        (
            "admin_read",
            CheckInput::new(admin, expense("e1", "alice"), ["read"]),
            Effect::Allow,
        ),
        (
            "manager_approve",
            CheckInput::new(mia.clone(), expense("e1", "alice"), ["approve"]),
            Effect::Allow,
        ),
        (
            "manager_approve_own",
            CheckInput::new(mia, expense("e3", "mia"), ["approve"]),
            Effect::Deny,
        ),
    ];
    let mut g = c.benchmark_group("expense_matrix");
    for (name, input, want) in &cells {
        assert_effect(&engine, input, &input.actions[0], *want);
        g.bench_function(format!("{name}/cached"), |b| {
            b.iter(|| engine.check(black_box(input)))
        });
        g.bench_function(format!("{name}/fresh"), |b| {
            b.iter_batched_ref(
                || input.clone(),
                |i| engine.check(black_box(i)),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

fn compile(c: &mut Criterion) {
    let sources = store(1000);
    let mut g = c.benchmark_group("compile");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(5));
    // The set is dropped outside the timed part: this is compile time, not teardown.
    g.bench_function("from_sources_1000", |b| {
        b.iter_with_large_drop(|| {
            let files = black_box(&sources)
                .iter()
                .map(|(p, t)| (p.as_str(), t.as_str()));
            PolicySet::from_sources(files).expect("compiles")
        })
    });
    g.finish();
}

/// The harness, in a private module: `criterion_group!` generates an undocumented `pub fn`.
mod harness {
    use super::{batch_100, compile, expense_matrix, one_condition, rbac, stores};
    use criterion::{criterion_group, Criterion};
    use std::time::Duration;

    criterion_group! {
        name = benches;
        config = Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(3));
        targets = rbac, one_condition, stores, batch_100, expense_matrix, compile
    }
}
criterion_main!(harness::benches);
