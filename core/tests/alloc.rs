//! Heap allocations of one decision, counted with `dhat` as the global allocator.
//!
//! The goal for a pure RBAC check is zero heap allocations; the bounds below are today's counts,
//! so that a change that allocates more fails here. Lower a bound when the engine improves.
//! `BENCHMARKS.md` (repository root) lists what allocates and how each could be removed.
//!
//! To see the call sites, write one DHAT profile per case and open them in DHAT's viewer
//! (`dh_view.html` from valgrind) or read the JSON:
//!
//! ```text
//! AUTHZ_ALLOC_PROFILE=/tmp/allocs cargo test -p authz-core --test alloc
//! ```
//!
//! Only one `dhat::Profiler` may run at a time, so this file holds a single `#[test]`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::path::PathBuf;

use authz_core::{CheckInput, Effect, Engine, EngineConfig, PolicySet, Principal, Resource};
use chrono::{TimeZone, Utc};
use serde_json::json;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const POLICY: &str = r#"
apiVersion: api.cerbos.dev/v1
resourcePolicy:
  resource: document
  version: default
  rules:
    - name: user-view
      actions: [view]
      effect: EFFECT_ALLOW
      roles: [user]
    - name: same-department-edit
      actions: [edit]
      effect: EFFECT_ALLOW
      roles: [user]
      condition:
        match:
          expr: P.attr.department == R.attr.department
"#;

/// What one measured call allocated.
#[derive(Debug, Clone, Copy)]
struct Allocs {
    /// Allocations, reallocations included.
    blocks: u64,
    bytes: u64,
}

/// Runs `f` once under a fresh profiler and returns what it allocated. With
/// `AUTHZ_ALLOC_PROFILE=dir` set, also writes `dir/<case>.json` (a DHAT profile with backtraces).
fn measure<R>(case: &str, f: impl FnOnce() -> R) -> (R, Allocs) {
    let profiler = match std::env::var_os("AUTHZ_ALLOC_PROFILE") {
        Some(dir) => dhat::Profiler::builder()
            .file_name(PathBuf::from(dir).join(format!("{case}.json")))
            .trim_backtraces(Some(40))
            .build(),
        None => dhat::Profiler::builder().testing().build(),
    };
    let before = dhat::HeapStats::get();
    let out = black_box(f());
    let after = dhat::HeapStats::get();
    drop(profiler);
    let allocs = Allocs {
        blocks: after.total_blocks - before.total_blocks,
        bytes: after.total_bytes - before.total_bytes,
    };
    (out, allocs)
}

#[test]
fn allocations_per_check_stay_within_todays_counts() {
    let set = PolicySet::from_sources([("document.yaml", POLICY)]).unwrap();
    let engine = Engine::new(set, EngineConfig::default());
    let principal = Principal::new("alice", ["user"]).with_attr("department", json!("sales"));
    let resource = Resource::new("document", "d1").with_attr("department", json!("sales"));
    let view = CheckInput::new(principal.clone(), resource.clone(), ["view"]);
    let delete = CheckInput::new(principal.clone(), resource.clone(), ["delete"]);
    let edit = CheckInput::new(principal, resource, ["edit"]);
    let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();

    // Warm-up: lazily built statics (the CEL root context) and the cached CEL views of `edit`.
    for i in [&view, &delete, &edit] {
        drop(engine.check(i));
        drop(engine.check_at(std::slice::from_ref(i), now));
    }
    let edit_fresh = edit.clone(); // a clone has no cached CEL view

    let (out, rbac_allow) = measure("rbac_allow_check", || engine.check(&view));
    assert_eq!(out.effect("view"), Effect::Allow);
    let (out, rbac_allow_at) = measure("rbac_allow_check_at", || {
        engine.check_at(std::slice::from_ref(&view), now)
    });
    assert_eq!(out[0].effect("view"), Effect::Allow);
    let (out, rbac_deny) = measure("rbac_deny_check", || engine.check(&delete));
    assert_eq!(out.effect("delete"), Effect::Deny);
    assert_eq!(out.actions["delete"].policy, "resource.document.vdefault");
    let (out, cond_cached) = measure("one_condition_cached", || engine.check(&edit));
    assert_eq!(out.effect("edit"), Effect::Allow);
    let (out, cond_fresh) = measure("one_condition_fresh", || engine.check(&edit_fresh));
    assert_eq!(out.effect("edit"), Effect::Allow);

    for (case, a) in [
        ("rbac allow, check", rbac_allow),
        ("rbac allow, check_at", rbac_allow_at),
        ("rbac deny (no match), check", rbac_deny),
        ("one condition, cached P/R, check", cond_cached),
        ("one condition, fresh P/R, check", cond_fresh),
    ] {
        eprintln!("{case:36} {:3} allocations, {:5} bytes", a.blocks, a.bytes);
    }

    // Upper bounds = today's counts; the goal for RBAC is 0. Call sites (DHAT backtraces):
    // RBAC allow, 7 = the response itself:
    //   1. `Engine::check_at` collects a `Vec<CheckOutput>` that `check` then pops;
    //   2-3. `IndexMap::with_capacity` for `CheckOutput::actions`: entries `Vec` + hash table;
    //   4. the action key, `a.to_string()`;
    //   5. `ActionDecision::policy`, `o.policy.to_string()`;
    //   6. `ActionDecision::rule`, `o.rule.map(str::to_string)` (absent on a no-match deny);
    //   7. `CheckOutput::resource_id`, `input.resource.id().to_string()`.
    // RBAC deny (no match), 6: the same minus the rule name.
    assert!(rbac_allow.blocks <= 7, "{rbac_allow:?}");
    assert!(rbac_allow_at.blocks <= 7, "{rbac_allow_at:?}");
    assert!(rbac_deny.blocks <= 6, "{rbac_deny:?}");
    // One condition with cached `P`/`R`, 12 = the 7 above plus
    //   8. the `now()` timestamp `Box` (`Clock::get`), built although the condition never
    //      reads `now()`;
    //   9-12. inside `cel` 0.15, per select chain (`P.attr.department`, `R.attr.department`):
    //      `Expr::qualified_name_segments` (a `Vec`) and `Context::resolve_qualified`
    //      (`segments.join(".")`).
    assert!(cond_cached.blocks <= 12, "{cond_cached:?}");
    // With fresh `P`/`R`, 115: building the two CEL views adds 103 (`values::message_val`
    // builds a `cel::Value` map, then `Box<dyn Val>::try_from` converts the whole tree again).
    assert!(cond_fresh.blocks <= 115, "{cond_fresh:?}");
    // Sanity: building `P` and `R` costs allocations, so the fresh count is the larger one.
    assert!(cond_fresh.blocks > cond_cached.blocks);
    // The timestamp of `now()` is only built when a condition reads it.
    assert!(cond_cached.blocks <= 11, "{cond_cached:?}");

    // In the same test: dhat counts every thread, so parallel tests would pollute the counts.
    rbac_decisions_through_decide_with_allocate_nothing();
    condition_shapes_allocate_little();
}

