//! Name sanitising, field validators, scope chains and action/role/kind patterns (spec §3, §11).

use std::borrow::Cow;
use std::fmt::Write as _;

use regex::Regex;

/// Whether `b` is in `[A-Za-z0-9_]` (the spec's `\w`).
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `b` is in `[\w\-]`.
fn is_word_or_dash(b: u8) -> bool {
    is_word(b) || b == b'-'
}

/// Whether `seg` matches `[A-Za-z][A-Za-z0-9_@.\-/]*` (one `:`-separated segment of §3.1).
fn is_sanitizable_segment(seg: &str) -> bool {
    let mut bytes = seg.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() => {}
        _ => return false,
    }
    bytes.all(|b| is_word(b) || matches!(b, b'@' | b'.' | b'-' | b'/'))
}

/// Whether `b` survives sanitising unchanged (`[A-Za-z0-9_.]`).
fn is_kept(b: u8) -> bool {
    is_word(b) || b == b'.'
}

/// Sanitises a name (§3.1).
///
/// If `v` matches `^[A-Za-z][A-Za-z0-9_@.\-/]*(:[A-Za-z][A-Za-z0-9_@.\-/]*)*$`, every maximal run
/// of characters outside `[A-Za-z0-9_.]` is replaced by one `_`; otherwise `v` is returned
/// unchanged. Borrows whenever nothing changes.
pub(crate) fn sanitize(v: &str) -> Cow<'_, str> {
    // The common case first: nothing to replace (a kind like `expense`).
    if v.bytes().all(is_kept) || !v.split(':').all(is_sanitizable_segment) {
        return Cow::Borrowed(v);
    }
    // A sanitisable string is pure ASCII, so byte-wise processing is exact.
    let mut out = String::with_capacity(v.len());
    let mut in_run = false;
    for c in v.chars() {
        if c.is_ascii() && is_kept(c as u8) {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    Cow::Owned(out)
}

/// Validates a scope (§3.4): `^(^$|\.|[0-9a-zA-Z][\w\-]*(\.\w[\w\-]*)*)$`.
///
/// Accepts the empty (root) scope, a lone `.`, or dot-separated non-empty segments of `[\w\-]`,
/// the first starting with an alphanumeric character and the others with a `\w` character.
pub(crate) fn is_valid_scope(s: &str) -> bool {
    if s.is_empty() || s == "." {
        return true;
    }
    s.split('.').enumerate().all(|(i, seg)| {
        let mut bytes = seg.bytes();
        let first_ok = match bytes.next() {
            Some(b) if i == 0 => b.is_ascii_alphanumeric(),
            Some(b) => is_word(b),
            None => false,
        };
        first_ok && bytes.all(is_word_or_dash)
    })
}

/// Validates a resource or principal policy version (§3.4): `^\w+$`.
pub(crate) fn is_valid_version(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_word)
}

/// Validates a role policy version (§3.4): `^\w*$` (empty means `default`).
pub(crate) fn is_valid_role_policy_version(s: &str) -> bool {
    s.bytes().all(is_word)
}

/// Validates a name reference (§3.4): `^[\w\-.]+$`.
///
/// Used for import names, derived role names and derived-roles / export set names.
pub(crate) fn is_valid_name_ref(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| is_word_or_dash(b) || b == b'.')
}

/// Validates a rule name (§3.4): `^([a-zA-Z][\w@.\-]*)*$`.
///
/// Equivalent to: empty, or an ASCII letter followed by characters of `[\w@.\-]`.
pub(crate) fn is_valid_rule_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        None => true,
        Some(b) if b.is_ascii_alphabetic() => {
            bytes.all(|b| is_word_or_dash(b) || matches!(b, b'@' | b'.'))
        }
        Some(_) => false,
    }
}

/// Whether `s` contains a glob character (`!`, `*`, `?`, `[`, `]`, `{` or `}`).
///
/// Resource kinds, principal ids and role names must not (§3.4: `^[^!*?\[\]{}]+$`).
pub(crate) fn has_glob_chars(s: &str) -> bool {
    s.bytes()
        .any(|b| matches!(b, b'!' | b'*' | b'?' | b'[' | b']' | b'{' | b'}'))
}

