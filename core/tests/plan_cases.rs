//! The query planner's unit cases, stored as data: `tests/plans/*.yaml`.
//!
//! Every file is a list of cases; a case builds its policies once and makes one or more plans:
//!
//! ```yaml
//! - name: owner reads
//!   description: query-plan.md §7        # optional: where the expectation comes from
//!   policies:
//!     doc.yaml: |
//!       apiVersion: api.cerbos.dev/v1
//!       resourcePolicy: { ... }
//!   config: { evaluationMode: lenient, globals: {...} }   # optional, engine settings
//!   now: "2031-03-01T09:00:00Z"          # optional, the time `now()` returns
//!   plans:
//!     - input:
//!         principal: { id: alice, roles: [user] }
//!         resource: { kind: doc, attr: { known: 1 } }   # id ignored; attr = known attributes
//!         actions: [read]
//!         auxData: { jwt: { ... } }      # optional, verified claims
//!       filter: '(eq request.resource.attr.owner "alice")'   # expected filterDebug
//!       matchedScopes: { read: "" }      # optional
//!       validationErrors: [ { path: /x, source: SOURCE_PRINCIPAL } ]   # optional, exact
//!       resources:                       # the law is asserted on each
//!         - { attr: { owner: alice }, passes: true }
//!         - { attr: { owner: bob } }
//!     - input: { ... }
//!       refusal: "effectiveDerivedRoles" # expected `PlanError::Unsupported`, substring
//!     - input: { ... }
//!       invalid: "`actions`"             # expected `PlanError::InvalidInput`, substring
//! ```
//!
//! **Filters** are compared as the spec says tests compare them (`query-plan.md` §7): after
//! sorting the operands of `and`, `or`, `eq`, `ne`, `add` and `mult` (recursively). `(true)`,
//! `(false)` and `NO_MATCH` are compared as written. The JSON form of the filter must
//! deserialise back to the same tree.
//!
//! **The law** (`crate::plan` docs): for each listed resource — plus one with no attribute
//! beyond the request's known ones — `filter.matches(r)` equals "`check` allows every action on
//! `r`". A resource has the request's kind, scope, version and known attributes, plus its own
//! `attr` (which must not redefine a known one) and `id` (default `r1`). `passes`, when given,
//! is asserted too. A conditional filter's resources must include one that passes and one that
//! does not, so that both sides of the filter are exercised.
//!
//! A case marked `skip: true` documents a planner bug (`regressions.yaml`): it runs, its failure is
//! printed but does not fail the test, and it is announced when it starts passing. Its plans
//! may leave out `filter`/`refusal`/`invalid` when the right shape is for the fix to decide:
//! then only the law is asserted, and a refusal also passes.
//!
//! `PLAN_CASES_FILTER=<substring>` runs the cases whose file or name contains it;
//! `PLAN_CASES_VERBOSE=1` prints every plan.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use authz_core::plan::{Filter, Operand, PlanError, PlanInput, PlanOutput};
use authz_core::{
    AuxData, CheckInput, Effect, Engine, EngineConfig, EvaluationMode, PolicySet, Principal,
    Resource, SchemaEnforcement,
};
use chrono::{DateTime, Utc};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value as Json};

#[path = "support/yaml_json.rs"]
#[allow(dead_code, reason = "only the reader is used here")]
mod yaml;

/// The time `now()` returns when a case sets none.
const DEFAULT_NOW: &str = "2031-03-01T09:00:00Z";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Case {
    name: String,
    #[serde(default)]
    description: String,
    /// A known planner bug (see the file's comments): reported, not failing.
    #[serde(default)]
    skip: bool,
    policies: IndexMap<String, String>,
    #[serde(default)]
    config: Config,
    #[serde(default)]
    now: Option<String>,
    plans: Vec<Plan>,
}