/// The ten common condition shapes of `benches/conditions.rs`: allocations of one decision
/// through `decide_with`, with `P`/`R` already built. The bound per shape is today's count:
/// attribute reads allocate nothing; what remains is inside `cel` 0.15 (list literals are
/// built per evaluation, function calls collect their arguments into a `Vec`, comprehensions
/// open a scope per iteration).
fn condition_shapes_allocate_little() {
    let shapes: [(&str, &str, u64); 10] = [
        ("attr_equality", "R.attr.owner == P.id", 0),
        ("in_list", "R.attr.status in [\"draft\", \"submitted\"]", 6),
        (
            "has_intersection",
            "hasIntersection(P.attr.teams, R.attr.teams)",
            6,
        ),
        ("starts_with", "R.attr.path.startsWith(\"/finance/\")", 2),
        (
            "time_since",
            "timeSince(timestamp(R.attr.created)) < duration(\"876000h\")",
            13,
        ),
        (
            "exists_short_list",
            "R.attr.reviewers.exists(r, r == P.id)",
            35,
        ),
        ("matches", "R.attr.code.matches(\"^[A-Z]{3}-[0-9]+$\")", 2),
        ("nested_map", "R.attr.meta.owner.region == P.attr.region", 0),
        ("in_ip_range", "P.attr.ip.inIPAddrRange(\"10.0.0.0/8\")", 2),
        (
            "cel_bind",
            "cel.bind(r, R.attr.meta.owner, r.region == P.attr.region && r.id == P.id)",
            13,
        ),
    ];
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
    let aux = authz_core::AuxData::default();
    for (name, expr, bound) in shapes {
        let text = format!(
            "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  rules:\n    - actions: [act]\n      effect: EFFECT_ALLOW\n      roles: [user]\n      condition:\n        match:\n          expr: '{}'\n",
            expr.replace('\'', "''")
        );
        let engine = Engine::new(
            PolicySet::from_sources([("p.yaml", text)]).unwrap(),
            EngineConfig::default(),
        );
        let decide = || engine.decide_with(&principal, &resource, "act", &aux, |d| d.effect);
        assert_eq!(decide(), Effect::Allow, "{name}");
        let (effect, a) = measure(name, decide);
        assert_eq!(effect, Effect::Allow);
        eprintln!(
            "condition {name:20} {:3} allocations, {:5} bytes",
            a.blocks, a.bytes
        );
        assert!(a.blocks <= bound, "{name}: {a:?}");
    }
}

/// The request-path API, `Engine::decide_with`, builds no response: an RBAC decision, allowed
/// or denied, allocates nothing at all.
fn rbac_decisions_through_decide_with_allocate_nothing() {
    let set = PolicySet::from_sources([("document.yaml", POLICY)]).unwrap();
    let engine = Engine::new(set, EngineConfig::default());
    let principal = Principal::new("alice", ["user"]).with_attr("department", json!("sales"));
    let resource = Resource::new("document", "d1").with_attr("department", json!("sales"));
    let aux = authz_core::AuxData::default();
    let decide = |action: &str| {
        engine.decide_with(&principal, &resource, action, &aux, |d| {
            (d.effect, d.policy.len(), d.rule.is_some())
        })
    };
    // Warm-up: lazily built statics.
    let _ = decide("view");
    let _ = decide("delete");
    let ((effect, policy_len, has_rule), allow) =
        measure("rbac_allow_decide_with", || decide("view"));
    assert_eq!(effect, Effect::Allow);
    assert_eq!(policy_len, "resource.document.vdefault".len());
    assert!(has_rule);
    let ((effect, _, has_rule), deny) = measure("rbac_deny_decide_with", || decide("delete"));
    assert_eq!(effect, Effect::Deny);
    assert!(!has_rule);
    eprintln!("rbac allow, decide_with {:3} allocations", allow.blocks);
    eprintln!("rbac deny, decide_with  {:3} allocations", deny.blocks);
    assert_eq!(allow.blocks, 0, "{allow:?}");
    assert_eq!(deny.blocks, 0, "{deny:?}");
}
