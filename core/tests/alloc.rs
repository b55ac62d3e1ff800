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
