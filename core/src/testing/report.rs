//! The human-readable test report.

use std::fmt::Write as _;

use super::results::{Outcome, OutputOutcome, SuiteResult, TestResult, TestResults};

/// Renders results for people: one line per suite with its counts, then a line per failed or
/// errored action (with its output failures), then a summary line.
///
/// ```text
/// [FAILED] ExpenseMatrix (expense_test.yaml): 99 passed, 1 failed
/// FAIL ExpenseMatrix / full matrix / alice / alice_draft / update: expected EFFECT_ALLOW, got EFFECT_DENY
///
/// FAILED: 99 passed, 1 failed, 0 errored, 0 skipped in 1 suite
/// ```
pub fn render_human(results: &TestResults) -> String {
    let mut out = String::new();
    for s in &results.suites {
        suite_line(&mut out, s);
    }
    let mut problems = String::new();
    for s in &results.suites {
        problem_lines(&mut problems, s);
    }
    if !problems.is_empty() {
        out.push_str(&problems);
    }
    let sum = &results.summary;
    let n = results.suites.len();
    let broken = results.suites.iter().filter(|s| s.error.is_some()).count();
    let _ = write!(
        out,
        "\n{}: {} passed, {} failed, {} errored, {} skipped in {n} suite{}",
        label(sum.overall_result),
        sum.count(TestResult::Passed),
        sum.count(TestResult::Failed),
        sum.count(TestResult::Errored),
        sum.count(TestResult::Skipped),
        plural(n),
    );
    if broken > 0 {
        let _ = write!(out, " ({broken} suite{} could not run)", plural(broken));
    }
    out.push('\n');
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn label(r: TestResult) -> &'static str {
    match r {
        TestResult::Skipped => "SKIPPED",
        TestResult::Passed => "PASSED",
        TestResult::Failed => "FAILED",
        TestResult::Errored => "ERRORED",
    }
}

fn suite_line(out: &mut String, s: &SuiteResult) {
    let _ = write!(
        out,
        "[{}] {} ({})",
        label(s.summary.overall_result),
        s.name,
        s.file
    );
    let counts: Vec<String> = TestResult::ALL
        .iter()
        .rev()
        .map(|r| (r, s.summary.count(*r)))
        .filter(|(_, n)| *n > 0)
        .map(|(r, n)| format!("{n} {}", r.word()))
        .collect();
    if !counts.is_empty() {
        let _ = write!(out, ": {}", counts.join(", "));
    } else if let Some(reason) = &s.skip_reason {
        let _ = write!(out, ": skipped: {reason}");
    }
    out.push('\n');
    if let Some(e) = &s.error {
        for line in e.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
}

fn problem_lines(out: &mut String, s: &SuiteResult) {
    for tc in &s.test_cases {
        for p in &tc.principals {
            for r in &p.resources {
                for a in &r.actions {
                    let what = format!(
                        "{} / {} / {} / {} / {}",
                        s.name, tc.name, p.name, r.name, a.name
                    );
                    match &a.details.outcome {
                        Some(Outcome::Failure(f)) => {
                            let _ = write!(out, "FAIL {what}: ");
                            if f.expected == f.actual {
                                let _ = writeln!(
                                    out,
                                    "{} as expected, but outputs differ",
                                    f.actual.as_str()
                                );
                            } else {
                                let _ = writeln!(
                                    out,
                                    "expected {}, got {}",
                                    f.expected.as_str(),
                                    f.actual.as_str()
                                );
                            }
                            for o in &f.outputs {
                                let _ = match &o.outcome {
                                    OutputOutcome::Mismatched { expected, actual } => writeln!(
                                        out,
                                        "    output {}: expected {expected}, got {actual}",
                                        o.src
                                    ),
                                    OutputOutcome::Missing { expected } => writeln!(
                                        out,
                                        "    output {}: expected {expected}, got no output",
                                        o.src
                                    ),
                                    OutputOutcome::Errored { expected, error } => writeln!(
                                        out,
                                        "    output {}: expected {expected}, got error: {error}",
                                        o.src
                                    ),
                                };
                            }
                        }
                        Some(Outcome::Error(e)) => {
                            let _ = writeln!(out, "ERROR {what}: {e}");
                        }
                        _ => {}
                    }
                }
            }
        }
    }
}