/// Engine settings (`policy-format.md` §15).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Config {
    #[serde(default)]
    lenient_scope_search: bool,
    #[serde(default)]
    evaluation_mode: Option<String>,
    #[serde(default)]
    globals: Map<String, Json>,
    #[serde(default)]
    schema_enforcement: Option<String>,
    #[serde(default)]
    default_policy_version: Option<String>,
    #[serde(default)]
    default_scope: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Plan {
    #[serde(default)]
    name: Option<String>,
    input: Input,
    #[serde(default)]
    filter: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    invalid: Option<String>,
    #[serde(default)]
    matched_scopes: Option<IndexMap<String, String>>,
    #[serde(default)]
    validation_errors: Option<Vec<ExpectedValidation>>,
    #[serde(default)]
    resources: Vec<ResourceCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Input {
    principal: Principal,
    resource: Resource,
    actions: Vec<String>,
    #[serde(default)]
    aux_data: AuxData,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedValidation {
    path: String,
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceCase {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    attr: Map<String, Json>,
    #[serde(default)]
    passes: Option<bool>,
}

#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    plans: usize,
    refusals: usize,
    resources: usize,
    failed: usize,
    skipped_failing: usize,
    report: String,
    skipped: String,
    fixed: Vec<String>,
}

#[test]
fn plan_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plans");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no plan cases under {}", root.display());
    let filter = std::env::var("PLAN_CASES_FILTER").ok();
    let mut t = Tally::default();
    for file in &files {
        let rel = file.file_name().unwrap().to_string_lossy().to_string();
        run_file(file, &rel, filter.as_deref(), &mut t);
    }
    println!(
        "\nplan cases: {} files, {} cases, {} plans ({} refusals), {} resources checked against \
         the law; {} failed, {} skipped bug cases failing",
        files.len(),
        t.cases,
        t.plans,
        t.refusals,
        t.resources,
        t.failed,
        t.skipped_failing
    );
    if !t.skipped.is_empty() {
        println!("\nskipped bug cases (reported, not failing):{}", t.skipped);
    }
    if !t.fixed.is_empty() {
        println!(
            "\nthese cases are marked `skip: true` but now pass; remove the marker:\n  {}",
            t.fixed.join("\n  ")
        );
    }
    assert!(t.report.is_empty(), "plan case failures:{}", t.report);
    if filter.is_none() {
        assert!(t.plans >= 40, "only {} plans", t.plans);
    }
}

