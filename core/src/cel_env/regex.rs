//! Regular expressions: `matches` and cel-go's regex library (`regex.replace`, `regex.extract`,
//! `regex.extractAll`), with RE2's syntax and semantics, each pattern compiled once.
//!
//! Patterns are written in RE2's syntax, as Go's `regexp` reads it, and [`translate`]d to the
//! `regex` crate's: the two share their leftmost-first semantics, but Go's `\d`, `\w`, `\s` and
//! `\b` are ASCII-only where the crate's are Unicode-aware, and Go reads `\Q...\E`, octal
//! escapes, `\<`, a `{` that starts no repetition, and `[`, `&&`, `--`, `~~` inside a class
//! literally.
//!
//! Compiled patterns are cached process-wide: those written as string literals in policies are
//! compiled and pinned when the policy is built ([`check_literal`]), and a pattern computed at run
//! time is compiled on first use and kept in a small bounded cache, so attacker-chosen patterns
//! cannot grow memory without bound. The crate's own `matches` compiles its pattern on every
//! call: the compiler renames policy calls of `matches` to [`MATCHES`], declared here.
//!
//! ```text
//! 'ab12'.matches('^[a-z]+\\d+$')                  // true
//! regex.replace('banana', 'a(n)', '<\\1>', 1)      // 'b<n>ana'
//! regex.extract('item-A, item-B', 'item-(\\w+)')   // optional.of('A')
//! regex.extractAll('id:1, id:22', 'id:(\\d+)')     // ['1', '22']
//! ```

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use arc_swap::ArcSwap;
use cel::common::types::{
    CelInt, CelList, CelOptional, CelString, DYN_TYPE, INT_TYPE, STRING_TYPE,
};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};
use regex::{Regex, RegexBuilder};

use super::lists::boolean;
use crate::compile::scoped::FastMap;

/// The internal name the compiler gives to policy calls of `matches`, so that they reach the
/// cached implementation of this module rather than the crate's, which compiles its pattern on
/// every call. Not callable from a policy: `@` starts no identifier.
pub(crate) const MATCHES: &str = "@matches";

/// How many patterns computed at run time are kept compiled.
const DYNAMIC_CAPACITY: usize = 128;

/// The lazy DFA cache each pattern computed at run time may grow to, per thread using it.
const DYNAMIC_DFA_LIMIT: usize = 256 * 1024;

/// Compiled patterns written as literals in policies, never evicted; replaced as a whole on
/// insertion, so that evaluations read it without locking.
static LITERALS: LazyLock<ArcSwap<Pinned>> = LazyLock::new(ArcSwap::default);

/// The pinned patterns, by pattern. Their keys come from policies, not from requests; the
/// compiled index's fast hash suits them.
type Pinned = FastMap<Box<str>, Arc<Regex>>;

/// Compiled patterns computed at run time, at most [`DYNAMIC_CAPACITY`].
static DYNAMIC: LazyLock<Mutex<HashMap<Box<str>, Arc<Regex>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Declares `matches` (as [`MATCHES`]) and the regex library on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload(
        MATCHES,
        "@matches_dyn_dyn",
        vec![DYN_TYPE, DYN_TYPE],
        matches,
    )?;
    env.add_member_overload(
        MATCHES,
        "dyn_@matches_dyn",
        DYN_TYPE,
        vec![DYN_TYPE],
        member_matches,
    )?;
    env.add_overload(
        "regex.replace",
        "regex_replace_string_string_string",
        vec![STRING_TYPE, STRING_TYPE, STRING_TYPE],
        replace_all,
    )?;
    env.add_overload(
        "regex.replace",
        "regex_replace_string_string_string_int",
        vec![STRING_TYPE, STRING_TYPE, STRING_TYPE, INT_TYPE],
        replace_n,
    )?;
    env.add_overload(
        "regex.extract",
        "regex_extract_string_string",
        vec![STRING_TYPE, STRING_TYPE],
        extract,
    )?;
    env.add_overload(
        "regex.extractAll",
        "regex_extractAll_string_string",
        vec![STRING_TYPE, STRING_TYPE],
        extract_all,
    )?;
    Ok(())
}

