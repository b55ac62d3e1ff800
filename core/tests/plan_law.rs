//! The planner's law on random policies: for every resource, the plan's filter passes it
//! exactly when `check` allows.
//!
//! Seeded generator: random conditions (comparisons, membership, presence, string and list
//! functions, arithmetic, principal-only parts, variables, constants, `&&`/`||`/`!`/`?:`,
//! `all`/`any`/`none` blocks), random rules (ALLOW/DENY, roles, derived roles with
//! conditions), an optional scoped policy with either scope permission, an optional
//! principal policy and role policy; random resources with missing, `null` and mistyped
//! attributes. A refusal (`PlanError::Unsupported`) is allowed and counted; a mismatch
//! fails with the policies, the plan and the resource.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]

use authz_core::plan::{PlanError, PlanInput};
use authz_core::{
    CheckInput, Effect, Engine, EngineConfig, EvaluationMode, PolicySet, Principal, Resource,
};
use serde_json::{json, Value as Json};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const ATOMS: &[&str] = &[
    r#"R.attr.s == "a""#,
    r#"R.attr.s != "b""#,
    r#"R.attr.s == P.attr.s"#,
    r#"R.attr.n > 1"#,
    r#"R.attr.n <= P.attr.n"#,
    r#"R.attr.n == 2"#,
    r#"R.attr.n >= 2.5"#,
    r#"R.attr.b"#,
    r#"!R.attr.b"#,
    r#"R.attr.b == true"#,
    r#"has(R.attr.s)"#,
    r#"has(R.attr.n)"#,
    r#"R.attr.s in ["a", "b"]"#,
    r#"R.attr.s in P.attr.list"#,
    r#"R.attr.s in []"#,
    r#"!(R.attr.s in [])"#,
    r#"R.attr.l.exists(x, x == "a")"#,
    r#"P.attr.list.exists(x, x == R.attr.s)"#,
    r#"R.attr.l.all(x, x != "c")"#,
    r#""a" in R.attr.l"#,
    r#"R.attr.s.startsWith("a")"#,
    r#"R.attr.s.contains(P.attr.s)"#,
    r#"size(R.attr.s) == 1"#,
    r#"R.attr.n + 1 == 3.0"#,
    r#"R.attr.s == null"#,
    r#"R.attr.s != null"#,
    r#"R.attr.missing == 1"#,
    r#"P.attr.s == "a""#,
    r#"P.attr.missing == 1"#,
    r#"P.id == "p1""#,
    r#"V.same"#,
    r#"V.big"#,
    r#"R.attr.s == C.want"#,
    r#"R.attr.n > 1 ? R.attr.s == "a" : R.attr.b"#,
    r#"R.attr.flag"#,
    r#"R.id == "r1""#,
    r#"R.attr.s.matches("^[ab]$")"#,
    r#"R.attr.s + "x" == "ax""#,
    r#"true"#,
    r#"false"#,
];

fn expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 || rng.chance(45) {
        return rng.pick(ATOMS).to_string();
    }
    let a = expr(rng, depth - 1);
    let b = expr(rng, depth - 1);
    match rng.below(5) {
        0 | 1 => format!("({a}) && ({b})"),
        2 | 3 => format!("({a}) || ({b})"),
        _ => format!("!({a})"),
    }
}

