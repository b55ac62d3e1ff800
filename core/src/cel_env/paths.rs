//! Path functions (`cel-environment.md` §4): `basePath`, `dirPath`, `extPath`, `volumeName`,
//! `joinPath`, `relPath`, and the tests `pathHasPrefix`, `pathMatch` and `pathMatchAnyOf`, each
//! test callable as `f(path, x)` and as `path.f(x)`.
//!
//! Each function is Go's `path/filepath` function of the same purpose (`Base`, `Dir`, `Ext`,
//! `VolumeName`, `Join`, `Rel`, `Match`), edge cases included (`basePath("") == "."`,
//! `extPath(".bashrc") == ".bashrc"`, `joinPath([]) == ""`), run with the conventions of the
//! path rather than of the platform, so the results are the same everywhere:
//!
//! - a path containing `\`, or starting with a drive letter and a colon (`C:`, `c:/x`), is a
//!   Windows path, handled as Go does on Windows: `\` and `/` both separate, the volume
//!   (`C:`, UNC `\\server\share`, device paths `\\.\x` and `\\?\x`) is kept apart, results
//!   use `\`, and `relPath` compares names without regard to case;
//! - any other path is a Unix path: `/` separates, and `\` escapes in a glob.
//!
//! A function of several paths (`joinPath`, `relPath`, `pathHasPrefix`) uses Windows
//! conventions when any of them is a Windows path; `pathMatch` and `pathMatchAnyOf` go by the
//! path alone, so that `\` keeps escaping in the glob of a Unix path.
//!
//! Results are cleaned as Go's `Clean` (`.` and `..` segments and repeated separators removed,
//! no trailing separator). The tests clean their operands first, so `..` can't escape a prefix
//! or a glob: `pathHasPrefix("/a/b/../c", "/a/b")` is false.
//!
//! - `pathHasPrefix(path, prefix)`: `path` is `prefix` or inside it, by whole segments
//!   (`/a/bc` doesn't have the prefix `/a/b`); a relative prefix only prefixes relative paths.
//!   It holds when `relPath(prefix, path)` exists and doesn't climb out with `..`.
//! - `pathMatch(path, glob)`: Go's `Match`, a shell-style glob matched against the whole path:
//!   `*` (any characters but a separator), `?` (one character but a separator), `[abc]`,
//!   `[a-z]`, `[^a-z]`, and `\` to escape in a Unix glob. A malformed glob is an error.
//! - `pathMatchAnyOf(path, globs)`: whether one of the globs, tried in order, matches.
//! - `relPath(base, target)`: an error when no relative path leads from `base` to `target`
//!   (one is absolute and the other not, different volumes, or `base` climbs above `target`
//!   with `..`).

use cel::common::types::{CelString, LIST_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

use super::lists::{boolean, elements, two_args};

/// The conventions a path follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// `/` separates.
    Unix,
    /// `\` and `/` separate, after a volume name.
    Windows,
}

impl Style {
    /// The conventions of `path`: Windows for a path containing `\`, or starting with a
    /// drive letter and a colon.
    fn of(path: &str) -> Self {
        let b = path.as_bytes();
        let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
        if drive || path.contains('\\') {
            Self::Windows
        } else {
            Self::Unix
        }
    }

    /// Windows conventions when any of `paths` follows them.
    fn of_all<'a>(paths: impl IntoIterator<Item = &'a str>) -> Self {
        if paths.into_iter().any(|p| Self::of(p) == Self::Windows) {
            Self::Windows
        } else {
            Self::Unix
        }
    }

    /// The separator results use.
    fn sep(self) -> u8 {
        match self {
            Self::Unix => b'/',
            Self::Windows => b'\\',
        }
    }

    /// Whether `c` separates.
    fn is_sep(self, c: u8) -> bool {
        c == b'/' || (self == Self::Windows && c == b'\\')
    }

    /// `path` with the separator results use: Go's `FromSlash`.
    fn localize(self, path: &str) -> String {
        match self {
            Self::Unix => path.to_owned(),
            Self::Windows => path.replace('/', "\\"),
        }
    }

    /// Whether two names are the same: regardless of case on Windows.
    fn same_word(self, a: &str, b: &str) -> bool {
        match self {
            Self::Unix => a == b,
            Self::Windows => {
                a == b
                    || a.chars()
                        .flat_map(char::to_lowercase)
                        .eq(b.chars().flat_map(char::to_lowercase))
            }
        }
    }

    /// The length of the volume name at the start of `path`: Go's `volumeNameLen`.
    fn volume_len(self, path: &str) -> usize {
        if self == Self::Unix {
            return 0;
        }
        let b = path.as_bytes();
        if b.len() >= 2 && b[1] == b':' {
            // A drive letter. A multi-byte first character never has `:` as its second byte.
            return 2;
        }
        if b.is_empty() || !self.is_sep(b[0]) {
            return 0;
        }
        if self.has_prefix_fold(path, r"\\.\UNC") {
            return self.unc_len(path, r"\\.\UNC\".len());
        }
        if self.has_prefix_fold(path, r"\\.")
            || self.has_prefix_fold(path, r"\\?")
            || self.has_prefix_fold(path, r"\??")
        {
            if b.len() == 3 {
                return 3;
            }
            let rest = &b[4..];
            return match rest.iter().position(|c| self.is_sep(*c)) {
                Some(i) => 4 + i,
                None => b.len(),
            };
        }
        if b.len() >= 2 && self.is_sep(b[1]) {
            return self.unc_len(path, 2);
        }
        0
    }

    /// The length of the volume of a UNC path whose host starts at `prefix`: up to the
    /// separator after the share.
    fn unc_len(self, path: &str, prefix: usize) -> usize {
        let b = path.as_bytes();
        let mut count = 0;
        for (i, c) in b.iter().enumerate().skip(prefix) {
            if self.is_sep(*c) {
                count += 1;
                if count == 2 {
                    return i;
                }
            }
        }
        b.len()
    }

    /// Go's `pathHasPrefixFold`: `path` starts with `prefix`, ignoring ASCII case and
    /// treating separators alike, followed by a separator or nothing.
    fn has_prefix_fold(self, path: &str, prefix: &str) -> bool {
        let (s, p) = (path.as_bytes(), prefix.as_bytes());
        if s.len() < p.len() {
            return false;
        }
        let same = p.iter().zip(s).all(|(pc, sc)| {
            if self.is_sep(*pc) {
                self.is_sep(*sc)
            } else {
                pc.eq_ignore_ascii_case(sc)
            }
        });
        same && (s.len() == p.len() || self.is_sep(s[p.len()]))
    }
}

