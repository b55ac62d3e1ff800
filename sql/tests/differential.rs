//! The differential test: random policies over typed columns (with NULL and missing values),
//! planned by the engine, translated to SQL and run on a real database, must return exactly
//! the rows that `check` allows, row by row.
//!
//! Runs on SQLite always, and on PostgreSQL when `AUTHZ_TEST_POSTGRES_URL` is set (it prints
//! a loud SKIPPED line otherwise). `AUTHZ_SQL_DIFF_CASES` changes the number of cases,
//! `AUTHZ_SQL_DIFF_SEED` the seed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

#[path = "support/db.rs"]
mod db;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use authz_core::plan::PlanInput;
use authz_core::{CheckInput, Engine, EngineConfig, PolicySet, Principal, Resource};
use authz_sql::to_condition;
use chrono::{DateTime, FixedOffset, TimeDelta, TimeZone, Utc};
use db::{columns, select_statement, Db, Postgres, Row, Sqlite};
use serde_json::json;

const DEFAULT_CASES: usize = 500;
const DEFAULT_SEED: u64 = 0x5eed_a11c_e000_0001;
const ROWS_PER_CASE: usize = 14;

// ---------------------------------------------------------------------------------------------
// A small deterministic RNG (SplitMix64)
// ---------------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const STRINGS: &[&str] = &[
    "alice", "bob", "", "B", "a", "ab", "é", "a%_!", "*?[", "Alpha", "alpha", "z",
];
const NUMBERS: &[&str] = &[
    "0", "1", "2.5", "-3.5", "10", "100", "0.5", "1.0", "10.0", "0.1", "0.3",
];
const PRINCIPALS: &[&str] = &["alice", "bob", "B"];

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0).unwrap()
}

/// Instants near `now()`, some a millisecond apart.
fn instant(rng: &mut Rng) -> DateTime<Utc> {
    let offsets_ms: &[i64] = &[
        0,
        1,
        -1,
        3_600_000,
        -3_600_000,
        -86_400_000,
        -2_592_000_000,
        500,
        -43_200_000,
    ];
    now() + TimeDelta::milliseconds(*rng.pick(offsets_ms))
}

fn string_lit(rng: &mut Rng) -> String {
    json!(rng.pick(STRINGS)).to_string()
}

fn timestamp_lit(rng: &mut Rng) -> String {
    format!(
        "timestamp(\"{}\")",
        instant(rng).format("%Y-%m-%dT%H:%M:%S%.3fZ")
    )
}

fn random_row(rng: &mut Rng, i: usize) -> Row {
    let null = |rng: &mut Rng| rng.chance(25);
    let text = |rng: &mut Rng| {
        if null(rng) {
            None
        } else if rng.chance(30) {
            Some(rng.pick(PRINCIPALS).to_string())
        } else {
            Some(rng.pick(STRINGS).to_string())
        }
    };
    let number = |rng: &mut Rng| {
        if null(rng) {
            None
        } else {
            Some(rng.pick(NUMBERS).parse::<f64>().unwrap())
        }
    };
    let boolean = |rng: &mut Rng| {
        if null(rng) {
            None
        } else {
            Some(rng.chance(50))
        }
    };
    let created = if null(rng) {
        None
    } else {
        let t = instant(rng);
        // The stored text uses some UTC offset; the instant is what counts.
        let offset = FixedOffset::east_opt(3600 * (*rng.pick(&[0, 2, -5]))).unwrap();
        let text = if offset.local_minus_utc() == 0 && rng.chance(50) {
            t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        } else {
            t.with_timezone(&offset)
                .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                .to_string()
        };
        Some((t, text))
    };
    Row {
        id: format!("d{i}"),
        owner: text(rng),
        label: text(rng),
        amount: number(rng),
        score: number(rng),
        flag: boolean(rng),
        ok: boolean(rng),
        created,
    }
}

// ---------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------

const TEXT_ATTRS: &[&str] = &["R.attr.owner", "R.attr.label"];
const NUMBER_ATTRS: &[&str] = &["R.attr.amount", "R.attr.score"];
const BOOL_ATTRS: &[&str] = &["R.attr.flag", "R.attr.ok"];
const ALL_ATTRS: &[&str] = &["owner", "label", "amount", "score", "flag", "ok", "created"];
const CMP: &[&str] = &["==", "!=", "<", "<=", ">", ">="];
const EQ: &[&str] = &["==", "!="];