/// Validates a pattern written as a literal in a policy, and pins its compiled form for the
/// evaluations. The error is a short lowercase explanation, e.g. "unclosed group".
pub(crate) fn check_literal(pattern: &str) -> Result<Arc<Regex>, String> {
    if let Some(re) = LITERALS.load().get(pattern) {
        return Ok(Arc::clone(re));
    }
    let re = Arc::new(compile(pattern, None).map_err(|e| explain(&e))?);
    LITERALS.rcu(|current| {
        let mut next = Pinned::clone(current);
        next.entry(Box::from(pattern))
            .or_insert_with(|| Arc::clone(&re));
        next
    });
    Ok(re)
}

/// The number of capture groups of `re`, the whole match not counted.
pub(crate) fn groups(re: &Regex) -> usize {
    re.captures_len().saturating_sub(1)
}

/// Calls `f` with the compiled `pattern`: pinned if a policy wrote it as a literal, else from
/// the bounded cache, compiled on a miss. `function` names the caller in the error.
///
/// A pinned pattern is read without locking or touching a reference count, so that
/// evaluations on many threads don't contend.
fn with_regex<T>(
    pattern: &str,
    function: &str,
    f: impl FnOnce(&Regex) -> T,
) -> Result<T, ExecutionError> {
    if let Some(re) = LITERALS.load().get(pattern) {
        return Ok(f(re));
    }
    let dynamic = || DYNAMIC.lock().unwrap_or_else(|p| p.into_inner());
    let cached = dynamic().get(pattern).cloned();
    if let Some(re) = cached {
        return Ok(f(&re));
    }
    let re = compile(pattern, Some(DYNAMIC_DFA_LIMIT)).map_err(|e| {
        ExecutionError::function_error(
            function,
            format!("invalid regular expression `{pattern}`: {}", explain(&e)),
        )
    })?;
    let re = Arc::new(re);
    {
        let mut cache = dynamic();
        if cache.len() >= DYNAMIC_CAPACITY {
            if let Some(evicted) = cache.keys().next().cloned() {
                cache.remove(&evicted);
            }
        }
        cache.insert(Box::from(pattern), Arc::clone(&re));
    }
    Ok(f(&re))
}

/// Compiles an RE2 pattern.
fn compile(pattern: &str, dfa_limit: Option<usize>) -> Result<Regex, regex::Error> {
    let translated = translate(pattern);
    let mut builder = RegexBuilder::new(&translated);
    if let Some(limit) = dfa_limit {
        builder.dfa_size_limit(limit);
    }
    builder.build()
}

/// The gist of a compilation error: the `error:` line of a syntax error.
fn explain(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(m) => m
            .lines()
            .find_map(|l| l.strip_prefix("error:"))
            .map_or_else(|| m.clone(), |l| l.trim().to_owned()),
        other => other.to_string(),
    }
}

/// The ASCII classes of RE2's Perl escapes, as the contents of a bracketed class.
fn perl_class(letter: char) -> Option<(&'static str, bool)> {
    match letter {
        'd' => Some(("0-9", false)),
        'D' => Some(("0-9", true)),
        'w' => Some(("0-9A-Za-z_", false)),
        'W' => Some(("0-9A-Za-z_", true)),
        's' => Some((r"\t\n\x0C\r ", false)),
        'S' => Some((r"\t\n\x0C\r ", true)),
        _ => None,
    }
}