/// The output of [`clean`], as Go's `lazybuf`: tells whether it still equals its input.
struct Out<'a> {
    /// The input after the volume.
    path: &'a [u8],
    /// The output so far.
    buf: Vec<u8>,
    /// Whether some byte written differs from the input at its position.
    diverged: bool,
}

impl Out<'_> {
    /// Writes `c` at the end.
    fn push(&mut self, c: u8) {
        if self.path.get(self.buf.len()) != Some(&c) {
            self.diverged = true;
        }
        self.buf.push(c);
    }
}

/// Go's `filepath.Clean` with the conventions of `style`.
fn clean(path: &str, style: Style) -> String {
    let vol_len = style.volume_len(path);
    let (vol, rest) = path.split_at(vol_len);
    let rest = rest.as_bytes();
    let b = path.as_bytes();
    if rest.is_empty() {
        if vol_len > 1 && style.is_sep(b[0]) && style.is_sep(b[1]) {
            // A UNC volume alone.
            return style.localize(path);
        }
        return format!("{path}.");
    }
    let sep = style.sep();
    let rooted = style.is_sep(rest[0]);
    let n = rest.len();
    let mut out = Out {
        path: rest,
        buf: Vec::with_capacity(n),
        diverged: false,
    };
    let (mut r, mut dotdot) = (0, 0);
    if rooted {
        out.push(sep);
        r = 1;
        dotdot = 1;
    }
    let is_sep_at = |i: usize| i == n || style.is_sep(rest[i]);
    while r < n {
        if style.is_sep(rest[r]) || (rest[r] == b'.' && is_sep_at(r + 1)) {
            // An empty or `.` element.
            r += 1;
        } else if rest[r] == b'.' && rest.get(r + 1) == Some(&b'.') && is_sep_at(r + 2) {
            r += 2;
            if out.buf.len() > dotdot {
                let mut w = out.buf.len() - 1;
                while w > dotdot && !style.is_sep(out.buf[w]) {
                    w -= 1;
                }
                out.buf.truncate(w);
            } else if !rooted {
                if !out.buf.is_empty() {
                    out.push(sep);
                }
                out.push(b'.');
                out.push(b'.');
                dotdot = out.buf.len();
            }
        } else {
            if (rooted && out.buf.len() != 1) || (!rooted && !out.buf.is_empty()) {
                out.push(sep);
            }
            while r < n && !style.is_sep(rest[r]) {
                out.push(rest[r]);
                r += 1;
            }
        }
    }
    if out.buf.is_empty() {
        out.push(b'.');
    }
    if style == Style::Windows && vol_len == 0 && out.diverged {
        post_clean(&mut out.buf);
    }
    let cleaned = format!("{vol}{}", text(out.buf));
    style.localize(&cleaned)
}

/// Go's Windows `postClean`: keeps a cleaned relative path from reading as a volume
/// (`a/../c:` is `.\c:`, not `c:`) or a device path.
fn post_clean(buf: &mut Vec<u8>) {
    let first = buf.iter().take_while(|c| !matches!(c, b'/' | b'\\'));
    if first.into_iter().any(|c| *c == b':') {
        buf.splice(0..0, *b".\\");
        return;
    }
    if buf.len() >= 3 && matches!(buf[0], b'/' | b'\\') && buf[1] == b'?' && buf[2] == b'?' {
        buf.splice(0..0, *b"\\.");
    }
}