/// One atom of the supported grammar, as CEL.
fn atom(rng: &mut Rng, variables: &[&str]) -> String {
    let t = *rng.pick(TEXT_ATTRS);
    let n = *rng.pick(NUMBER_ATTRS);
    let b = *rng.pick(BOOL_ATTRS);
    let op = *rng.pick(CMP);
    let eq = *rng.pick(EQ);
    match rng.below(39) {
        0 | 1 => format!("{t} {op} {}", string_lit(rng)),
        2 => format!("{} {op} {t}", string_lit(rng)),
        3 => format!("{t} {eq} P.id"),
        4 => format!("P.attr.team {eq} {t}"),
        5 => format!("{t} {eq} C.name"),
        6 => format!("{} {eq} null", rng.pick(&[t, n, b])),
        7 => {
            let mut items: Vec<String> = (0..1 + rng.below(3)).map(|_| string_lit(rng)).collect();
            if rng.chance(30) {
                items.push("null".into());
            }
            if rng.chance(20) {
                items.push("1".into());
            }
            format!("{t} in [{}]", items.join(", "))
        }
        8 => format!("{t} in P.attr.teams"),
        9 => format!(
            "{t}.{}({})",
            rng.pick(&["startsWith", "endsWith", "contains"]),
            string_lit(rng)
        ),
        10 => format!("size({t}) {op} {}", rng.below(4)),
        11 | 12 => format!("{n} {op} {}", rng.pick(NUMBERS)),
        13 => format!("{n} {op} P.attr.limit"),
        14 => format!(
            "{n} {} {} {op} {}",
            rng.pick(&["+", "-", "*", "/"]),
            rng.pick(&["1.5", "2.0", "0.5", "0.1"]),
            rng.pick(&["3.0", "5.0", "0.0", "20.0"])
        ),
        15 => format!("R.attr.amount {op} R.attr.score"),
        16 => format!("R.attr.owner {op} R.attr.label"),
        17 => match rng.below(4) {
            0 => b.to_string(),
            1 => format!("!{b}"),
            2 => format!("{b} {eq} true"),
            _ => format!("{b} {eq} false"),
        },
        18 => format!("has(R.attr.{})", rng.pick(ALL_ATTRS)),
        19 => match rng.below(3) {
            0 => format!("{t} {eq} 5"),
            1 => format!("{n} {eq} \"a\""),
            _ => format!("{n} {op} \"a\""),
        },
        20 => format!("timestamp(R.attr.created) {op} {}", timestamp_lit(rng)),
        21 => format!(
            "timestamp(R.attr.created) + duration(\"{}\") {op} now()",
            rng.pick(&["1h", "24h", "720h", "-30m", "0.001s"])
        ),
        22 => format!(
            "R.id {} \"d{}\"",
            rng.pick(&["==", "!=", "<"]),
            rng.below(ROWS_PER_CASE)
        ),
        23 if !variables.is_empty() => format!("V.{}", rng.pick(variables)),
        24 => format!("{n} {op} C.limit"),
        25 => format!(
            "R.attr.owner {eq} P.id && R.attr.label {} {}",
            op,
            string_lit(rng)
        ),
        26 => format!(
            "{n} in [{}, {}]",
            rng.pick(NUMBERS),
            rng.pick(&["null", "2.5", "\"1\""])
        ),
        27 => format!("R.attr.flag {eq} R.attr.ok"),
        28 => format!(
            "{} {eq} {}",
            rng.pick(&["R.attr.label", "R.attr.score", "R.attr.ok"]),
            rng.pick(&["R.attr.label", "R.attr.score", "R.attr.ok"])
        ),
        29 => format!("size({t}) + 1 {op} {}", rng.below(4)),
        30 => format!(
            "R.attr.amount + R.attr.score {op} {}",
            rng.pick(&["3.0", "0.0", "12.5"])
        ),
        31 => format!("!has(R.attr.{})", rng.pick(ALL_ATTRS)),
        32 => format!("{t} in [P.id, {}]", string_lit(rng)),
        33 => format!("P.attr.limit > 3.0 && {n} < 10.0"),
        34 => format!("{n} {op} P.attr.limit * 2.0"),
        35 => format!(
            "timestamp(R.attr.created) {op} now() - duration(\"{}\")",
            rng.pick(&["24h", "1h", "1ms", "0s"])
        ),
        36 => format!("{t}.startsWith(P.id)"),
        37 => format!("{n} + P.attr.limit {op} 3.0"),
        // Outside the translated grammar (a regex): the translation refuses.
        _ if rng.chance(15) => format!("{t}.matches(\"^a\")"),
        _ => format!("{b} || {t} {eq} P.attr.team"),
    }
}

