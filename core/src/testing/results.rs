//! Test results (`policy-format.md` §16.4), serialized per `json-io.md` §1: camelCase names,
//! enums as names, fields holding their default omitted.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::decision::Effect;

/// The outcome of one (test, principal, resource, action), and the roll-up of many.
///
/// Ordered `Skipped < Passed < Failed < Errored`: a roll-up is the maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TestResult {
    /// Not run: skipped by the suite or test, or left out by a filter.
    #[serde(rename = "RESULT_SKIPPED")]
    Skipped,
    /// The decision and outputs were as expected.
    #[serde(rename = "RESULT_PASSED")]
    Passed,
    /// The decision or an output differed from the expectation.
    #[serde(rename = "RESULT_FAILED")]
    Failed,
    /// The suite or test could not be run as written.
    #[serde(rename = "RESULT_ERRORED")]
    Errored,
}

impl TestResult {
    /// Every result, in order.
    pub const ALL: [TestResult; 4] = [
        TestResult::Skipped,
        TestResult::Passed,
        TestResult::Failed,
        TestResult::Errored,
    ];

    /// `RESULT_SKIPPED`, `RESULT_PASSED`, `RESULT_FAILED` or `RESULT_ERRORED`.
    pub fn as_str(self) -> &'static str {
        match self {
            TestResult::Skipped => "RESULT_SKIPPED",
            TestResult::Passed => "RESULT_PASSED",
            TestResult::Failed => "RESULT_FAILED",
            TestResult::Errored => "RESULT_ERRORED",
        }
    }

    /// Lowercase word for reports: `skipped`, `passed`, `failed`, `errored`.
    pub fn word(self) -> &'static str {
        match self {
            TestResult::Skipped => "skipped",
            TestResult::Passed => "passed",
            TestResult::Failed => "failed",
            TestResult::Errored => "errored",
        }
    }

    /// Whether this result means the run went well (`Passed` or `Skipped`).
    pub fn is_success(self) -> bool {
        self <= TestResult::Passed
    }
}

impl fmt::Display for TestResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every suite's results plus the overall summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResults {
    /// One entry per suite file, sorted by file path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suites: Vec<SuiteResult>,
    /// Counts over all suites; `overallResult` is the maximum over the suites.
    pub summary: Summary,
}

impl TestResults {
    /// The overall result: the maximum over every suite (`Skipped` when there are none).
    pub fn overall(&self) -> TestResult {
        self.summary.overall_result
    }

    /// Builds the results from suites, sorting them by file and summing their summaries.
    pub(crate) fn from_suites(mut suites: Vec<SuiteResult>) -> TestResults {
        suites.sort_by(|a, b| a.file.cmp(&b.file));
        let mut summary = Summary::new(TestResult::Skipped);
        for s in &suites {
            summary.overall_result = summary.overall_result.max(s.summary.overall_result);
            summary.tests_count += s.summary.tests_count;
            for c in &s.summary.result_counts {
                summary.add(c.result, c.count);
            }
        }
        TestResults { suites, summary }
    }
}

/// The results of one suite file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SuiteResult {
    /// The suite file's path, relative to the directory searched.
    pub file: String,
    /// The suite's `name`; `Unknown` when the file could not be read or parsed.
    pub name: String,
    /// The suite's `description`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Counts over the suite.
    pub summary: Summary,
    /// Why the suite could not be run (`RESULT_ERRORED`): every problem, one per line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the suite was skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_reason: Option<String>,
    /// One entry per test, in suite order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_cases: Vec<TestCaseResult>,
}

/// The results of one test of a suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestCaseResult {
    /// The test's `name`.
    pub name: String,
    /// One entry per input principal, in input order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub principals: Vec<PrincipalResult>,
}

/// The results for one principal of a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalResult {
    /// The principal's key in the suite or fixtures.
    pub name: String,
    /// One entry per input resource, in input order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceResult>,
}

/// The results for one (principal, resource) pair of a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceResult {
    /// The resource's key in the suite or fixtures.
    pub name: String,
    /// One entry per input action, in input order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionResult>,
}

/// The result for one action of a (principal, resource) pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActionResult {
    /// The action.
    pub name: String,
    /// What happened.
    pub details: Details,
}

/// What happened to one (test, principal, resource, action).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Details {
    /// The result.
    pub result: TestResult,
    /// Why: absent for a skip without a reason.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

/// The detail of a result: serialized as one of `success`, `failure`, `error`, `skipReason`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// `RESULT_PASSED`: the effect, and the action's outputs.
    Success(Success),
    /// `RESULT_FAILED`: expected and actual effects, and the outputs that did not match.
    Failure(Failure),
    /// `RESULT_ERRORED`: what went wrong.
    Error(String),
    /// `RESULT_SKIPPED`: the `skipReason` of the suite or test.
    SkipReason(String),
}

/// A passed action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Success {
    /// The effect, as expected.
    pub effect: Effect,
    /// Every output the check produced for the action.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<ActualOutput>,
}

/// An output entry produced by a check (`src` and `val`, or `error` when it failed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActualOutput {
    /// The rule reference.
    pub src: String,
    /// The value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub val: Option<Json>,
    /// The error of the output expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A failed action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// The expected effect.
    pub expected: Effect,
    /// The effect the engine decided.
    pub actual: Effect,
    /// Expected outputs that were missing or different.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<OutputFailure>,
}

/// An expected output that did not match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputFailure {
    /// The rule reference expected to produce the output.
    pub src: String,
    /// How it failed.
    #[serde(flatten)]
    pub outcome: OutputOutcome,
}

/// How an expected output failed: serialized as one of `mismatched`, `missing`, `errored`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OutputOutcome {
    /// The rule produced a different value.
    Mismatched {
        /// The expected value.
        expected: Json,
        /// The value produced.
        actual: Json,
    },
    /// The rule produced no output for the action.
    Missing {
        /// The expected value.
        expected: Json,
    },
    /// The output expression failed.
    Errored {
        /// The expected value.
        expected: Json,
        /// The evaluation error.
        error: String,
    },
}

/// Counts and the roll-up of a suite or of a whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The maximum result.
    pub overall_result: TestResult,
    /// How many (test, principal, resource, action) were counted.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tests_count: u32,
    /// Per result, how many; results that did not occur are left out. Ascending by result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub result_counts: Vec<ResultCount>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Summary {
    /// An empty summary with `overall` as its result.
    pub(crate) fn new(overall: TestResult) -> Summary {
        Summary {
            overall_result: overall,
            tests_count: 0,
            result_counts: Vec::new(),
        }
    }

    /// The count for `result` (0 when absent).
    pub fn count(&self, result: TestResult) -> u32 {
        self.result_counts
            .iter()
            .find(|c| c.result == result)
            .map_or(0, |c| c.count)
    }

    /// Adds `n` to the count of `result`, keeping counts sorted (does not touch the totals).
    fn add(&mut self, result: TestResult, n: u32) {
        match self.result_counts.iter_mut().find(|c| c.result == result) {
            Some(c) => c.count += n,
            None => {
                self.result_counts.push(ResultCount { result, count: n });
                self.result_counts.sort_by_key(|c| c.result);
            }
        }
    }

    /// Counts one result and raises the overall result to it.
    pub(crate) fn record(&mut self, result: TestResult) {
        self.tests_count += 1;
        self.overall_result = self.overall_result.max(result);
        self.add(result, 1);
    }
}

/// How many times a result occurred.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultCount {
    /// The result.
    pub result: TestResult,
    /// How many (test, principal, resource, action) had it.
    pub count: u32,
}