fn condition(rng: &mut Rng, indent: &str) -> String {
    if rng.chance(60) {
        return format!(
            "{indent}condition:\n{indent}  match:\n{indent}    expr: {}\n",
            yaml_str(&expr(rng, 2))
        );
    }
    let block = rng.pick(&["all", "any", "none"]);
    let mut s =
        format!("{indent}condition:\n{indent}  match:\n{indent}    {block}:\n{indent}      of:\n");
    for _ in 0..1 + rng.below(3) {
        s.push_str(&format!(
            "{indent}        - expr: {}\n",
            yaml_str(&expr(rng, 1))
        ));
    }
    s
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn rules(rng: &mut Rng, derived: bool) -> String {
    let mut s = String::new();
    for i in 0..1 + rng.below(4) {
        let actions = rng.pick(&[
            r#"["read"]"#,
            r#"["write"]"#,
            r#"["read", "write"]"#,
            r#"["*"]"#,
        ]);
        let effect = if rng.chance(30) {
            "EFFECT_DENY"
        } else {
            "EFFECT_ALLOW"
        };
        s.push_str(&format!(
            "    - name: rule{i}\n      actions: {actions}\n      effect: {effect}\n"
        ));
        if derived && rng.chance(35) {
            let d = rng.pick(&[r#"["d1"]"#, r#"["d2"]"#, r#"["d1", "d2"]"#]);
            s.push_str(&format!("      derivedRoles: {d}\n"));
        } else {
            let r = rng.pick(&[
                r#"["r1"]"#,
                r#"["r2"]"#,
                r#"["r1", "r2"]"#,
                r#"["*"]"#,
                r#"["r3"]"#,
            ]);
            s.push_str(&format!("      roles: {r}\n"));
        }
        if rng.chance(70) {
            s.push_str(&condition(rng, "      "));
        }
    }
    s
}

fn policies(rng: &mut Rng) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let vars = format!(
        "  variables:\n    local:\n      same: {}\n      big: {}\n  constants:\n    local:\n      want: \"a\"\n",
        yaml_str(r#"R.attr.s == P.attr.s"#),
        yaml_str(&loop {
            let e = expr(rng, 1);
            if !e.contains("V.big") {
                break e;
            }
        }),
    );
    let mut roles = format!(
        "apiVersion: api.cerbos.dev/v1\nderivedRoles:\n  name: roles\n{vars}  definitions:\n",
    );
    for (name, parent) in [("d1", "r1"), ("d2", "r2")] {
        roles.push_str(&format!(
            "    - name: {name}\n      parentRoles: [{parent}]\n"
        ));
        if rng.chance(80) {
            roles.push_str(&condition(rng, "      "));
        }
    }
    out.push(("roles.yaml".to_string(), roles));
    out.push((
        "doc.yaml".to_string(),
        format!(
            "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  importDerivedRoles: [roles]\n{vars}  rules:\n{}",
            rules(rng, true)
        ),
    ));
    if rng.chance(50) {
        let perms = rng.pick(&[
            "SCOPE_PERMISSIONS_OVERRIDE_PARENT",
            "SCOPE_PERMISSIONS_REQUIRE_PARENTAL_CONSENT_FOR_ALLOWS",
        ]);
        out.push((
            "doc_s1.yaml".to_string(),
            format!(
                "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  scope: s1\n  scopePermissions: {perms}\n  importDerivedRoles: [roles]\n{vars}  rules:\n{}",
                rules(rng, true)
            ),
        ));
    }
    if rng.chance(25) {
        let effect = if rng.chance(50) {
            "EFFECT_DENY"
        } else {
            "EFFECT_ALLOW"
        };
        out.push((
            "p1.yaml".to_string(),
            format!(
                "apiVersion: api.cerbos.dev/v1\nprincipalPolicy:\n  principal: p1\n  version: default\n{vars}  rules:\n    - resource: doc\n      actions:\n        - action: read\n          effect: {effect}\n{}",
                condition(rng, "          ")
            ),
        ));
    }
    if rng.chance(20) {
        out.push((
            "role.yaml".to_string(),
            format!(
                "apiVersion: api.cerbos.dev/v1\nrolePolicy:\n  role: r3\n  parentRoles: [r1]\n{vars}  rules:\n    - resource: doc\n      allowActions: [read]\n{}",
                condition(rng, "      ")
            ),
        ));
    }
    out
}

fn principal(rng: &mut Rng) -> Principal {
    let roles: Vec<&str> = match rng.below(6) {
        0 => vec!["r1"],
        1 => vec!["r2"],
        2 => vec!["r1", "r2"],
        3 => vec!["r2", "r1"],
        4 => vec!["r3"],
        _ => vec!["r3", "r2"],
    };
    let mut p = Principal::new(*rng.pick(&["p1", "p2"]), roles);
    if rng.chance(80) {
        p = p.with_attr("s", json!(rng.pick(&["a", "b"])));
    }
    if rng.chance(80) {
        p = p.with_attr("n", json!(rng.below(4)));
    }
    if rng.chance(80) {
        p = p.with_attr("list", json!(["a", "c"]));
    }
    p
}

fn value(rng: &mut Rng, kind: usize) -> Option<Json> {
    match rng.below(10) {
        0 => None,
        1 => Some(Json::Null),
        2 => Some(json!(7)),
        _ => Some(match kind {
            0 => json!(rng.pick(&["a", "b", "c", "ab", ""])),
            1 => json!(rng.pick(&[0.0, 1.0, 2.0, 2.5, 3.0])),
            2 => json!(rng.chance(50)),
            _ => json!(rng.pick(&[
                json!([]),
                json!(["a"]),
                json!(["b", "c"]),
                json!(["a", "c"])
            ])),
        }),
    }
}

fn resource(rng: &mut Rng, scope: &str) -> Resource {
    let mut r = Resource::new("doc", *rng.pick(&["r1", "r2"])).with_scope(scope);
    for (k, name) in [(0, "s"), (1, "n"), (2, "b"), (3, "l"), (2, "flag")] {
        if let Some(v) = value(rng, k) {
            r = r.with_attr(name, v);
        }
    }
    r
}

fn run(seed: u64, cases: usize, mode: EvaluationMode) -> (usize, usize, usize) {
    let mut rng = Rng(seed);
    let (mut checked, mut refused, mut plans, mut conditional) = (0, 0, 0, 0);
    for case in 0..cases {
        let sources = policies(&mut rng);
        let set = match PolicySet::from_sources(sources.iter().map(|(a, b)| (a, b))) {
            Ok(s) => s,
            Err(e) => panic!("case {case}: generated policies do not build: {e}\n{sources:#?}"),
        };
        let cfg = EngineConfig {
            evaluation_mode: mode,
            ..EngineConfig::default()
        };
        let engine = Engine::new(set, cfg);
        for _ in 0..3 {
            let p = principal(&mut rng);
            let scope = *rng.pick(&["", "s1"]);
            const CHOICES: [&[&str]; 3] = [&["read"], &["write"], &["read", "write"]];
            let actions: &[&str] = CHOICES[rng.below(CHOICES.len())];
            let input = PlanInput::new(
                p.clone(),
                Resource::new("doc", "").with_scope(scope),
                actions.iter().copied(),
            );
            let now = chrono::Utc::now();
            let plan = match engine.plan_at(&input, now) {
                Ok(plan) => plan,
                Err(PlanError::Unsupported { .. }) => {
                    refused += 1;
                    continue;
                }
                Err(e) => panic!("case {case}: {e}\n{sources:#?}"),
            };
            plans += 1;
            if plan.filter.condition().is_some() {
                conditional += 1;
            }
            for _ in 0..12 {
                let r = resource(&mut rng, scope);
                let out = &engine.check_at(
                    &[CheckInput::new(
                        p.clone(),
                        r.clone(),
                        actions.iter().copied(),
                    )],
                    now,
                )[0];
                let allowed = actions
                    .iter()
                    .all(|a| out.actions.get(*a).map(|d| d.effect) == Some(Effect::Allow));
                let passes = plan.filter.matches(&r).unwrap();
                if passes != allowed {
                    let files: String = sources
                        .iter()
                        .map(|(n, t)| format!("--- {n}\n{t}"))
                        .collect();
                    panic!(
                        "case {case} (seed {seed}): plan and check disagree\n{files}\nprincipal: {p:?}\nactions: {actions:?}\nresource: {r:?}\nplan: {}\nfilter says {passes}, check says {allowed}: {out:?}",
                        plan.filter_debug()
                    );
                }
                checked += 1;
            }
        }
    }
    eprintln!("{conditional} of {plans} plans conditional");
    (checked, plans, refused)
}

#[test]
fn strict_plans_agree_with_check() {
    let (checked, plans, refused) = run(0x5eed_1234_abcd_0001, 800, EvaluationMode::Strict);
    eprintln!("strict: {plans} plans, {checked} resources checked, {refused} refusals");
    assert!(plans > 2000, "too few plans: {plans} (refused {refused})");
}

#[test]
fn lenient_plans_agree_with_check_or_refuse() {
    let (checked, plans, refused) = run(0x5eed_1234_abcd_0002, 200, EvaluationMode::CerbosCompat);
    eprintln!("lenient: {plans} plans, {checked} resources checked, {refused} refusals");
    assert!(plans > 50, "too few plans: {plans} (refused {refused})");
}
