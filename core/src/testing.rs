//! Policy test suites (`policy-format.md` §16): run `*_test.yaml` files against a policy set
//! and report every (test, principal, resource, action) as passed, failed, errored or skipped.
//!
//! A suite lists principals and resources (inline or from the `testdata/` fixtures beside it),
//! and tests that cross them with actions and state the expected effects. Anything not stated
//! is expected to be `EFFECT_DENY`.
//!
//! ```
//! use authz_core::testing::{render_human, TestResult, TestRunner};
//! use authz_core::{PolicySet, SourceFile};
//!
//! let policies = PolicySet::from_sources([("expense.yaml", r#"
//! apiVersion: api.cerbos.dev/v1
//! resourcePolicy:
//!   resource: expense
//!   version: default
//!   rules:
//!     - name: owner-reads
//!       actions: [read]
//!       effect: EFFECT_ALLOW
//!       roles: [user]
//!       condition:
//!         match:
//!           expr: R.attr.owner == P.id
//! "#)])?;
//!
//! let suite = r#"
//! name: ExpenseSuite
//! principals:
//!   alice: { id: alice, roles: [user] }
//! resources:
//!   mine: { kind: expense, id: e1, attr: { owner: alice } }
//!   theirs: { kind: expense, id: e2, attr: { owner: bob } }
//! tests:
//!   - name: owners read their own reports
//!     input: { principals: [alice], resources: [mine, theirs], actions: [read] }
//!     expected:
//!       - { principal: alice, resource: mine, actions: { read: EFFECT_ALLOW } }
//! "#;
//! let files = vec![SourceFile { path: "expense_test.yaml".into(), text: suite.into() }];
//! let results = TestRunner::new(policies).run_files(files);
//!
//! assert_eq!(results.overall(), TestResult::Passed);
//! assert_eq!(results.summary.tests_count, 2); // (alice, mine, read) and (alice, theirs, read)
//! assert!(render_human(&results).contains("[PASSED] ExpenseSuite (expense_test.yaml): 2 passed"));
//! # Ok::<(), authz_core::BuildErrors>(())
//! ```

use std::path::Path;

use crate::config::{EngineConfig, EvaluationMode};
use crate::load::Tree;
use crate::policy_set::PolicySet;
use crate::source::SourceFile;

mod filter;
mod fixtures;
mod plan;
mod report;
mod results;
mod run;
mod suite;

pub use filter::TestFilter;
pub use report::render_human;
pub use results::{
    ActionResult, ActualOutput, Details, Failure, Outcome, OutputFailure, OutputOutcome,
    PrincipalResult, ResourceResult, ResultCount, Success, SuiteResult, Summary, TestCaseResult,
    TestResult, TestResults,
};

/// Runs policy test suites against a policy set.
///
/// Each test runs with an engine configuration built from the runner's base
/// ([`TestRunner::with_config`]) overridden by the options in force (the test's own, else the
/// suite's). A suite or test without `strictEvaluation` runs in the runner's default mode:
/// the base configuration's [`EngineConfig::evaluation_mode`] (strict unless changed), or the
/// mode given to [`TestRunner::with_default_mode`].
#[derive(Debug, Clone)]
pub struct TestRunner {
    policies: PolicySet,
    base: EngineConfig,
    default_mode: Option<EvaluationMode>,
    filter: TestFilter,
}

impl TestRunner {
    /// A runner over `policies` with the default engine settings, strict evaluation and no
    /// filter.
    pub fn new(policies: PolicySet) -> Self {
        TestRunner {
            policies,
            base: EngineConfig::default(),
            default_mode: None,
            filter: TestFilter::all(),
        }
    }

    /// Sets the base engine configuration (globals, default version and scope, lenient scope
    /// search, schema enforcement, evaluation mode); suite and test options override it.
    #[must_use]
    pub fn with_config(mut self, base: EngineConfig) -> Self {
        self.base = base;
        self
    }

    /// Sets the mode used when a suite or test has no `strictEvaluation` option, whatever the
    /// base configuration says: [`EvaluationMode::CerbosCompat`] for suites written against
    /// Cerbos (the CLI's `--lenient`).
    #[must_use]
    pub fn with_default_mode(mut self, mode: EvaluationMode) -> Self {
        self.default_mode = Some(mode);
        self
    }

    /// Runs only what `filter` selects; everything else is reported as skipped, not counted.
    #[must_use]
    pub fn with_filter(mut self, filter: TestFilter) -> Self {
        self.filter = filter;
        self
    }

    /// The mode for suites and tests without `strictEvaluation`.
    fn default_mode(&self) -> EvaluationMode {
        self.default_mode.unwrap_or(self.base.evaluation_mode)
    }

    /// Runs every `*_test.{yaml,yml,json}` file under `dir` (hidden paths and `testdata/`
    /// excepted), each with the fixtures of its sibling `testdata/` directory. Suites are
    /// reported by their path relative to `dir`, sorted.
    pub fn run_dir(&self, dir: &Path) -> TestResults {
        run::run_tree(self, &Tree::read_dir(dir))
    }

    /// Runs suites held in memory: `files` holds suites and fixture files (`testdata/...`)
    /// with relative paths, classified as in a policy directory. Other files are ignored.
    pub fn run_files(&self, files: Vec<SourceFile>) -> TestResults {
        run::run_tree(self, &Tree::from_files(files))
    }
}