/// Words that CEL reserves and that therefore cannot name a variable or constant.
const CEL_RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "false",
    "for",
    "function",
    "if",
    "import",
    "in",
    "let",
    "loop",
    "namespace",
    "null",
    "package",
    "return",
    "true",
    "var",
    "void",
    "while",
];

/// Whether `s` is a CEL identifier: `[_a-zA-Z][_a-zA-Z0-9]*` and not a CEL reserved word.
pub(crate) fn is_cel_identifier(s: &str) -> bool {
    let mut bytes = s.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(is_word) && !CEL_RESERVED.contains(&s)
}

/// The parent of a scope: `"a.b"` → `Some("a")`, `"a"` → `Some("")`, `""` → `None`.
pub(crate) fn parent_scope(s: &str) -> Option<&str> {
    if s.is_empty() {
        return None;
    }
    Some(s.rsplit_once('.').map_or("", |(parent, _)| parent))
}

/// The scope candidates of §11.1, leaf to root: `"a.b.c"` → `"a.b.c"`, `"a.b"`, `"a"`, `""`.
///
/// The root scope `""` yields just `""`.
#[allow(
    dead_code,
    reason = "part of the scope API; the compiler walks chains with `parent_scope`"
)]
pub(crate) fn scope_ancestry(scope: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(scope), |s| parent_scope(s))
}

/// A compiled glob (§3.5): an anchored regular expression plus the source text.
///
/// Matching runs in time linear in the input, does not allocate and never panics.
#[derive(Clone)]
pub(crate) struct GlobMatcher {
    /// The glob as written in the policy.
    source: String,
    /// The anchored translation of `source`.
    regex: Regex,
}

impl GlobMatcher {
    /// Whether the whole of `s` matches the glob.
    pub(crate) fn matches(&self, s: &str) -> bool {
        self.regex.is_match(s)
    }
}

/// Shows the glob as written, not its regex translation.
impl std::fmt::Debug for GlobMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("GlobMatcher").field(&self.source).finish()
    }
}

/// A compiled pattern (§3.5) for actions, roles and resource kinds.
#[derive(Debug, Clone)]
pub(crate) enum Pattern {
    /// The pattern `*`: matches everything, `:` included.
    Any,
    /// A pattern matched by string equality.
    Literal(String),
    /// A glob with `:` as the separator.
    Glob(GlobMatcher),
}

impl Pattern {
    /// Compiles a pattern.
    ///
    /// `always_glob` is true for `allowActions` and `ignoreWhen.actions` entries, which are
    /// globs even without a `*`; otherwise a pattern without `*` is a literal. A glob without
    /// any glob syntax after escapes are resolved also compiles to a [`Pattern::Literal`].
    ///
    /// Errors carry a lowercase message such as
    /// ``invalid glob `a[`: unclosed character class``.
    pub(crate) fn new(p: &str, always_glob: bool) -> Result<Pattern, String> {
        if p == "*" {
            return Ok(Pattern::Any);
        }
        if !always_glob && !p.contains('*') {
            return Ok(Pattern::Literal(p.to_string()));
        }
        match translate_glob(p).map_err(|reason| format!("invalid glob `{p}`: {reason}"))? {
            Translated::Literal(lit) => Ok(Pattern::Literal(lit)),
            Translated::Regex(re) => {
                let regex = Regex::new(&re).map_err(|e| {
                    let reason = match e {
                        regex::Error::CompiledTooBig(_) => "pattern too large",
                        _ => "pattern too complex",
                    };
                    format!("invalid glob `{p}`: {reason}")
                })?;
                Ok(Pattern::Glob(GlobMatcher {
                    source: p.to_string(),
                    regex,
                }))
            }
        }
    }

    /// Whether `s` matches the pattern.
    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            Pattern::Any => true,
            Pattern::Literal(l) => l == s,
            Pattern::Glob(g) => g.matches(s),
        }
    }

    /// The literal string, if the pattern matches only that string.
    pub(crate) fn is_literal(&self) -> Option<&str> {
        match self {
            Pattern::Literal(l) => Some(l),
            Pattern::Any | Pattern::Glob(_) => None,
        }
    }
}

/// The result of translating a glob.
enum Translated {
    /// The glob has no glob syntax: it matches exactly this (unescaped) string.
    Literal(String),
    /// An anchored regular expression equivalent to the glob.
    Regex(String),
}