fn run_file(file: &Path, rel: &str, filter: Option<&str>, t: &mut Tally) {
    let docs = match std::fs::read_to_string(file)
        .map_err(|e| e.to_string())
        .and_then(|text| yaml::parse(&text))
    {
        Ok(d) => d,
        Err(e) => {
            t.failed += 1;
            let _ = writeln!(t.report, "\n=== {rel}: cannot read: {e}");
            return;
        }
    };
    let list = match docs.as_slice() {
        [Json::Array(list)] => list.clone(),
        [] | [Json::Null] => Vec::new(),
        _ => {
            t.failed += 1;
            let _ = writeln!(t.report, "\n=== {rel}: expected one list of cases");
            return;
        }
    };
    let mut names = HashSet::new();
    for (i, raw) in list.into_iter().enumerate() {
        let case: Case = match serde_json::from_value(raw) {
            Ok(c) => c,
            Err(e) => {
                t.failed += 1;
                let _ = writeln!(t.report, "\n=== {rel} case #{}: malformed: {e}", i + 1);
                continue;
            }
        };
        if filter.is_some_and(|f| !rel.contains(f) && !case.name.contains(f)) {
            continue;
        }
        t.cases += 1;
        let mut problems = match catch_unwind(AssertUnwindSafe(|| run_case(&case, t))) {
            Ok(p) => p,
            Err(_) => vec!["panicked".to_string()],
        };
        if !names.insert(case.name.clone()) {
            problems.push("duplicate case name in this file".to_string());
        }
        let heading = if case.description.is_empty() {
            format!("{rel}: {}", case.name)
        } else {
            format!("{rel}: {} ({})", case.name, case.description.trim())
        };
        let status = match (case.skip, problems.is_empty()) {
            (false, true) => "ok",
            (false, false) => {
                t.failed += 1;
                let _ = writeln!(t.report, "\n=== {heading}");
                for p in &problems {
                    let _ = writeln!(t.report, "{}", indent(p));
                }
                "FAILED"
            }
            (true, false) => {
                t.skipped_failing += 1;
                let _ = writeln!(t.skipped, "\n--- {heading}");
                for p in &problems {
                    let _ = writeln!(t.skipped, "{}", indent(p));
                }
                "skipped (known bug)"
            }
            (true, true) => {
                t.fixed.push(heading.clone());
                "PASSES BUT MARKED skip"
            }
        };
        println!("{rel}: {} ... {status}", case.name);
    }
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_case(case: &Case, t: &mut Tally) -> Vec<String> {
    let mut problems = Vec::new();
    if case.plans.is_empty() {
        problems.push("a case needs `plans`".to_string());
    }
    let set = match PolicySet::from_sources(case.policies.iter()) {
        Ok(s) => s,
        Err(e) => {
            return vec![format!(
                "the policies failed to build:\n{}",
                indent(&e.to_string())
            )]
        }
    };
    let config = match engine_config(&case.config) {
        Ok(c) => c,
        Err(e) => return vec![e],
    };
    let now = case.now.as_deref().unwrap_or(DEFAULT_NOW);
    let now = match DateTime::parse_from_rfc3339(now) {
        Ok(n) => n.with_timezone(&Utc),
        Err(e) => return vec![format!("bad `now` {now:?}: {e}")],
    };
    let engine = Engine::new(set, config);
    for (i, plan) in case.plans.iter().enumerate() {
        t.plans += 1;
        let label = match &plan.name {
            Some(n) => format!("plan #{} ({n})", i + 1),
            None => format!("plan #{}", i + 1),
        };
        for p in run_plan(&engine, now, plan, case.skip, t) {
            problems.push(format!("{label}: {p}"));
        }
    }
    problems
}

fn run_plan(
    engine: &Engine,
    now: DateTime<Utc>,
    plan: &Plan,
    skip: bool,
    t: &mut Tally,
) -> Vec<String> {
    let mut problems = Vec::new();
    let expectations = [&plan.filter, &plan.refusal, &plan.invalid]
        .iter()
        .filter(|e| e.is_some())
        .count();
    let law_only = skip && expectations == 0;
    if expectations != 1 && !law_only {
        return vec!["set exactly one of `filter`, `refusal` and `invalid`".to_string()];
    }
    let input = PlanInput {
        request_id: String::new(),
        aux_data: plan.input.aux_data.clone(),
        ..PlanInput::new(
            plan.input.principal.clone(),
            plan.input.resource.clone(),
            plan.input.actions.iter().cloned(),
        )
    };
    let got = engine.plan_at(&input, now);
    if verbose() {
        match &got {
            Ok(o) => println!("    {}", o.filter_debug()),
            Err(e) => println!("    error: {e}"),
        }
    }
    match (&got, &plan.refusal, &plan.invalid) {
        (Err(PlanError::Unsupported { .. }), Some(want), _)
        | (Err(PlanError::InvalidInput(_)), _, Some(want)) => {
            t.refusals += 1;
            let msg = got
                .as_ref()
                .err()
                .map(ToString::to_string)
                .unwrap_or_default();
            if !msg.contains(want.as_str()) {
                problems.push(format!(
                    "expected an error containing {want:?}, got {msg:?}"
                ));
            }
            if !plan.resources.is_empty() {
                problems.push("a refused plan has no resources to check".to_string());
            }
            return problems;
        }
        (Err(PlanError::Unsupported { .. }), None, None) if law_only => {
            t.refusals += 1;
            return problems;
        }
        (Err(e), _, _) => return vec![format!("unexpected error: {e} ({e:?})")],
        (Ok(o), Some(_), _) | (Ok(o), _, Some(_)) => {
            return vec![format!(
                "expected an error, got the plan {}",
                o.filter_debug()
            )]
        }
        (Ok(_), None, None) => {}
    }
    let Ok(out) = got else { unreachable!() };
    if let Some(want) = &plan.filter {
        compare_filter(want, &out, &mut problems);
    }
    if let Some(want) = &plan.matched_scopes {
        if want != &out.matched_scopes {
            problems.push(format!(
                "matchedScopes: expected {want:?}, got {:?}",
                out.matched_scopes
            ));
        }
    }
    let got_ve: Vec<String> = out
        .validation_errors
        .iter()
        .map(|e| {
            let src = serde_json::to_value(e.source).unwrap_or_default();
            format!("{} {}", src.as_str().unwrap_or(""), e.path)
        })
        .collect();
    match &plan.validation_errors {
        Some(want) => {
            let mut want: Vec<String> = want
                .iter()
                .map(|w| format!("{} {}", w.source, w.path))
                .collect();
            let mut got = got_ve.clone();
            want.sort();
            got.sort();
            if want != got {
                problems.push(format!("validationErrors: expected {want:?}, got {got:?}"));
            }
        }
        None if !got_ve.is_empty() => {
            problems.push(format!("unexpected validationErrors: {got_ve:?}"));
        }
        None => {}
    }
    check_law(engine, now, plan, &out, t, &mut problems);
    problems
}

/// Compares the expected filterDebug with the plan's, operands of commutative operators
/// sorted; checks that the JSON form round-trips.
fn compare_filter(want: &str, out: &PlanOutput, problems: &mut Vec<String>) {
    let actual = out.filter_debug();
    let want = want.trim();
    match (want, out.filter.condition()) {
        ("NO_MATCH" | "(true)" | "(false)", _) | (_, None) => {
            if want != actual {
                problems.push(format!("filter: expected {want}\n  got      {actual}"));
            }
        }
        (_, Some(cond)) => match parse_sexpr(want) {
            Ok(expected) => {
                if canonical(&expected) != canonical(cond) {
                    problems.push(format!(
                        "filter: expected {want}\n  got      {actual}\n  (compared with the \
                         operands of and/or/eq/ne/add/mult sorted)"
                    ));
                }
            }
            Err(e) => problems.push(format!("cannot parse the expected filter: {e}")),
        },
    }
    let json = out.filter.to_json();
    if json["kind"] != out.filter.kind() {
        problems.push(format!(
            "filter JSON kind {} != {}",
            json["kind"],
            out.filter.kind()
        ));
    }
    if let Some(cond) = out.filter.condition() {
        match serde_json::from_value::<Operand>(json["condition"].clone()) {
            Ok(back) if &back == cond => {}
            Ok(back) => problems.push(format!("filter JSON round-trips to {back}")),
            Err(e) => problems.push(format!("filter JSON does not deserialise: {e}")),
        }
    } else if json.get("condition").is_some() {
        problems.push(format!("a {} filter has a condition", out.filter.kind()));
    }
}

fn check_law(
    engine: &Engine,
    now: DateTime<Utc>,
    plan: &Plan,
    out: &PlanOutput,
    t: &mut Tally,
    problems: &mut Vec<String>,
) {
    let known = plan.input.resource.attr();
    let mut cases: Vec<(String, Map<String, Json>, Option<bool>)> =
        vec![("r0".to_string(), Map::new(), None)];
    for (i, r) in plan.resources.iter().enumerate() {
        if let Some(k) = r.attr.keys().find(|k| known.contains_key(*k)) {
            problems.push(format!(
                "resources[{i}] redefines the known attribute `{k}`"
            ));
            return;
        }
        let id = r.id.clone().unwrap_or_else(|| "r1".to_string());
        cases.push((id, r.attr.clone(), r.passes));
    }
    if plan.resources.is_empty() {
        problems.push("list `resources` to check the law on".to_string());
    }
    let (mut passed, mut failed) = (0, 0);
    for (i, (id, attr, expect)) in cases.iter().enumerate() {
        t.resources += 1;
        let mut all = known.clone();
        all.extend(attr.clone());
        let spec = &plan.input.resource;
        let r = Resource::new(spec.kind(), id.as_str())
            .with_scope(spec.scope())
            .with_policy_version(spec.policy_version())
            .with_attrs(all);
        let check = CheckInput {
            request_id: String::new(),
            aux_data: plan.input.aux_data.clone(),
            ..CheckInput::new(
                plan.input.principal.clone(),
                r.clone(),
                plan.input.actions.iter().cloned(),
            )
        };
        let decided = engine.check_at(std::slice::from_ref(&check), now);
        let allowed = decided.first().is_some_and(|o| {
            plan.input
                .actions
                .iter()
                .all(|a| o.actions.get(a).is_some_and(|d| d.effect == Effect::Allow))
        });
        let passes = match out.filter.matches(&r) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("filter.matches failed on {attr:?}: {e}"));
                continue;
            }
        };
        let which = if i == 0 {
            "the resource with only the known attributes".to_string()
        } else {
            format!("resources[{}] {}", i - 1, Json::Object(attr.clone()))
        };
        if passes != allowed {
            problems.push(format!(
                "LAW BROKEN on {which}: filter {} says {passes}, check says {allowed}: {:?}",
                out.filter_debug(),
                decided.first().map(|o| &o.actions)
            ));
        }
        if let Some(e) = expect {
            if *e != passes {
                problems.push(format!("{which}: expected passes: {e}, got {passes}"));
            }
        }
        if i > 0 {
            if passes {
                passed += 1;
            } else {
                failed += 1;
            }
        }
    }
    if matches!(out.filter, Filter::Conditional(_)) && (passed == 0 || failed == 0) {
        problems.push(format!(
            "a conditional filter needs resources on both sides: {passed} pass, {failed} do not"
        ));
    }
}