/// Bytes cut from a string at ASCII positions, as text.
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Go's `filepath.Base`.
fn base(path: &str, style: Style) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let path = path.trim_end_matches(|c: char| c.is_ascii() && style.is_sep(c as u8));
    let path = &path[style.volume_len(path)..];
    let last = match path.bytes().rposition(|c| style.is_sep(c)) {
        Some(i) => &path[i + 1..],
        None => path,
    };
    if last.is_empty() {
        return char::from(style.sep()).to_string();
    }
    last.to_owned()
}

/// Go's `filepath.Dir`.
fn dir(path: &str, style: Style) -> String {
    let vol_len = style.volume_len(path);
    let vol = style.localize(&path[..vol_len]);
    let end = path.as_bytes()[vol_len..]
        .iter()
        .rposition(|c| style.is_sep(*c))
        .map_or(vol_len, |i| vol_len + i + 1);
    let dir = clean(&path[vol_len..end], style);
    if dir == "." && vol_len > 2 {
        // A UNC volume.
        return vol;
    }
    format!("{vol}{dir}")
}

/// Go's `filepath.Ext`: the suffix from the last `.` of the last element, or `""`.
fn ext(path: &str, style: Style) -> String {
    for (i, c) in path.bytes().enumerate().rev() {
        if style.is_sep(c) {
            break;
        }
        if c == b'.' {
            return path[i..].to_owned();
        }
    }
    String::new()
}

/// Go's `filepath.VolumeName`.
fn volume_name(path: &str, style: Style) -> String {
    style.localize(&path[..style.volume_len(path)])
}

/// Go's `filepath.Join`: `""` when every element is empty.
fn join(elements: &[&str], style: Style) -> String {
    match style {
        Style::Unix => match elements.iter().position(|e| !e.is_empty()) {
            Some(first) => clean(&elements[first..].join("/"), style),
            None => String::new(),
        },
        Style::Windows => {
            let mut b = String::new();
            let mut last: u8 = 0;
            for e in elements {
                let mut e = *e;
                if b.is_empty() {
                    // The first non-empty element, unchanged.
                } else if style.is_sep(last) {
                    // No UNC path from elements that aren't one.
                    e = e.trim_start_matches(['/', '\\']);
                    let dev =
                        e.starts_with("??") && e.as_bytes().get(2).is_none_or(|c| style.is_sep(*c));
                    if b.len() == 1 && dev {
                        b.push_str(".\\");
                    }
                } else if last == b':' {
                    // `C:` and `f` make `C:f`, relative on the drive.
                } else {
                    b.push('\\');
                    last = b'\\';
                }
                if let Some(c) = e.bytes().last() {
                    b.push_str(e);
                    last = c;
                }
            }
            if b.is_empty() {
                String::new()
            } else {
                clean(&b, style)
            }
        }
    }
}

/// Go's `filepath.Rel`; the error is the reason none exists.
fn rel(base_path: &str, target_path: &str, style: Style) -> Result<String, String> {
    let cannot = || format!("can't make `{target_path}` relative to `{base_path}`");
    let base_vol = volume_name(base_path, style);
    let targ_vol = volume_name(target_path, style);
    let base = clean(base_path, style);
    let targ = clean(target_path, style);
    if style.same_word(&targ, &base) {
        return Ok(".".to_owned());
    }
    let mut base = &base[base_vol.len()..];
    let targ = &targ[targ_vol.len()..];
    let sep = char::from(style.sep());
    let root = sep.to_string();
    if base == "." {
        base = "";
    } else if base.is_empty() && style.volume_len(&base_vol) > 2 {
        // A target under the UNC volume `\\host\share` is relative to its root.
        base = &root;
    }
    let base_slashed = base.starts_with(sep);
    let targ_slashed = targ.starts_with(sep);
    if base_slashed != targ_slashed || !style.same_word(&base_vol, &targ_vol) {
        return Err(cannot());
    }
    let (bb, tb) = (base.as_bytes(), targ.as_bytes());
    let (bl, tl) = (bb.len(), tb.len());
    let (mut b0, mut bi, mut t0, mut ti) = (0, 0, 0, 0);
    loop {
        while bi < bl && bb[bi] != style.sep() {
            bi += 1;
        }
        while ti < tl && tb[ti] != style.sep() {
            ti += 1;
        }
        if !style.same_word(&targ[t0..ti], &base[b0..bi]) {
            break;
        }
        if bi < bl {
            bi += 1;
        }
        if ti < tl {
            ti += 1;
        }
        b0 = bi;
        t0 = ti;
    }
    if &base[b0..bi] == ".." {
        return Err(cannot());
    }
    if b0 != bl {
        // Up out of what is left of the base, then down into the target.
        let ups = base[b0..].matches(sep).count() + 1;
        let mut out = vec![".."; ups].join(&root);
        if t0 != tl {
            out.push(sep);
            out.push_str(&targ[t0..]);
        }
        return Ok(out);
    }
    Ok(targ[t0..].to_owned())
}

/// Whether `path` is `prefix` or inside it, by whole segments.
fn has_prefix(path: &str, prefix: &str) -> bool {
    let style = Style::of_all([path, prefix]);
    let dotdot = format!("..{}", char::from(style.sep()));
    match rel(prefix, path, style) {
        Ok(r) => r != ".." && !r.starts_with(&dotdot),
        Err(_) => false,
    }
}