/// Appends `c` to a regular expression as a literal character.
fn push_regex_char(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        // Hex escapes are literal both inside and outside classes.
        let _ = write!(out, "\\x{{{:X}}}", u32::from(c));
    }
}

/// Parses the body of a character class; `chars` is positioned just after the `[`.
///
/// Appends the class to `out` as a regex class that never matches `:`.
fn translate_class(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) -> Result<(), String> {
    const UNCLOSED: &str = "unclosed character class";
    let negated = chars.next_if_eq(&'!').is_some();
    let mut items = String::new();
    let mut count = 0usize;
    loop {
        let lo = match chars.next() {
            None => return Err(UNCLOSED.to_string()),
            Some(']') => break,
            Some('\\') => chars.next().ok_or(UNCLOSED)?,
            Some(c) => c,
        };
        count += 1;
        push_regex_char(&mut items, lo);
        // A `-` followed by `]` (or the end) is a literal `-`, handled on the next iteration.
        if chars.peek() == Some(&'-') {
            let mut ahead = chars.clone();
            ahead.next();
            match ahead.peek() {
                Some(']') | None => {}
                Some(_) => {
                    chars.next();
                    let hi = match chars.next() {
                        Some('\\') => chars.next().ok_or(UNCLOSED)?,
                        Some(c) => c,
                        None => return Err(UNCLOSED.to_string()),
                    };
                    if hi < lo {
                        return Err(format!("invalid character range `{lo}-{hi}`"));
                    }
                    items.push('-');
                    push_regex_char(&mut items, hi);
                }
            }
        }
    }
    if count == 0 {
        return Err("empty character class".to_string());
    }
    if negated {
        let _ = write!(out, "[^{items}:]");
    } else {
        let _ = write!(out, "[[{items}]&&[^:]]");
    }
    Ok(())
}

/// Translates a glob (§3.5) into an anchored regular expression, or into a literal when it
/// contains no glob syntax.
fn translate_glob(p: &str) -> Result<Translated, String> {
    let mut re = String::with_capacity(p.len() * 2 + 8);
    re.push_str(r"\A(?s:");
    let mut literal = String::with_capacity(p.len());
    let mut is_literal = true;
    let mut depth = 0usize;
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let e = chars.next().ok_or("trailing backslash")?;
                push_regex_char(&mut re, e);
                literal.push(e);
            }
            '*' => {
                is_literal = false;
                if chars.next_if_eq(&'*').is_some() {
                    while chars.next_if_eq(&'*').is_some() {}
                    re.push_str(".*");
                } else {
                    re.push_str("[^:]*");
                }
            }
            '?' => {
                is_literal = false;
                re.push_str("[^:]");
            }
            '[' => {
                is_literal = false;
                translate_class(&mut chars, &mut re)?;
            }
            '{' => {
                is_literal = false;
                depth += 1;
                re.push_str("(?:");
            }
            ',' if depth > 0 => re.push('|'),
            '}' if depth > 0 => {
                depth -= 1;
                re.push(')');
            }
            c => {
                push_regex_char(&mut re, c);
                literal.push(c);
            }
        }
    }
    if depth > 0 {
        return Err("unclosed alternation `{`".to_string());
    }
    if is_literal {
        return Ok(Translated::Literal(literal));
    }
    re.push_str(r")\z");
    Ok(Translated::Regex(re))
}