/// A condition: atoms joined by `&&`, `||`, `!` and `?:`, at most `depth` deep.
fn condition(rng: &mut Rng, depth: usize, variables: &[&str]) -> String {
    if depth == 0 || rng.chance(35) {
        return atom(rng, variables);
    }
    match rng.below(5) {
        0 | 1 => format!(
            "({}) && ({})",
            condition(rng, depth - 1, variables),
            condition(rng, depth - 1, variables)
        ),
        2 => format!(
            "({}) || ({})",
            condition(rng, depth - 1, variables),
            condition(rng, depth - 1, variables)
        ),
        3 => format!("!({})", condition(rng, depth - 1, variables)),
        _ => format!(
            "{} ? ({}) : ({})",
            rng.pick(BOOL_ATTRS),
            condition(rng, depth - 1, variables),
            condition(rng, depth - 1, variables)
        ),
    }
}

fn yaml_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A `condition:` block (or nothing), indented by `indent`.
fn condition_block(rng: &mut Rng, indent: &str, variables: &[&str]) -> String {
    let expr = |rng: &mut Rng| yaml_str(&condition(rng, 2, variables));
    match rng.below(6) {
        0 => String::new(),
        1 => {
            let kind = *rng.pick(&["all", "any", "none"]);
            let mut s = format!(
                "{indent}condition:\n{indent}  match:\n{indent}    {kind}:\n{indent}      of:\n"
            );
            for _ in 0..2 + rng.below(2) {
                let _ = writeln!(s, "{indent}        - expr: {}", expr(rng));
            }
            s
        }
        _ => format!(
            "{indent}condition:\n{indent}  match:\n{indent}    expr: {}\n",
            expr(rng)
        ),
    }
}

struct Case {
    sources: Vec<(String, String)>,
    principal: Principal,
    actions: Vec<String>,
    rows: Vec<Row>,
}