/// Rewrites an RE2 pattern, as Go's `regexp` reads it, into the `regex` crate's syntax with the
/// same meaning (see the module documentation). A pattern Go rejects may compile after the
/// rewrite, never the other way round for the constructs listed.
pub(crate) fn translate(pattern: &str) -> String {
    let c: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' => i = escape(&c, i, &mut out, false),
            '[' => i = class(&c, i, &mut out),
            '{' => match repeat_end(&c, i) {
                Some(end) => {
                    out.extend(&c[i..end]);
                    i = end;
                }
                None => {
                    out.push_str(r"\{");
                    i += 1;
                }
            },
            '}' => {
                out.push_str(r"\}");
                i += 1;
            }
            ch => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// Where the repetition `{n}`, `{n,}` or `{n,m}` starting at `c[start]` ends (one past its
/// `}`), if it is one as RE2 reads it: decimal numbers without leading zeros.
fn repeat_end(c: &[char], start: usize) -> Option<usize> {
    let number = |from: usize| {
        let len = c[from..].iter().take_while(|d| d.is_ascii_digit()).count();
        let leading_zero = len >= 2 && c[from] == '0';
        (len > 0 && !leading_zero).then_some(from + len)
    };
    let mut i = number(start + 1)?;
    if c.get(i) == Some(&',') {
        i += 1;
        if c.get(i).is_some_and(char::is_ascii_digit) {
            i = number(i)?;
        }
    }
    (c.get(i) == Some(&'}')).then_some(i + 1)
}

/// Rewrites the escape at `c[start]` (a backslash), inside a class when `in_class`; returns the
/// index after it.
fn escape(c: &[char], start: usize, out: &mut String, in_class: bool) -> usize {
    let Some(&letter) = c.get(start + 1) else {
        out.push('\\');
        return start + 1;
    };
    let next = start + 2;
    if let Some((set, negated)) = perl_class(letter) {
        match (in_class, negated) {
            (true, false) => out.push_str(set),
            _ => {
                out.push_str(if negated { "[^" } else { "[" });
                out.push_str(set);
                out.push(']');
            }
        }
        return next;
    }
    match letter {
        'b' | 'B' if !in_class => {
            out.push_str(if letter == 'b' {
                r"(?-u:\b)"
            } else {
                r"(?-u:\B)"
            });
            next
        }
        'Q' if !in_class => {
            let rest = &c[next..];
            let end = rest
                .windows(2)
                .position(|w| w == ['\\', 'E'])
                .unwrap_or(rest.len());
            let literal: String = rest[..end].iter().collect();
            out.push_str(&regex::escape(&literal));
            (next + end + 2).min(c.len())
        }
        '0'..='7' => {
            let digits = c[start + 1..]
                .iter()
                .take(3)
                .take_while(|d| ('0'..='7').contains(*d))
                .count();
            if letter != '0' && digits < 2 {
                // A backreference, which RE2 rejects, and so does the crate.
                out.push('\\');
                out.push(letter);
                return next;
            }
            let value = c[start + 1..start + 1 + digits]
                .iter()
                .fold(0u32, |acc, d| acc * 8 + d.to_digit(8).unwrap_or(0));
            out.push_str(&format!(r"\x{{{value:x}}}"));
            start + 1 + digits
        }
        '<' | '>' => {
            out.push(letter);
            next
        }
        'p' | 'P' | 'x' => {
            out.push('\\');
            out.push(letter);
            if c.get(next) == Some(&'{') {
                let len = c[next..]
                    .iter()
                    .position(|ch| *ch == '}')
                    .map_or(c.len() - next, |p| p + 1);
                out.extend(&c[next..next + len]);
                next + len
            } else {
                let len = if letter == 'x' { 2 } else { 1 }.min(c.len() - next);
                out.extend(&c[next..next + len]);
                next + len
            }
        }
        _ => {
            out.push('\\');
            out.push(letter);
            next
        }
    }
}

/// Rewrites the class starting at `c[start]` (a `[`); returns the index after it.
fn class(c: &[char], start: usize, out: &mut String) -> usize {
    out.push('[');
    let mut i = start + 1;
    if c.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    let mut after_dash = false;
    while i < c.len() {
        let ch = c[i];
        let dash = ch == '-';
        match ch {
            ']' if !first => {
                out.push(']');
                return i + 1;
            }
            '[' if c.get(i + 1) == Some(&':') => {
                let len = c[i..]
                    .windows(2)
                    .position(|w| w == [':', ']'])
                    .map_or(c.len() - i, |p| p + 2);
                out.extend(&c[i..i + len]);
                i += len;
            }
            '\\' => i = escape(c, i, out, true),
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(ch);
                i += 1;
            }
            '-' if after_dash => {
                out.push_str(r"\-");
                i += 1;
            }
            _ => {
                out.push(ch);
                i += 1;
            }
        }
        after_dash = dash && !after_dash;
        first = false;
    }
    i
}

