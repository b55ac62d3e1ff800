//! Selecting what runs: `suite=<glob>;test=<glob>;principal=<glob>;resource=<glob>;action=<glob>`.

use std::fmt;
use std::str::FromStr;

/// Which suites, tests, principals, resources and actions run (§16.4).
///
/// Parsed from `key=glob` parts joined by `;`, any subset of the keys `suite` (suite name),
/// `test` (test name), `principal` and `resource` (keys in the suite or fixtures) and
/// `action`. Globs use `*` (any run of characters) and `?` (one character). What a filter
/// leaves out is reported as skipped and not counted.
///
/// ```
/// use authz_core::testing::TestFilter;
///
/// let f = TestFilter::parse("test=owner*; action=read").unwrap();
/// assert_eq!(f.to_string(), "test=owner*;action=read");
/// assert!(TestFilter::parse("tset=x").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestFilter {
    suite: Option<String>,
    test: Option<String>,
    principal: Option<String>,
    resource: Option<String>,
    action: Option<String>,
}

impl TestFilter {
    /// A filter that selects everything.
    pub fn all() -> TestFilter {
        TestFilter::default()
    }

    /// Parses `key=glob` parts separated by `;` (blank parts are ignored; an empty string
    /// selects everything).
    ///
    /// # Errors
    /// A part without `=`, an unknown key, or a key given twice.
    pub fn parse(s: &str) -> Result<TestFilter, String> {
        let mut f = TestFilter::default();
        for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, glob)) = part.split_once('=') else {
                return Err(format!("invalid filter part `{part}`: expected `key=glob`"));
            };
            let key = key.trim();
            let slot = match key {
                "suite" => &mut f.suite,
                "test" => &mut f.test,
                "principal" => &mut f.principal,
                "resource" => &mut f.resource,
                "action" => &mut f.action,
                _ => {
                    return Err(format!(
                        "unknown filter key `{key}`: expected suite, test, principal, resource or action"
                    ))
                }
            };
            if slot.is_some() {
                return Err(format!("filter key `{key}` is given more than once"));
            }
            *slot = Some(glob.trim().to_string());
        }
        Ok(f)
    }

    pub(crate) fn suite(&self, name: &str) -> bool {
        matches(self.suite.as_deref(), name)
    }

    pub(crate) fn test(&self, name: &str) -> bool {
        matches(self.test.as_deref(), name)
    }

    pub(crate) fn principal(&self, name: &str) -> bool {
        matches(self.principal.as_deref(), name)
    }

    pub(crate) fn resource(&self, name: &str) -> bool {
        matches(self.resource.as_deref(), name)
    }

    pub(crate) fn action(&self, name: &str) -> bool {
        matches(self.action.as_deref(), name)
    }
}

impl FromStr for TestFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        TestFilter::parse(s)
    }
}

impl fmt::Display for TestFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("suite", &self.suite),
            ("test", &self.test),
            ("principal", &self.principal),
            ("resource", &self.resource),
            ("action", &self.action),
        ];
        let mut first = true;
        for (k, v) in parts {
            if let Some(v) = v {
                if !first {
                    f.write_str(";")?;
                }
                first = false;
                write!(f, "{k}={v}")?;
            }
        }
        Ok(())
    }
}

fn matches(glob: Option<&str>, s: &str) -> bool {
    glob.is_none_or(|g| glob_match(g, s))
}

/// Matches `s` against `glob`, where `*` is any run of characters and `?` one character.
pub(crate) fn glob_match(glob: &str, s: &str) -> bool {
    let g: Vec<char> = glob.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut gi, mut ti) = (0, 0);
    // Where the last `*` was, and the text position it currently absorbs up to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match g.get(gi) {
            Some('*') => {
                star = Some((gi, ti));
                gi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                gi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sg, st)) => {
                    gi = sg + 1;
                    ti = st + 1;
                    star = Some((sg, st + 1));
                }
                None => return false,
            },
        }
    }
    g[gi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything"));
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("a*c", "ac"));
        assert!(!glob_match("a*c", "acb"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*draft", "alice_draft"));
        assert!(!glob_match("*draft", "alice_drafts"));
        assert!(glob_match("al*_*t", "alice_draft"));
        assert!(glob_match("é?", "éa"));
        assert!(!glob_match("bob", "bobby"));
        assert!(glob_match("**x", "yx"));
    }

    #[test]
    fn parse_keys() {
        let f = TestFilter::parse(" suite=Exp* ;principal=alice;").unwrap_or_default();
        assert!(f.suite("ExpenseMatrix"));
        assert!(!f.suite("Other"));
        assert!(f.principal("alice"));
        assert!(!f.principal("bob"));
        assert!(f.resource("anything"));
        assert_eq!(TestFilter::parse(""), Ok(TestFilter::all()));
        assert!(TestFilter::parse("suite").is_err());
        assert!(TestFilter::parse("action=a;action=b").is_err());
        assert_eq!(
            TestFilter::parse("bogus=1").err().as_deref(),
            Some("unknown filter key `bogus`: expected suite, test, principal, resource or action")
        );
    }
}