fn random_case(rng: &mut Rng) -> Case {
    let var_names = ["v1", "v2"];
    let mut derived = String::from(
        "apiVersion: api.cerbos.dev/v1\nderivedRoles:\n  name: doc_roles\n  constants:\n    local:\n      name: alice\n      limit: 5\n  definitions:\n",
    );
    for name in ["owner_like", "trusted"] {
        let _ = writeln!(
            derived,
            "    - name: {name}\n      parentRoles: [{}]",
            rng.pick(&["user", "admin", "\"*\""])
        );
        derived.push_str(&condition_block(rng, "      ", &[]));
    }
    let mut policy = String::from(
        "apiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  resource: doc\n  version: default\n  importDerivedRoles: [doc_roles]\n  constants:\n    local:\n      name: alice\n      limit: 5\n  variables:\n    local:\n",
    );
    for v in var_names {
        let _ = writeln!(policy, "      {v}: {}", yaml_str(&condition(rng, 1, &[])));
    }
    policy.push_str("  rules:\n");
    // Usually one ALLOW that the principal's roles reach, so that most plans are conditional.
    if rng.chance(75) {
        policy.push_str(
            "    - actions: [view, edit]\n      effect: EFFECT_ALLOW\n      roles: [user, admin]\n",
        );
        policy.push_str(&condition_block(rng, "      ", &var_names));
    }
    for _ in 0..1 + rng.below(4) {
        let actions = rng.pick(&["[view]", "[view]", "[view, edit]", "[edit]", "[\"*\"]"]);
        let effect = if rng.chance(70) {
            "EFFECT_ALLOW"
        } else {
            "EFFECT_DENY"
        };
        let _ = writeln!(policy, "    - actions: {actions}\n      effect: {effect}");
        match rng.below(4) {
            0 => policy.push_str("      derivedRoles: [owner_like]\n"),
            1 => policy.push_str("      derivedRoles: [trusted, owner_like]\n"),
            2 => policy.push_str("      roles: [admin]\n"),
            _ => policy.push_str("      roles: [user]\n"),
        }
        policy.push_str(&condition_block(rng, "      ", &var_names));
    }
    let mut sources = vec![
        ("derived_roles.yaml".to_owned(), derived),
        ("doc.yaml".to_owned(), policy),
    ];
    // Sometimes a principal policy for `alice`, decided before the resource policy.
    if rng.chance(30) {
        let mut pp = String::from(
            "apiVersion: api.cerbos.dev/v1\nprincipalPolicy:\n  principal: alice\n  version: default\n  constants:\n    local:\n      name: alice\n      limit: 5\n  rules:\n    - resource: doc\n      actions:\n",
        );
        for _ in 0..1 + rng.below(2) {
            let action = rng.pick(&["view", "edit", "\"*\""]);
            let effect = if rng.chance(50) {
                "EFFECT_ALLOW"
            } else {
                "EFFECT_DENY"
            };
            let _ = writeln!(pp, "        - action: {action}\n          effect: {effect}");
            pp.push_str(&condition_block(rng, "          ", &[]));
        }
        sources.push(("alice.yaml".to_owned(), pp));
    }
    let roles: Vec<&str> = match rng.below(4) {
        0 => vec!["admin"],
        1 => vec!["user", "admin"],
        _ => vec!["user"],
    };
    let teams: Vec<&str> = (0..rng.below(3)).map(|_| *rng.pick(STRINGS)).collect();
    let principal = Principal::new(*rng.pick(PRINCIPALS), roles).with_attrs(
        json!({
            "team": rng.pick(STRINGS),
            "teams": teams,
            "limit": rng.pick(NUMBERS).parse::<f64>().unwrap(),
        })
        .as_object()
        .unwrap()
        .clone(),
    );
    let actions = if rng.chance(25) {
        vec!["view".to_owned(), "edit".to_owned()]
    } else {
        vec!["view".to_owned()]
    };
    let rows = (0..ROWS_PER_CASE).map(|i| random_row(rng, i)).collect();
    Case {
        sources,
        principal,
        actions,
        rows,
    }
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Stats {
    cases: usize,
    rows: usize,
    always_allowed: usize,
    always_denied: usize,
    conditional: usize,
    planner_refusals: BTreeMap<String, usize>,
    translation_refusals: BTreeMap<String, usize>,
    rows_allowed: usize,
    queries: usize,
}

impl Stats {
    fn refusals(&self) -> usize {
        self.planner_refusals.values().sum::<usize>()
            + self.translation_refusals.values().sum::<usize>()
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env_seed() -> u64 {
    std::env::var("AUTHZ_SQL_DIFF_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

/// A refusal message, shortened, so that counts group by reason.
fn reason_key(msg: &str) -> String {
    msg.chars().take(100).collect()
}

fn run(db: &mut dyn Db) -> Stats {
    let cases = env_usize("AUTHZ_SQL_DIFF_CASES", DEFAULT_CASES);
    let mut rng = Rng(env_seed());
    let columns = columns();
    let mut stats = Stats::default();
    let mut failures: Vec<String> = Vec::new();
    for case_no in 0..cases {
        let case = random_case(&mut rng);
        let set =
            PolicySet::from_sources(case.sources.iter().map(|(p, t)| (p.as_str(), t.as_str())))
                .unwrap_or_else(|e| {
                    panic!(
                        "generated policies do not build: {e}\n{}",
                        case.sources[1].1
                    )
                });
        let engine = Engine::new(set, EngineConfig::default());
        stats.cases += 1;
        stats.rows += case.rows.len();

        let input = PlanInput::new(
            case.principal.clone(),
            Resource::new("doc", ""),
            case.actions.clone(),
        );
        let plan = match engine.plan_at(&input, now()) {
            Ok(p) => p,
            Err(e) => {
                *stats
                    .planner_refusals
                    .entry(reason_key(&e.to_string()))
                    .or_default() += 1;
                continue;
            }
        };
        match plan.filter.kind() {
            "KIND_ALWAYS_ALLOWED" => stats.always_allowed += 1,
            "KIND_ALWAYS_DENIED" => stats.always_denied += 1,
            _ => stats.conditional += 1,
        }
        let cond = match to_condition(&plan.filter, &columns, db.dialect()) {
            Ok(c) => c,
            Err(e) => {
                *stats
                    .translation_refusals
                    .entry(reason_key(&e.to_string()))
                    .or_default() += 1;
                continue;
            }
        };

        let inputs: Vec<CheckInput> = case
            .rows
            .iter()
            .map(|r| {
                CheckInput::new(
                    case.principal.clone(),
                    r.resource("doc"),
                    case.actions.clone(),
                )
            })
            .collect();
        let outputs = engine.check_at(&inputs, now());
        let mut want: Vec<String> = case
            .rows
            .iter()
            .zip(&outputs)
            .filter(|(_, o)| case.actions.iter().all(|a| o.is_allowed(a)))
            .map(|(r, _)| r.id.clone())
            .collect();
        want.sort();
        stats.rows_allowed += want.len();

        db.load(&case.rows);
        for inline in [false, true] {
            stats.queries += 1;
            let got = db.select_ids(cond.clone(), inline).map(|mut v| {
                v.sort();
                v
            });
            if got.as_ref() != Ok(&want) {
                let mut msg = format!(
                    "{} case {case_no} ({}): rows differ\n--- policies\n{}\n{}\n--- principal {:?} roles {:?} attr {}\n--- actions {:?}\n--- plan {}\n--- SQL {}\n--- check allows {want:?}\n--- SQL returns {got:?}\n",
                    db.name(),
                    if inline { "values inline" } else { "values bound" },
                    case.sources[0].1,
                    case.sources[1..].iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>().join("\n"),
                    case.principal.id(),
                    case.principal.roles(),
                    serde_json::Value::Object(case.principal.attr().clone()),
                    case.actions,
                    plan.filter_debug(),
                    db.render(&select_statement(cond.clone())),
                );
                if let Ok(got) = &got {
                    for r in &case.rows {
                        if got.contains(&r.id) != want.contains(&r.id) {
                            let _ = writeln!(
                                msg,
                                "    {}: SQL {}, check {}: {}",
                                r.id,
                                got.contains(&r.id),
                                want.contains(&r.id),
                                serde_json::Value::Object(r.attributes())
                            );
                        }
                    }
                }
                failures.push(msg);
            }
        }
    }
    {
        // Straight to the stderr handle, so that CI logs show the counts of passing runs.
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "authz-sql differential on {}: {} cases, {} rows, {} conditional / {} always allowed / {} always denied plans, {} refusals (planner {:?}, translation {:?}), {} rows allowed, {} queries, {} mismatching",
            db.name(),
            stats.cases,
            stats.rows,
            stats.conditional,
            stats.always_allowed,
            stats.always_denied,
            stats.refusals(),
            stats.planner_refusals,
            stats.translation_refusals,
            stats.rows_allowed,
            stats.queries,
            failures.len(),
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ; the first ones:\n{}",
        failures.len(),
        stats.cases,
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Not vacuous: most cases are conditional plans that ran, and rows went both ways.
    assert!(
        stats.refusals() * 10 <= stats.cases,
        "too many refusals for the supported grammar: {stats:#?}"
    );
    assert!(
        stats.conditional * 2 >= stats.cases,
        "too few conditional plans: {stats:#?}"
    );
    assert!(
        stats.rows_allowed * 10 >= stats.rows,
        "too few rows allowed: {stats:#?}"
    );
    assert!(
        stats.rows_allowed * 10 <= stats.rows * 9,
        "too many rows allowed: {stats:#?}"
    );
    stats
}

#[test]
fn plans_select_exactly_the_allowed_rows_on_sqlite() {
    run(&mut Sqlite::new());
}

#[test]
fn plans_select_exactly_the_allowed_rows_on_postgres() {
    if let Some(mut pg) = Postgres::connect("plans_select_exactly_the_allowed_rows_on_postgres") {
        run(&mut pg);
    }
}