fn verbose() -> bool {
    std::env::var_os("PLAN_CASES_VERBOSE").is_some_and(|v| v != "0")
}

fn engine_config(c: &Config) -> Result<EngineConfig, String> {
    let mut cfg = EngineConfig {
        lenient_scope_search: c.lenient_scope_search,
        globals: c.globals.clone(),
        ..EngineConfig::default()
    };
    if let Some(v) = &c.default_policy_version {
        cfg.default_policy_version = v.clone();
    }
    if let Some(s) = &c.default_scope {
        cfg.default_scope = s.clone();
    }
    cfg.evaluation_mode = match c.evaluation_mode.as_deref() {
        None | Some("strict") => EvaluationMode::Strict,
        Some("cerbos_compat" | "lenient") => EvaluationMode::CerbosCompat,
        Some(other) => return Err(format!("unknown evaluationMode `{other}`")),
    };
    cfg.schema_enforcement = match c.schema_enforcement.as_deref() {
        None | Some("none") => SchemaEnforcement::None,
        Some("warn") => SchemaEnforcement::Warn,
        Some("reject") => SchemaEnforcement::Reject,
        Some(other) => return Err(format!("unknown schemaEnforcement `{other}`")),
    };
    Ok(cfg)
}

// ------------------------------------------------------------------ S-expressions