#[cfg(test)]
#[allow(clippy::panic, reason = "test failures")]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Compiles a pattern that is expected to be valid.
    fn pat(p: &str, always_glob: bool) -> Pattern {
        match Pattern::new(p, always_glob) {
            Ok(p) => p,
            Err(e) => panic!("pattern {p:?} failed: {e}"),
        }
    }

    /// Compiles `p` as an always-glob pattern.
    fn glob(p: &str) -> Pattern {
        pat(p, true)
    }

    #[test]
    fn sanitize_spec_examples() {
        assert_eq!(sanitize("design:file"), "design_file");
        assert_eq!(sanitize("eu-ops/report"), "eu_ops_report");
        assert_eq!(sanitize("urn:x:9abc"), "urn:x:9abc");
        assert_eq!(sanitize("doc:*"), "doc:*");
    }

    #[test]
    fn sanitize_edge_cases() {
        assert!(matches!(sanitize("report"), Cow::Borrowed("report")));
        assert!(matches!(sanitize("a.b_c9"), Cow::Borrowed("a.b_c9")));
        assert!(matches!(sanitize("doc:*"), Cow::Borrowed(_)));
        assert_eq!(sanitize(""), "");
        assert_eq!(sanitize("a@b"), "a_b");
        assert_eq!(sanitize("a-/@b"), "a_b");
        assert_eq!(sanitize("a:b-c:d/e"), "a_b_c_d_e");
        assert_eq!(sanitize("a-"), "a_");
        assert_eq!(sanitize("a:-"), "a:-"); // segment starts with `-`
        assert_eq!(sanitize("a:"), "a:"); // empty segment
        assert_eq!(sanitize(":a"), ":a");
        assert_eq!(sanitize("a::b"), "a::b");
        assert_eq!(sanitize("9a"), "9a");
        assert_eq!(sanitize("_a"), "_a");
        assert_eq!(sanitize("a b"), "a b");
        assert_eq!(sanitize("caf\u{e9}-x"), "caf\u{e9}-x");
        assert_eq!(sanitize("a\n"), "a\n");
        assert_eq!(sanitize("A.B:c"), "A.B_c");
    }

    #[test]
    fn scope_validation() {
        for ok in [
            "",
            ".",
            "a",
            "eu",
            "eu.lisbon",
            "0a",
            "a-b.c_d",
            "a._b",
            "a.b-.c",
            "A1.2",
        ] {
            assert!(is_valid_scope(ok), "{ok:?}");
        }
        for bad in [
            "_a", "-a", "a.", ".a", "a..b", "a.-b", "a b", "a/b", "..", "a:b", "é",
        ] {
            assert!(!is_valid_scope(bad), "{bad:?}");
        }
    }

    #[test]
    fn version_validation() {
        assert!(is_valid_version("default"));
        assert!(is_valid_version("v_2"));
        assert!(!is_valid_version(""));
        assert!(!is_valid_version("v-2"));
        assert!(!is_valid_version("v.2"));
        assert!(is_valid_role_policy_version(""));
        assert!(is_valid_role_policy_version("default"));
        assert!(!is_valid_role_policy_version("a b"));
        assert!(!is_valid_role_policy_version("é"));
    }

    #[test]
    fn name_ref_validation() {
        for ok in ["studio_roles", "a-b.c", ".", "-", "9"] {
            assert!(is_valid_name_ref(ok), "{ok:?}");
        }
        for bad in ["", "a b", "a/b", "a:b", "a*"] {
            assert!(!is_valid_name_ref(bad), "{bad:?}");
        }
    }

    #[test]
    fn rule_name_validation() {
        for ok in ["", "team-read", "no-delete", "a@b.c", "A_1", "x"] {
            assert!(is_valid_rule_name(ok), "{ok:?}");
        }
        for bad in ["1a", "_a", "-a", "a b", "a/b", "a:b", "é"] {
            assert!(!is_valid_rule_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn glob_chars() {
        for c in ["!", "*", "?", "[", "]", "{", "}"] {
            assert!(has_glob_chars(&format!("a{c}b")), "{c}");
        }
        assert!(!has_glob_chars("report:design-file/x.y@z"));
        assert!(!has_glob_chars(""));
    }

    #[test]
    fn cel_identifiers() {
        for ok in ["a", "_", "_x9", "frozen_states", "In", "TRUE", "ins"] {
            assert!(is_cel_identifier(ok), "{ok:?}");
        }
        for bad in [
            "", "9a", "a-b", "a.b", "é", "in", "true", "false", "null", "if", "while",
        ] {
            assert!(!is_cel_identifier(bad), "{bad:?}");
        }
    }

    #[test]
    fn scopes() {
        assert_eq!(parent_scope("a.b"), Some("a"));
        assert_eq!(parent_scope("a"), Some(""));
        assert_eq!(parent_scope(""), None);
        assert_eq!(parent_scope("."), Some(""));
        let v: Vec<&str> = scope_ancestry("a.b.c").collect();
        assert_eq!(v, ["a.b.c", "a.b", "a", ""]);
        let v: Vec<&str> = scope_ancestry("").collect();
        assert_eq!(v, [""]);
        let v: Vec<&str> = scope_ancestry("eu").collect();
        assert_eq!(v, ["eu", ""]);
    }

    #[test]
    fn pattern_spec_examples() {
        let p = pat("export:*", false);
        assert!(p.matches("export:pdf"));
        assert!(p.matches("export:"));
        assert!(!p.matches("export"));
        assert!(!p.matches("export:pdf:a4"));
        assert!(pat("export:**", false).matches("export:pdf:a4"));
        assert!(pat("*:read", false).matches("doc:read"));
        assert!(!pat("*:read", false).matches("a:doc:read"));
        assert!(glob("view:{pdf,png}").matches("view:png"));
        assert!(glob("view:{pdf,png}").matches("view:pdf"));
        assert!(!glob("view:{pdf,png}").matches("view:gif"));
        let any = pat("*", false);
        assert!(matches!(any, Pattern::Any));
        for s in ["", "a", "a:b:c", ":"] {
            assert!(any.matches(s));
        }
        assert!(matches!(pat("*", true), Pattern::Any));
    }

    #[test]
    fn pattern_literals() {
        let p = pat("view", false);
        assert_eq!(p.is_literal(), Some("view"));
        assert!(p.matches("view"));
        assert!(!p.matches("views"));
        // Without `*`, glob syntax is literal outside always-glob fields.
        let p = pat("a?[b]{c}", false);
        assert_eq!(p.is_literal(), Some("a?[b]{c}"));
        assert!(p.matches("a?[b]{c}"));
        assert!(!p.matches("axbc"));
        assert_eq!(pat("a[", false).is_literal(), Some("a["));
        assert_eq!(pat("", false).is_literal(), Some(""));
        // Always-glob without glob syntax is a literal too, with escapes resolved.
        assert_eq!(glob("view").is_literal(), Some("view"));
        assert_eq!(glob(r"a\*b").is_literal(), Some("a*b"));
        assert_eq!(pat(r"a\*b", false).is_literal(), Some("a*b"));
        assert_eq!(glob("a,b}").is_literal(), Some("a,b}"));
        assert_eq!(glob("a!b]").is_literal(), Some("a!b]"));
        assert_eq!(pat("*", false).is_literal(), None);
        assert_eq!(glob("a*").is_literal(), None);
    }

    #[test]
    fn glob_wildcards() {
        let p = glob("a?c");
        assert!(p.matches("abc"));
        assert!(p.matches("a\u{e9}c"));
        assert!(!p.matches("a:c"));
        assert!(!p.matches("ac"));
        assert!(!p.matches("abbc"));
        let p = glob("**");
        assert!(p.matches("") && p.matches("a:b:c") && p.matches("\n"));
        let p = glob("a***b");
        assert!(p.matches("a:x:b"));
        let p = glob("*");
        assert!(p.matches("a:b"));
        let p = glob("a*");
        assert!(p.matches("a") && p.matches("a\nb") && !p.matches("a:"));
        let p = glob("a:**:z");
        assert!(p.matches("a:b:c:z") && p.matches("a::z") && !p.matches("a:z"));
        // Regex metacharacters are literal.
        let p = glob("a.b+(c)|^$*");
        assert!(p.matches("a.b+(c)|^$x"));
        assert!(!p.matches("aXb+(c)|^$x"));
    }

    #[test]
    fn glob_classes() {
        let p = glob("[abc]");
        assert!(p.matches("a") && p.matches("c") && !p.matches("d") && !p.matches("ab"));
        let p = glob("x[a-z0-9]");
        assert!(p.matches("xq") && p.matches("x5") && !p.matches("xQ") && !p.matches("x-"));
        let p = glob("[!abc]");
        assert!(p.matches("d") && !p.matches("a") && !p.matches(":") && !p.matches(""));
        let p = glob("[:a]");
        assert!(p.matches("a") && !p.matches(":"));
        let p = glob("[:]");
        assert!(!p.matches(":") && !p.matches("a"));
        let p = glob("[a-]");
        assert!(p.matches("a") && p.matches("-") && !p.matches("b"));
        let p = glob("[-a]");
        assert!(p.matches("a") && p.matches("-"));
        let p = glob(r"[\]\\]");
        assert!(p.matches("]") && p.matches("\\") && !p.matches("a"));
        let p = glob("[[]");
        assert!(p.matches("["));
        let p = glob(r"[!\]a]");
        assert!(p.matches("b") && !p.matches("]") && !p.matches("a"));
        let p = glob("[.^$]");
        assert!(p.matches(".") && p.matches("^") && p.matches("$") && !p.matches("a"));
        let p = glob("[é-ü]");
        assert!(p.matches("ö") && !p.matches("a"));
    }

    #[test]
    fn glob_alternation() {
        let p = glob("{a,b*}:x");
        assert!(p.matches("a:x") && p.matches("bzz:x") && !p.matches("c:x"));
        let p = glob("{a,}x");
        assert!(p.matches("ax") && p.matches("x"));
        let p = glob("{}x");
        assert!(p.matches("x") && !p.matches("{}x"));
        let p = glob("{a,{b,c}d}");
        assert!(p.matches("a") && p.matches("bd") && p.matches("cd") && !p.matches("b"));
        let p = glob("a,b*");
        assert!(p.matches("a,bc") && !p.matches("a"));
        let p = glob(r"{a\,b,c}");
        assert!(p.matches("a,b") && p.matches("c") && !p.matches("a"));
        let p = glob("{a,b}}");
        assert!(p.matches("a}") && !p.matches("a"));
        let p = glob("{[ab],?:c}");
        assert!(p.matches("a") && p.matches("z:c") && !p.matches("z"));
    }

    #[test]
    fn glob_errors() {
        for (p, msg) in [
            ("a[", "invalid glob `a[`: unclosed character class"),
            ("a[b", "invalid glob `a[b`: unclosed character class"),
            ("a[b-", "invalid glob `a[b-`: unclosed character class"),
            (r"a[\", "invalid glob `a[\\`: unclosed character class"),
            ("a[]", "invalid glob `a[]`: empty character class"),
            ("a[!]", "invalid glob `a[!]`: empty character class"),
            (
                "a[z-a]",
                "invalid glob `a[z-a]`: invalid character range `z-a`",
            ),
            ("a{b", "invalid glob `a{b`: unclosed alternation `{`"),
            ("{a,{b}", "invalid glob `{a,{b}`: unclosed alternation `{`"),
            ("a\\", "invalid glob `a\\`: trailing backslash"),
        ] {
            match Pattern::new(p, true) {
                Ok(c) => panic!("{p:?} compiled to {c:?}"),
                Err(e) => assert_eq!(e, msg),
            }
            // With a `*`, the same errors apply outside always-glob fields.
            let starred = format!("*{p}");
            assert!(Pattern::new(&starred, false).is_err(), "{starred:?}");
        }
    }

    #[test]
    fn glob_deep_nesting_is_an_error_not_a_crash() {
        let p = format!("*{}{}", "{".repeat(10_000), "}".repeat(10_000));
        assert!(Pattern::new(&p, false).is_err());
        let p = format!("*{}", "[ab]".repeat(20_000));
        let _ = Pattern::new(&p, false);
    }

    #[test]
    fn glob_source_is_kept() {
        match glob("export:*") {
            g @ Pattern::Glob(_) => {
                assert_eq!(format!("{g:?}"), r#"Glob(GlobMatcher("export:*"))"#)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn adversarial_glob_is_fast() {
        let p = glob("*a*a*a*a*a*a*a*a*a*a*b");
        let s = "a".repeat(100_000);
        let start = std::time::Instant::now();
        assert!(!p.matches(&s));
        let p2 = glob("**a**a**a**a**a**a**a**a**b");
        assert!(!p2.matches(&s));
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    /// A naive recursive reference matcher for globs over `*`, `**`, `?` and literals.
    fn reference(p: &[char], s: &[char]) -> bool {
        match p {
            [] => s.is_empty(),
            ['*', '*', rest @ ..] => {
                let rest: Vec<char> = rest.iter().copied().skip_while(|&c| c == '*').collect();
                (0..=s.len()).any(|i| reference(&rest, &s[i..]))
            }
            ['*', rest @ ..] => {
                let stop = s.iter().position(|&c| c == ':').unwrap_or(s.len());
                (0..=stop).any(|i| reference(rest, &s[i..]))
            }
            ['?', rest @ ..] => matches!(s, [c, ..] if *c != ':') && reference(rest, &s[1..]),
            [c, rest @ ..] => s.first() == Some(c) && reference(rest, &s[1..]),
        }
    }

    /// Reference regexes from the spec, with ASCII `\w`.
    fn spec_regex(re: &str) -> Regex {
        match Regex::new(&re.replace(r"\w", "[A-Za-z0-9_]")) {
            Ok(r) => r,
            Err(e) => panic!("{re}: {e}"),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn never_panics(p in any::<String>(), s in any::<String>(), g in any::<bool>()) {
            if let Ok(c) = Pattern::new(&p, g) {
                let _ = c.matches(&s);
                let _ = c.matches(&p);
                let _ = c.is_literal();
            }
        }

        #[test]
        fn never_panics_on_glob_alphabet(p in "[*?\\[\\]{},!\\\\a:-]{0,16}", s in "[a:b-]{0,12}", g in any::<bool>()) {
            if let Ok(c) = Pattern::new(&p, g) {
                let _ = c.matches(&s);
            }
        }

        #[test]
        fn plain_pattern_matches_exactly_itself(
            p in "[^*?\\[\\]{}\\\\]*",
            other in any::<String>(),
            g in any::<bool>(),
        ) {
            let c = Pattern::new(&p, g);
            prop_assert!(c.is_ok());
            if let Ok(c) = c {
                prop_assert_eq!(c.is_literal(), Some(p.as_str()));
                prop_assert!(c.matches(&p));
                prop_assert_eq!(c.matches(&other), other == p);
            }
        }

        #[test]
        fn glob_agrees_with_reference(p in "[ab:*?]{0,8}", s in "[ab:]{0,8}") {
            let c = Pattern::new(&p, true);
            prop_assert!(c.is_ok());
            if let Ok(c) = c {
                let pc: Vec<char> = p.chars().collect();
                let sc: Vec<char> = s.chars().collect();
                let expected = p == "*" || reference(&pc, &sc);
                prop_assert_eq!(c.matches(&s), expected, "pattern {:?} input {:?}", p, s);
            }
        }

        #[test]
        fn validators_agree_with_spec_regexes(s in "[aZ9_.@/:\\- é]{0,8}") {
            let scope = spec_regex(r"^(^$|\.|[0-9a-zA-Z][\w\-]*(\.\w[\w\-]*)*)$");
            prop_assert_eq!(is_valid_scope(&s), scope.is_match(&s));
            prop_assert_eq!(is_valid_version(&s), spec_regex(r"^\w+$").is_match(&s));
            prop_assert_eq!(is_valid_role_policy_version(&s), spec_regex(r"^\w*$").is_match(&s));
            prop_assert_eq!(is_valid_name_ref(&s), spec_regex(r"^[\w\-.]+$").is_match(&s));
            prop_assert_eq!(is_valid_rule_name(&s), spec_regex(r"^([a-zA-Z][\w@.\-]*)*$").is_match(&s));
            prop_assert_eq!(!has_glob_chars(&s), spec_regex(r"^[^!*?\[\]{}]*$").is_match(&s));
        }

        #[test]
        fn sanitize_agrees_with_spec(s in "[aZ9_.@/:\\-* é]{0,10}") {
            let shape = spec_regex(r"^[A-Za-z][A-Za-z0-9_@.\-/]*(:[A-Za-z][A-Za-z0-9_@.\-/]*)*$");
            let runs = spec_regex(r"[^A-Za-z0-9_.]+");
            let expected = if shape.is_match(&s) {
                runs.replace_all(&s, "_").into_owned()
            } else {
                s.clone()
            };
            let got = sanitize(&s);
            prop_assert_eq!(got.as_ref(), expected.as_str());
        }

        #[test]
        fn ancestry_ends_at_root(s in "[a.]{0,10}") {
            let v: Vec<&str> = scope_ancestry(&s).collect();
            prop_assert_eq!(v.first().copied(), Some(s.as_str()));
            prop_assert_eq!(v.last().copied(), Some(""));
            prop_assert!(v.len() <= s.len() + 1);
        }
    }
}