/// A glob that Go's `Match` rejects.
#[derive(Debug)]
struct BadPattern;

/// Whether the cleaned `path` matches the cleaned `glob`, with the conventions of `path`.
fn path_match(path: &str, glob: &str) -> Result<bool, BadPattern> {
    let style = Style::of(path);
    glob_match(&clean(glob, style), &clean(path, style), style)
}

/// Go's `filepath.Match`, on characters: whether `name` matches `pattern` whole.
fn glob_match(pattern: &str, name: &str, style: Style) -> Result<bool, BadPattern> {
    let sep = char::from(style.sep());
    let (mut pattern, mut name) = (pattern, name);
    'pattern: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern, style);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing `*` matches the rest of the element.
            return Ok(!name.contains(sep));
        }
        match match_chunk(chunk, name, style)? {
            Some(t) if t.is_empty() || !pattern.is_empty() => {
                name = t;
                continue;
            }
            _ => {}
        }
        if star {
            // Let the star take more characters, never a separator.
            for (i, c) in name.char_indices() {
                if c == sep {
                    break;
                }
                if let Some(t) = match_chunk(chunk, &name[i + c.len_utf8()..], style)? {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name = t;
                    continue 'pattern;
                }
            }
        }
        // No match: the rest of the pattern must still be well formed.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern, style);
            pattern = rest;
            match_chunk(chunk, "", style)?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Go's `scanChunk`: the leading stars of `pattern`, the chunk up to the next star outside a
/// class, and the rest.
fn scan_chunk(pattern: &str, style: Style) -> (bool, &str, &str) {
    let stripped = pattern.trim_start_matches('*');
    let star = stripped.len() != pattern.len();
    let b = stripped.as_bytes();
    let mut in_range = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if style == Style::Unix && i + 1 < b.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    // `i` is at a `*` or the end: a character boundary. An escape skips one byte, but the
    // bytes of a multi-byte character are never special.
    let (chunk, rest) = stripped.split_at(i);
    (star, chunk, rest)
}

/// Go's `matchChunk`: the rest of `s` after `chunk` matched its start, `None` when it doesn't.
/// A malformed chunk is an error even when the match fails first.
fn match_chunk<'s>(chunk: &str, s: &'s str, style: Style) -> Result<Option<&'s str>, BadPattern> {
    let sep = char::from(style.sep());
    let (mut chunk, mut s) = (chunk, s);
    let mut failed = false;
    while let Some(c) = chunk.chars().next() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            '[' => {
                let mut r = None;
                if !failed {
                    r = s.chars().next();
                    s = &s[r.map_or(0, char::len_utf8)..];
                }
                chunk = &chunk[1..];
                let negated = chunk.starts_with('^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if ranges > 0 && chunk.starts_with(']') {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk, style)?;
                    chunk = rest;
                    let mut hi = lo;
                    if let Some(after) = chunk.strip_prefix('-') {
                        let (h, rest) = get_esc(after, style)?;
                        hi = h;
                        chunk = rest;
                    }
                    if r.is_some_and(|r| lo <= r && r <= hi) {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed {
                    if let Some(r) = s.chars().next() {
                        failed = r == sep;
                        s = &s[r.len_utf8()..];
                    }
                }
                chunk = &chunk[1..];
            }
            _ => {
                let mut literal = c;
                if c == '\\' && style == Style::Unix {
                    chunk = &chunk[1..];
                    literal = chunk.chars().next().ok_or(BadPattern)?;
                }
                if !failed {
                    match s.chars().next() {
                        Some(r) if r == literal => s = &s[r.len_utf8()..],
                        _ => failed = true,
                    }
                }
                chunk = &chunk[literal.len_utf8()..];
            }
        }
    }
    Ok((!failed).then_some(s))
}

/// Go's `getEsc`: the character at the start of a class range, unescaped, and the rest.
fn get_esc(chunk: &str, style: Style) -> Result<(char, &str), BadPattern> {
    if chunk.is_empty() || chunk.starts_with(['-', ']']) {
        return Err(BadPattern);
    }
    let mut chunk = chunk;
    if style == Style::Unix {
        if let Some(rest) = chunk.strip_prefix('\\') {
            chunk = rest;
        }
    }
    let c = chunk.chars().next().ok_or(BadPattern)?;
    let rest = &chunk[c.len_utf8()..];
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((c, rest))
}

/// Declares the path functions on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    cel::add_overload!(env, fn base_path: (CelString) -> CelString)?;
    cel::add_overload!(env, fn dir_path: (CelString) -> CelString)?;
    cel::add_overload!(env, fn ext_path: (CelString) -> CelString)?;
    cel::add_overload!(env, fn volume: (CelString) -> CelString, name = "volumeName")?;
    cel::add_overload!(env, fn rel_path: (CelString, CelString) -> Result<CelString>)?;
    env.add_overload("joinPath", "joinPath_list", vec![LIST_TYPE], join_path)?;
    let tests: [(
        &str,
        cel::common::types::Type,
        cel::common::functions::Function,
    ); 3] = [
        ("pathHasPrefix", STRING_TYPE, path_has_prefix),
        ("pathMatch", STRING_TYPE, path_match_fn),
        ("pathMatchAnyOf", LIST_TYPE, path_match_any_of),
    ];
    for (name, arg, function) in tests {
        let arg_name = arg.name().to_owned();
        env.add_overload(
            name,
            &format!("{name}_string_{arg_name}"),
            vec![STRING_TYPE, arg.to_owned()],
            function,
        )?;
        env.add_member_overload(
            name,
            &format!("string_{name}_{arg_name}"),
            STRING_TYPE,
            vec![arg],
            function,
        )?;
    }
    Ok(())
}