/// The text of a `string` value.
fn text<'b>(value: &'b (dyn Val + '_)) -> Option<&'b str> {
    value.downcast_ref::<CelString>().map(CelString::inner)
}

/// The name of the type of each argument, for an overload error.
fn type_names(args: &[CowVal<'_, '_>]) -> Vec<String> {
    args.iter()
        .map(|a| a.get_type().name().to_owned())
        .collect()
}

/// `matches(s, re)`: whether `re` matches somewhere in `s`.
fn matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    match_strings(&args)
        .ok_or_else(|| ExecutionError::no_such_overload("matches", type_names(&args)))?
}

/// `s.matches(re)`: whether `re` matches somewhere in `s`.
fn member_matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    match_strings(&args)
        .ok_or_else(|| ExecutionError::no_such_member_overload("matches", type_names(&args)))?
}

/// `matches` of two strings; `None` when the arguments are not two strings.
fn match_strings<'b, 'v>(
    args: &[CowVal<'_, '_>],
) -> Option<Result<CowVal<'b, 'v>, ExecutionError>> {
    let [s, re] = args else {
        return None;
    };
    let (s, re) = (text(s.as_ref())?, text(re.as_ref())?);
    Some(with_regex(re, "matches", |re| boolean(re.is_match(s))))
}

/// The string arguments of a regex function, all of them strings by its declaration.
fn strings<'a, const N: usize>(args: &'a [CowVal<'_, '_>]) -> Result<[&'a str; N], ExecutionError> {
    let mut out = [""; N];
    for (slot, arg) in out.iter_mut().zip(args) {
        *slot = text(arg.as_ref()).ok_or_else(|| ExecutionError::UnexpectedType {
            got: arg.get_type().name().to_owned(),
            want: "string".to_owned(),
        })?;
    }
    if args.len() < N {
        return Err(ExecutionError::invalid_argument_count(N, args.len()));
    }
    Ok(out)
}

/// `regex.replace(s, re, repl)`: every match replaced.
fn replace_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s, re, repl] = strings::<3>(&args)?;
    replace(s, re, repl, -1)
}

/// `regex.replace(s, re, repl, n)`: the first `n` matches replaced, all when `n < 0`.
fn replace_n<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [s, re, repl] = strings::<3>(&args)?;
    let n = args
        .get(3)
        .and_then(|n| n.downcast_ref::<CelInt>())
        .map(|n| *n.inner())
        .ok_or_else(|| ExecutionError::invalid_argument_count(4, args.len()))?;
    replace(s, re, repl, n)
}

/// The name of `regex.replace`, in errors.
const REPLACE: &str = "regex.replace";

/// `s` with the first `n` matches of `pattern` (all when `n < 0`) replaced by `repl`, as cel-go
/// does: `\0` to `\9` in `repl` insert the whole match or a group, `\\` a backslash; any other
/// backslash, or a group the pattern lacks, is an error once a match is replaced.
fn replace<'b, 'v>(
    s: &str,
    pattern: &str,
    repl: &str,
    n: i64,
) -> Result<CowVal<'b, 'v>, ExecutionError> {
    if n == 0 {
        return Ok(CowVal::owned(CelString::from(s.to_owned())));
    }
    let limit = usize::try_from(n).unwrap_or(usize::MAX);
    let out = with_regex(pattern, REPLACE, |re| {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for caps in re.captures_iter(s).take(limit) {
            let Some(whole) = caps.get(0) else { continue };
            out.push_str(&s[last..whole.start()]);
            expand(&caps, repl, groups(re), &mut out)?;
            last = whole.end();
        }
        out.push_str(&s[last..]);
        Ok(out)
    })??;
    Ok(CowVal::owned(CelString::from(out)))
}