/// Operators whose operands the spec lets tests sort.
const COMMUTATIVE: &[&str] = &["and", "or", "eq", "ne", "add", "mult"];

/// The §8 form with the operands of commutative operators sorted, recursively, and numbers
/// compared by value (`3` and `3.0` are the same JSON number).
fn canonical(o: &Operand) -> String {
    match o {
        Operand::Value(v) => numbers_as_f64(v).to_string(),
        Operand::Expression(e) => {
            let mut parts: Vec<String> = e.operands.iter().map(canonical).collect();
            if COMMUTATIVE.contains(&e.operator.as_str()) {
                parts.sort();
            }
            let mut s = format!("({}", e.operator);
            for p in parts {
                s.push(' ');
                s.push_str(&p);
            }
            s.push(')');
            s
        }
        Operand::Variable(v) => v.clone(),
    }
}

fn numbers_as_f64(v: &Json) -> Json {
    match v {
        Json::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| v.clone(), Json::Number),
        Json::Array(items) => Json::Array(items.iter().map(numbers_as_f64).collect()),
        Json::Object(m) => Json::Object(
            m.iter()
                .map(|(k, x)| (k.clone(), numbers_as_f64(x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Parses the §8 S-expression form: `(op operand...)`, bare names (variables, or JSON
/// scalars `true`/`false`/`null`/numbers), and JSON strings, arrays and objects.
fn parse_sexpr(text: &str) -> Result<Operand, String> {
    let mut p = SexprParser { text, pos: 0 };
    let o = p.operand()?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(format!(
            "trailing text at byte {}: {:?}",
            p.pos,
            &text[p.pos..]
        ));
    }
    Ok(o)
}

struct SexprParser<'a> {
    text: &'a str,
    pos: usize,
}

impl SexprParser<'_> {
    fn rest(&self) -> &str {
        &self.text[self.pos..]
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    fn operand(&mut self) -> Result<Operand, String> {
        self.skip_ws();
        match self.rest().chars().next() {
            None => Err("unexpected end".to_string()),
            Some('(') => {
                self.pos += 1;
                let op = self.token();
                if op.is_empty() {
                    return Err(format!("missing operator at byte {}", self.pos));
                }
                let mut operands = Vec::new();
                loop {
                    self.skip_ws();
                    match self.rest().chars().next() {
                        Some(')') => {
                            self.pos += 1;
                            return Ok(Operand::expr(op, operands));
                        }
                        None => return Err("unclosed `(`".to_string()),
                        _ => operands.push(self.operand()?),
                    }
                }
            }
            Some('"' | '[' | '{') => {
                let mut stream =
                    serde_json::Deserializer::from_str(self.rest()).into_iter::<Json>();
                let v = stream
                    .next()
                    .ok_or("missing value")?
                    .map_err(|e| format!("bad JSON at byte {}: {e}", self.pos))?;
                self.pos += stream.byte_offset();
                Ok(Operand::Value(v))
            }
            Some(_) => {
                let tok = self.token();
                if tok.is_empty() {
                    return Err(format!("unexpected {:?}", self.rest()));
                }
                match serde_json::from_str::<Json>(&tok) {
                    Ok(v) if !v.is_string() => Ok(Operand::Value(v)),
                    _ => Ok(Operand::Variable(tok)),
                }
            }
        }
    }

    fn token(&mut self) -> String {
        let end = self
            .rest()
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .unwrap_or(self.rest().len());
        let tok = self.rest()[..end].to_string();
        self.pos += end;
        tok
    }
}

#[test]
fn sexpr_parser_reads_the_debug_form() {
    let o = Operand::expr(
        "and",
        [
            Operand::expr(
                "not",
                [Operand::expr(
                    "in",
                    [
                        Operand::var("request.resource.attr.state"),
                        Operand::value(serde_json::json!(["a b", "(c)"])),
                    ],
                )],
            ),
            Operand::expr(
                "eq",
                [Operand::var("request.resource.attr.n"), Operand::value(2.5)],
            ),
            Operand::expr(
                "ne",
                [
                    Operand::var("x"),
                    Operand::value(serde_json::json!({"k": [1, null, true]})),
                ],
            ),
        ],
    );
    assert_eq!(parse_sexpr(&o.to_string()).unwrap(), o);
    let swapped = parse_sexpr(r#"(and (ne x {"k":[1,null,true]}) (eq 2.5 request.resource.attr.n) (not (in request.resource.attr.state ["a b","(c)"])))"#).unwrap();
    assert_eq!(canonical(&swapped), canonical(&o));
    assert_eq!(
        canonical(&parse_sexpr("(eq a [3, {\"k\": 1}])").unwrap()),
        canonical(&parse_sexpr("(eq a [3.0, {\"k\": 1.0}])").unwrap())
    );
    assert_ne!(
        canonical(&parse_sexpr("(eq a 3)").unwrap()),
        canonical(&parse_sexpr("(eq a \"3\")").unwrap())
    );
    // `lt` is not commutative.
    assert_ne!(
        canonical(&parse_sexpr("(lt a 1)").unwrap()),
        canonical(&parse_sexpr("(lt 1 a)").unwrap())
    );
    assert!(parse_sexpr("(eq a").is_err());
    assert!(parse_sexpr("(eq a 1) x").is_err());
}