/// `basePath(p)`.
fn base_path(p: &CelString<'_>) -> CelString<'static> {
    let p = p.inner();
    CelString::from(base(p, Style::of(p)))
}

/// `dirPath(p)`.
fn dir_path(p: &CelString<'_>) -> CelString<'static> {
    let p = p.inner();
    CelString::from(dir(p, Style::of(p)))
}

/// `extPath(p)`.
fn ext_path(p: &CelString<'_>) -> CelString<'static> {
    let p = p.inner();
    CelString::from(ext(p, Style::of(p)))
}

/// `volumeName(p)`.
fn volume(p: &CelString<'_>) -> CelString<'static> {
    let p = p.inner();
    CelString::from(volume_name(p, Style::of(p)))
}

/// `relPath(base, target)`.
fn rel_path(
    base: &CelString<'_>,
    target: &CelString<'_>,
) -> Result<CelString<'static>, ExecutionError> {
    let (base, target) = (base.inner(), target.inner());
    rel(base, target, Style::of_all([base, target]))
        .map(CelString::from)
        .map_err(|m| ExecutionError::function_error("relPath", m))
}

/// The strings of a list argument of the function `name`.
fn strings<'b>(name: &str, list: &'b (dyn Val + '_)) -> Result<Vec<&'b str>, ExecutionError> {
    elements(list)?
        .into_iter()
        .map(|e| string(name, e))
        .collect()
}

/// A string argument of the function `name`.
fn string<'b>(name: &str, value: &'b (dyn Val + '_)) -> Result<&'b str, ExecutionError> {
    value
        .downcast_ref::<CelString>()
        .map(CelString::inner)
        .ok_or_else(|| {
            ExecutionError::function_error(
                name,
                format!("expected a string, got {}", value.get_type().name()),
            )
        })
}

/// `joinPath(list)`.
fn join_path<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let list = args
        .first()
        .ok_or_else(|| ExecutionError::invalid_argument_count(1, 0))?;
    let parts = strings("joinPath", list.as_ref())?;
    let style = Style::of_all(parts.iter().copied());
    Ok(CowVal::owned(CelString::from(join(&parts, style))))
}

/// `pathHasPrefix(path, prefix)` and `path.pathHasPrefix(prefix)`.
fn path_has_prefix<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [path, prefix] = two_args(args)?;
    let name = "pathHasPrefix";
    let (path, prefix) = (string(name, path.as_ref())?, string(name, prefix.as_ref())?);
    Ok(boolean(has_prefix(path, prefix)))
}

/// The error of a malformed glob.
fn bad_glob(name: &str, glob: &str) -> ExecutionError {
    ExecutionError::function_error(name, format!("invalid glob pattern `{glob}`"))
}

/// `pathMatch(path, glob)` and `path.pathMatch(glob)`.
fn path_match_fn<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [path, glob] = two_args(args)?;
    let name = "pathMatch";
    let (path, glob) = (string(name, path.as_ref())?, string(name, glob.as_ref())?);
    let matched = path_match(path, glob).map_err(|BadPattern| bad_glob(name, glob))?;
    Ok(boolean(matched))
}

/// `pathMatchAnyOf(path, globs)` and `path.pathMatchAnyOf(globs)`: the globs tried in order,
/// up to the first that matches.
fn path_match_any_of<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [path, globs] = two_args(args)?;
    let name = "pathMatchAnyOf";
    let path = string(name, path.as_ref())?;
    for glob in strings(name, globs.as_ref())? {
        if path_match(path, glob).map_err(|BadPattern| bad_glob(name, glob))? {
            return Ok(boolean(true));
        }
    }
    Ok(boolean(false))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]
mod tests {
    use super::{base, clean, dir, ext, glob_match, join, rel, volume_name, Style};

    const U: Style = Style::Unix;
    const W: Style = Style::Windows;

    /// Go's `filepath` test tables for `Clean` (`cleantests`, `wincleantests`).
    #[test]
    fn clean_as_go() {
        let unix = [
            ("abc", "abc"),
            ("abc/def", "abc/def"),
            ("a/b/c", "a/b/c"),
            (".", "."),
            ("..", ".."),
            ("../..", "../.."),
            ("../../abc", "../../abc"),
            ("/abc", "/abc"),
            ("/", "/"),
            ("", "."),
            ("abc/", "abc"),
            ("abc/def/", "abc/def"),
            ("/abc/", "/abc"),
            ("abc//def//ghi", "abc/def/ghi"),
            ("//abc", "/abc"),
            ("///abc", "/abc"),
            ("abc/./def", "abc/def"),
            ("/./abc/def", "/abc/def"),
            ("abc/.", "abc"),
            ("abc/def/ghi/../jkl", "abc/def/jkl"),
            ("abc/def/../ghi/../jkl", "abc/jkl"),
            ("abc/def/..", "abc"),
            ("abc/def/../..", "."),
            ("/abc/def/../..", "/"),
            ("abc/def/../../..", ".."),
            ("/abc/def/../../..", "/"),
            ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
            ("/../abc", "/abc"),
            ("abc/./../def", "def"),
            ("abc//./../def", "def"),
            ("abc/../../././../def", "../../def"),
        ];
        for (path, want) in unix {
            assert_eq!(clean(path, U), want, "{path:?}");
        }
        let windows = [
            (r"c:", r"c:."),
            (r"c:\", r"c:\"),
            (r"c:\abc", r"c:\abc"),
            (r"c:abc\..\..\.\.\..\def", r"c:..\..\def"),
            (r"c:\abc\def\..\..", r"c:\"),
            (r"c:\..\abc", r"c:\abc"),
            (r"c:..\abc", r"c:..\abc"),
            (r"c:\b:\..\..\..\d", r"c:\d"),
            (r"\", r"\"),
            (r"/", r"\"),
            (r"\\i\..\c$", r"\\i\..\c$"),
            (r"\\i\..\i\c$", r"\\i\..\i\c$"),
            (r"\\i\..\I\c$", r"\\i\..\I\c$"),
            (r"\\host\share\foo\..\bar", r"\\host\share\bar"),
            (r"//host/share/foo/../baz", r"\\host\share\baz"),
            (r"\\host\share\foo\..\..\..\..\bar", r"\\host\share\bar"),
            (r"\\.\C:\a\..\..\..\..\bar", r"\\.\C:\bar"),
            (r"\\.\C:\\\\a", r"\\.\C:\a"),
            (r"\\a\b\..\c", r"\\a\b\c"),
            (r"\\a\b", r"\\a\b"),
            (r".\c:", r".\c:"),
            (r".\c:\foo", r".\c:\foo"),
            (r".\c:foo", r".\c:foo"),
            (r"//abc", r"\\abc"),
            (r"///abc", r"\\\abc"),
            (r"//abc//", r"\\abc\\"),
            (r"\\?\C:\", r"\\?\C:\"),
            (r"\\?\C:\a", r"\\?\C:\a"),
            (r"\??\C:\a\..", r"\??\C:\"),
            (r"\a\..\??\c:\x", r"\.\??\c:\x"),
            (r"a/../c:", r".\c:"),
            (r"a\..\c:", r".\c:"),
            (r"a/../c:/a", r".\c:\a"),
            (r"a/../../c:", r"..\c:"),
            (r"foo:bar", r"foo:bar"),
            (r"/a/../??/a", r"\.\??\a"),
        ];
        for (path, want) in windows {
            assert_eq!(clean(path, W), want, "{path:?}");
        }
    }

    #[test]
    fn base_dir_ext_volume_as_go() {
        let cases = [
            // path, base, dir, ext, volume
            ("", ".", ".", "", ""),
            (".", ".", ".", ".", ""),
            ("/.", ".", "/", ".", ""),
            ("/", "/", "/", "", ""),
            ("////", "/", "/", "", ""),
            ("x/", "x", "x", "", ""),
            ("abc", "abc", ".", "", ""),
            ("abc/def", "def", "abc", "", ""),
            ("a/b/.x", ".x", "a/b", ".x", ""),
            ("a/b/c.", "c.", "a/b", ".", ""),
            ("a/b/c.x", "c.x", "a/b", ".x", ""),
            ("/a.b/c", "c", "/a.b", "", ""),
            (".bashrc", ".bashrc", ".", ".bashrc", ""),
            ("file.tar.gz", "file.tar.gz", ".", ".gz", ""),
            ("path.pb.go", "path.pb.go", ".", ".go", ""),
            ("a.dir/b", "b", "a.dir", "", ""),
            ("a.dir/", "a.dir", "a.dir", "", ""),
            ("/foo", "foo", "/", "", ""),
        ];
        for (path, b, d, e, v) in cases {
            assert_eq!(base(path, U), b, "base {path:?}");
            assert_eq!(dir(path, U), d, "dir {path:?}");
            assert_eq!(ext(path, U), e, "ext {path:?}");
            assert_eq!(volume_name(path, U), v, "volume {path:?}");
        }
        let windows = [
            (r"c:\", r"\", r"c:\", "", "c:"),
            (r"c:.", ".", "c:.", ".", "c:"),
            (r"c:\a\b", "b", r"c:\a", "", "c:"),
            (r"c:a\b", "b", r"c:a", "", "c:"),
            (r"c:a\b\c", "c", r"c:a\b", "", "c:"),
            (r"\\host\share", r"\", r"\\host\share", "", r"\\host\share"),
            (
                r"\\host\share\",
                r"\",
                r"\\host\share\",
                "",
                r"\\host\share",
            ),
            (
                r"\\host\share\a",
                "a",
                r"\\host\share\",
                "",
                r"\\host\share",
            ),
            (
                r"\\host\share\a\b",
                "b",
                r"\\host\share\a",
                "",
                r"\\host\share",
            ),
            (r"C:", r"\", "C:.", "", "C:"),
            (r"c:/a/b.txt", "b.txt", r"c:\a", ".txt", "c:"),
            (r"\\\\", r"\", r"\\\\", "", r"\\\"),
        ];
        for (path, b, d, e, v) in windows {
            assert_eq!(base(path, W), b, "base {path:?}");
            assert_eq!(dir(path, W), d, "dir {path:?}");
            assert_eq!(ext(path, W), e, "ext {path:?}");
            assert_eq!(volume_name(path, W), v, "volume {path:?}");
        }
    }

    #[test]
    fn join_as_go() {
        let unix: &[(&[&str], &str)] = &[
            (&[], ""),
            (&[""], ""),
            (&["a"], "a"),
            (&["a", "b"], "a/b"),
            (&["a", ""], "a"),
            (&["", "b"], "b"),
            (&["/", "a"], "/a"),
            (&["/", "a/b"], "/a/b"),
            (&["/", ""], "/"),
            (&["/a", "b"], "/a/b"),
            (&["a/", "b"], "a/b"),
            (&["a/", ""], "a"),
            (&["", ""], ""),
            (&["/", "a", "b"], "/a/b"),
            (&["a", "../b"], "b"),
            (&["/"], "/"),
            (&["a", "/b"], "a/b"),
            (&["/a", "/b"], "/a/b"),
        ];
        for (elements, want) in unix {
            assert_eq!(join(elements, U), *want, "{elements:?}");
        }
        let windows: &[(&[&str], &str)] = &[
            (&["directory", "file"], r"directory\file"),
            (&[r"C:\Windows\", r"System32"], r"C:\Windows\System32"),
            (&[r"C:\Windows\", ""], r"C:\Windows"),
            (&[r"C:\", r"Windows"], r"C:\Windows"),
            (&[r"C:", r"a"], r"C:a"),
            (&[r"C:", r"a\b"], r"C:a\b"),
            (&[r"C:", r"a", r"b"], r"C:a\b"),
            (&[r"C:", "", "", r"b"], r"C:b"),
            (&[r"C:", ""], r"C:."),
            (&[r"C:", "", ""], r"C:."),
            (&[r"C:", r"\a"], r"C:\a"),
            (&[r"C:", "", r"\a"], r"C:\a"),
            (&[r"C:.", r"a"], r"C:a"),
            (&[r"C:a", r"b"], r"C:a\b"),
            (&[r"C:a", r"b", r"d"], r"C:a\b\d"),
            (&[r"\\host\share", r"foo"], r"\\host\share\foo"),
            (&[r"\\host\share\foo"], r"\\host\share\foo"),
            (&[r"//host/share", r"foo/bar"], r"\\host\share\foo\bar"),
            (&[r"\"], r"\"),
            (&[r"\", ""], r"\"),
            (&[r"\", r"a"], r"\a"),
            (&[r"\\", r"a"], r"\\a"),
            (&[r"\", r"a", r"b"], r"\a\b"),
            (&[r"\\", r"a", r"b"], r"\\a\b"),
            (&[r"\", r"\\a\b", r"c"], r"\a\b\c"),
            (&[r"\\a", r"b", r"c"], r"\\a\b\c"),
            (&[r"\\a\", r"b", r"c"], r"\\a\b\c"),
            (&[r"//", r"a"], r"\\a"),
            (&[r"a:\b\c", r"x\..\y:\..\..\z"], r"a:\b\z"),
            (&[r"\", r"??\a"], r"\.\??\a"),
        ];
        for (elements, want) in windows {
            assert_eq!(join(elements, W), *want, "{elements:?}");
        }
    }

    /// Go's `reltests` and `winreltests`.
    #[test]
    fn rel_as_go() {
        let unix = [
            ("a/b", "a/b", Some(".")),
            ("a/b/.", "a/b", Some(".")),
            ("a/b", "a/b/.", Some(".")),
            ("./a/b", "a/b", Some(".")),
            ("a/b", "./a/b", Some(".")),
            ("ab/cd", "ab/cde", Some("../cde")),
            ("ab/cd", "ab/c", Some("../c")),
            ("a/b", "a/b/c/d", Some("c/d")),
            ("a/b", "a/b/../c", Some("../c")),
            ("a/b/../c", "a/b", Some("../b")),
            ("a/b/c", "a/c/d", Some("../../c/d")),
            ("a/b", "c/d", Some("../../c/d")),
            ("a/b/c/d", "a/b", Some("../..")),
            ("a/b/c/d", "a/b/", Some("../..")),
            ("a/b/c/d/", "a/b", Some("../..")),
            ("a/b/c/d/", "a/b/", Some("../..")),
            ("../../a/b", "../../a/b/c/d", Some("c/d")),
            ("/a/b", "/a/b", Some(".")),
            ("/a/b/.", "/a/b", Some(".")),
            ("/a/b", "/a/b/.", Some(".")),
            ("/ab/cd", "/ab/cde", Some("../cde")),
            ("/ab/cd", "/ab/c", Some("../c")),
            ("/a/b", "/a/b/c/d", Some("c/d")),
            ("/a/b", "/a/b/../c", Some("../c")),
            ("/a/b/../c", "/a/b", Some("../b")),
            ("/a/b/c", "/a/c/d", Some("../../c/d")),
            ("/a/b", "/c/d", Some("../../c/d")),
            ("/a/b/c/d", "/a/b", Some("../..")),
            ("/a/b/c/d", "/a/b/", Some("../..")),
            ("/a/b/c/d/", "/a/b", Some("../..")),
            ("/a/b/c/d/", "/a/b/", Some("../..")),
            ("/../../a/b", "/../../a/b/c/d", Some("c/d")),
            (".", "a/b", Some("a/b")),
            (".", "..", Some("..")),
            // can't do these
            ("..", ".", None),
            ("..", "a", None),
            ("../..", "..", None),
            ("a", "/a", None),
            ("/a", "a", None),
        ];
        for (b, t, want) in unix {
            assert_eq!(rel(b, t, U).ok().as_deref(), want, "{b:?} {t:?}");
        }
        let windows = [
            (r"C:a\b\c", r"C:a/b/d", Some(r"..\d")),
            (r"C:\", r"D:\", None),
            (r"C:", r"D:", None),
            (r"C:\Projects", r"c:\projects\src", Some(r"src")),
            (r"C:\Projects", r"c:\projects", Some(r".")),
            (r"C:\Projects\a\..", r"c:\projects", Some(r".")),
            (r"\\host\share", r"\\host\share\file.txt", Some(r"file.txt")),
        ];
        for (b, t, want) in windows {
            assert_eq!(rel(b, t, W).ok().as_deref(), want, "{b:?} {t:?}");
        }
    }

    /// Go's `matchTests`.
    #[test]
    fn match_as_go() {
        let cases: &[(&str, &str, Result<bool, ()>)] = &[
            ("abc", "abc", Ok(true)),
            ("*", "abc", Ok(true)),
            ("*c", "abc", Ok(true)),
            ("a*", "a", Ok(true)),
            ("a*", "abc", Ok(true)),
            ("a*", "ab/c", Ok(false)),
            ("a*/b", "abc/b", Ok(true)),
            ("a*/b", "a/c/b", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Ok(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Ok(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Ok(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Ok(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Ok(false)),
            ("ab[c]", "abc", Ok(true)),
            ("ab[b-d]", "abc", Ok(true)),
            ("ab[e-g]", "abc", Ok(false)),
            ("ab[^c]", "abc", Ok(false)),
            ("ab[^b-d]", "abc", Ok(false)),
            ("ab[^e-g]", "abc", Ok(true)),
            ("a\\*b", "a*b", Ok(true)),
            ("a\\*b", "ab", Ok(false)),
            ("a?b", "a☺b", Ok(true)),
            ("a[^a]b", "a☺b", Ok(true)),
            ("a???b", "a☺b", Ok(false)),
            ("a[^a][^a][^a]b", "a☺b", Ok(false)),
            ("[a-ζ]*", "α", Ok(true)),
            ("*[a-ζ]", "A", Ok(false)),
            ("a?b", "a/b", Ok(false)),
            ("a*b", "a/b", Ok(false)),
            ("[\\]a]", "]", Ok(true)),
            ("[\\-]", "-", Ok(true)),
            ("[x\\-]", "x", Ok(true)),
            ("[x\\-]", "-", Ok(true)),
            ("[x\\-]", "z", Ok(false)),
            ("[\\-x]", "x", Ok(true)),
            ("[\\-x]", "-", Ok(true)),
            ("[\\-x]", "a", Ok(false)),
            ("[]a]", "]", Err(())),
            ("[-]", "-", Err(())),
            ("[x-]", "x", Err(())),
            ("[x-]", "-", Err(())),
            ("[x-]", "z", Err(())),
            ("[-x]", "x", Err(())),
            ("[-x]", "-", Err(())),
            ("[-x]", "a", Err(())),
            ("\\", "a", Err(())),
            ("[a-b-c]", "a", Err(())),
            ("[", "a", Err(())),
            ("[^", "a", Err(())),
            ("[^bc", "a", Err(())),
            ("a[", "a", Err(())),
            ("a[", "ab", Err(())),
            ("a[", "x", Err(())),
            ("a/b[", "x", Err(())),
            ("*x", "xxx", Ok(true)),
        ];
        for (pattern, name, want) in cases {
            let got = glob_match(pattern, name, U).map_err(|_| ());
            assert_eq!(got, *want, "{pattern:?} {name:?}");
        }
        assert!(glob_match(r"C:\a\*", r"C:\a\b", W).unwrap());
        assert!(!glob_match(r"C:\a\*", r"C:\a\b\c", W).unwrap());
        assert!(glob_match(r"C:\a\?\c", r"C:\a\b\c", W).unwrap());
        assert!(!glob_match(r"C:\a?b", r"C:\a\b", W).unwrap());
    }
}