/// Appends `repl` for one match, its group references expanded.
fn expand(
    caps: &regex::Captures<'_>,
    repl: &str,
    groups: usize,
    out: &mut String,
) -> Result<(), ExecutionError> {
    let mut chars = repl.chars();
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            None => {
                return Err(ExecutionError::function_error(
                    REPLACE,
                    format!("invalid replacement string `{repl}`: `\\` not allowed at the end"),
                ))
            }
            Some('\\') => out.push('\\'),
            Some(d) if d.is_ascii_digit() => {
                let group = d.to_digit(10).map_or(0, |g| g as usize);
                if group > groups {
                    return Err(ExecutionError::function_error(
                        REPLACE,
                        format!(
                            "replacement string references group {group} but the regular \
                             expression has only {groups} group(s)"
                        ),
                    ));
                }
                out.push_str(caps.get(group).map_or("", |m| m.as_str()));
            }
            Some(_) => {
                return Err(ExecutionError::function_error(
                    REPLACE,
                    format!(
                        "invalid replacement string `{repl}`: `\\` must be followed by a digit \
                         or `\\`"
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// The group of `re` that `regex.extract` and `regex.extractAll` return: the only capture
/// group, or the whole match when there is none; an error when there are more.
fn extracted_group(re: &Regex, pattern: &str, function: &str) -> Result<usize, ExecutionError> {
    match groups(re) {
        0 | 1 => Ok(groups(re)),
        _ => Err(ExecutionError::function_error(
            function,
            format!("regular expression has more than one capturing group: `{pattern}`"),
        )),
    }
}

/// The text of the extracted `group` of a match, unless the group captured nothing.
fn extracted(caps: &regex::Captures<'_>, group: usize) -> Option<String> {
    let m = caps.get(group)?;
    (group == 0 || !m.is_empty()).then(|| m.as_str().to_owned())
}

/// `regex.extract(s, re)`: the first match, or its capture group if `re` has one; none when
/// nothing matches or the group captured nothing.
fn extract<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    const NAME: &str = "regex.extract";
    let [s, pattern] = strings::<2>(&args)?;
    let found = with_regex(pattern, NAME, |re| {
        let group = extracted_group(re, pattern, NAME)?;
        Ok(re.captures(s).and_then(|caps| extracted(&caps, group)))
    })??;
    Ok(CowVal::owned(match found {
        Some(m) => CelOptional::of(Box::new(CelString::from(m))),
        None => CelOptional::none(),
    }))
}

/// `regex.extractAll(s, re)`: every match, or its capture group if `re` has one, groups that
/// captured nothing left out.
fn extract_all<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    const NAME: &str = "regex.extractAll";
    let [s, pattern] = strings::<2>(&args)?;
    let items = with_regex(pattern, NAME, |re| {
        let group = extracted_group(re, pattern, NAME)?;
        Ok(re
            .captures_iter(s)
            .filter_map(|caps| extracted(&caps, group))
            .map(|m| Box::new(CelString::from(m)) as Box<dyn Val>)
            .collect::<Vec<_>>())
    })??;
    Ok(CowVal::owned(CelList::from(items)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]
mod tests {
    use super::{
        check_literal, compile, translate, with_regex, DYNAMIC, DYNAMIC_CAPACITY, LITERALS, MATCHES,
    };

    #[test]
    fn translation() {
        let cases = [
            (r"\d+", r"[0-9]+"),
            (r"[\d.]", r"[0-9.]"),
            (r"[^\D]", r"[^[^0-9]]"),
            (r"\w\W", r"[0-9A-Za-z_][^0-9A-Za-z_]"),
            (r"\s", r"[\t\n\x0C\r ]"),
            (r"\bx\B", r"(?-u:\b)x(?-u:\B)"),
            (r"\Qa.b*\E+", r"a\.b\*+"),
            (r"\Qa.b", r"a\.b"),
            (r"\0", r"\x{0}"),
            (r"\101\12", r"\x{41}\x{a}"),
            (r"\1", r"\1"),
            (r"a{2}b{1,}c{1,3}", r"a{2}b{1,}c{1,3}"),
            (r"a{,3}", r"a\{,3\}"),
            (r"a{01}", r"a\{01\}"),
            (r"a{", r"a\{"),
            (r"\p{Greek}\pL\x{263a}\x41", r"\p{Greek}\pL\x{263a}\x41"),
            (r"[[:alpha:]-]", r"[[:alpha:]-]"),
            (r"[a[b]", r"[a\[b]"),
            (r"[]a]", r"[]a]"),
            (r"[a&&b~~c]", r"[a\&\&b\~\~c]"),
            (r"[+--]", r"[+-\-]"),
            (r"\<a\>", r"<a>"),
            (r"(?i)(?P<x>a)", r"(?i)(?P<x>a)"),
        ];
        for (re2, rust) in cases {
            assert_eq!(translate(re2), rust, "{re2}");
        }
    }

    /// What Go's `regexp` answers, the crate answers after translation.
    #[test]
    fn matching_like_go() {
        let cases = [
            (r"^\d$", "٣", false),
            (r"^\d$", "7", true),
            (r"^\w+$", "héllo", false),
            (r"^\w+$", "hello_1", true),
            (r"^\s$", "\u{a0}", false),
            (r"\bé", " é", false),
            (r"(?i)^\w$", "\u{212a}", true),
            (r"^[^\d]$", "٣", true),
            (r"^\Q1+1\E$", "1+1", true),
            (r"^\101$", "A", true),
            (r"^a{,2}$", "a{,2}", true),
            (r"^[a[]+$", "[a[", true),
            (r"^[a&&b]+$", "&", true),
            (r"^\<$", "<", true),
            (r"^.$", "é", true),
            (r"^.$", "\n", false),
        ];
        for (pattern, s, want) in cases {
            let re = compile(pattern, None).unwrap();
            assert_eq!(re.is_match(s), want, "{pattern} on {s:?}");
        }
    }

    #[test]
    fn literals_are_pinned_and_read_without_the_dynamic_cache() {
        let pattern = "^pinned-literal-[0-9]+$";
        check_literal(pattern).unwrap();
        assert!(LITERALS.load().contains_key(pattern));
        assert_eq!(
            with_regex(pattern, "t", |re| re.is_match("pinned-literal-7")),
            Ok(true)
        );
        let dynamic = DYNAMIC.lock().unwrap();
        assert!(!dynamic.contains_key(pattern));
    }

    #[test]
    fn the_dynamic_cache_is_bounded() {
        for i in 0..DYNAMIC_CAPACITY + 50 {
            let pattern = format!("^bounded-{i}$");
            let hit = with_regex(&pattern, "t", |re| re.is_match(&format!("bounded-{i}")));
            assert_eq!(hit, Ok(true));
            assert!(DYNAMIC.lock().unwrap().len() <= DYNAMIC_CAPACITY);
        }
        assert!(!LITERALS.load().contains_key("^bounded-0$"));
    }

    #[test]
    fn dynamic_errors_name_the_function() {
        let err = with_regex("(", "regex.extract", |_| ()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Error executing function 'regex.extract': invalid regular expression `(`: unclosed group"
        );
    }

    #[test]
    fn the_calls_are_declared() {
        use crate::cel_env::check_call;
        for (name, has_target, argc) in [
            ("regex.replace", false, 3),
            ("regex.replace", false, 4),
            ("regex.extract", false, 2),
            ("regex.extractAll", false, 2),
            (MATCHES, false, 2),
            (MATCHES, true, 1),
        ] {
            assert_eq!(check_call(name, has_target, argc), Ok(()), "{name} {argc}");
        }
        assert_eq!(
            check_call("regex.extract", false, 3),
            Err("`regex.extract` takes 2 arguments, got 3".to_owned())
        );
        assert_eq!(
            check_call("regex.match", false, 2),
            Err("unknown function `regex.match`".to_owned())
        );
    }

    #[test]
    fn invalid_literals_explain_themselves() {
        assert_eq!(check_literal("(").unwrap_err(), "unclosed group");
        assert!(check_literal(r"\1").is_err());
        assert!(check_literal("[a").is_err());
        assert!(check_literal("x{2,1}").is_err());
    }
}
