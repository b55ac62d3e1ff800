//! Duration literals, validated at build time with the syntax cel-go accepts: Go's
//! `time.ParseDuration`.

/// Nanoseconds in each unit Go accepts.
const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),
    ("\u{3bc}s", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// The largest magnitude a duration may have, in nanoseconds: `2^63`, for a negative one.
const LIMIT: u64 = 1 << 63;

/// Parses the argument of a `duration("...")` literal as cel-go does (Go's
/// `time.ParseDuration`): an optional sign, then one or more decimal numbers each followed by a
/// unit among `h m s ms us ns` (`1h30m`, `1.5s`, `-90m`), or `0`. The magnitude must fit in 64
/// bits of nanoseconds (about 292 years).
///
/// The error is a short lowercase explanation, e.g. "unknown unit `x`".
pub(crate) fn parse_duration_literal(s: &str) -> Result<chrono::Duration, String> {
    let (negative, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Ok(chrono::Duration::zero());
    }
    if rest.is_empty() {
        return Err("empty duration".to_owned());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let (nanos, after) = component(rest)?;
        total = total
            .checked_add(nanos)
            .filter(|t| *t <= LIMIT)
            .ok_or_else(too_large)?;
        rest = after;
    }
    if negative {
        // `total` is at most 2^63, whose negation is `i64::MIN`.
        let magnitude = i64::try_from(total).unwrap_or(i64::MAX);
        let nanos = if total == LIMIT { i64::MIN } else { -magnitude };
        Ok(chrono::Duration::nanoseconds(nanos))
    } else {
        i64::try_from(total)
            .map(chrono::Duration::nanoseconds)
            .map_err(|_| too_large())
    }
}

/// One number and its unit at the start of `s`, in nanoseconds, and what follows.
fn component(s: &str) -> Result<(u64, &str), String> {
    if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
        return Err(format!("expected a number at `{s}`"));
    }
    let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
    let (int_digits, rest) = s.split_at(int_len);
    let whole = leading_int(int_digits).ok_or_else(too_large)?;
    let (fraction, scale, frac_len, rest) = match rest.strip_prefix('.') {
        Some(after_dot) => {
            let len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            let (digits, rest) = after_dot.split_at(len);
            let (fraction, scale) = leading_fraction(digits);
            (fraction, scale, len, rest)
        }
        None => (0, 1.0, 0, rest),
    };
    if int_len == 0 && frac_len == 0 {
        return Err(format!("expected a number at `{s}`"));
    }
    let unit_len = rest
        .bytes()
        .take_while(|c| *c != b'.' && !c.is_ascii_digit())
        .count();
    let (unit, rest) = rest.split_at(unit_len);
    if unit.is_empty() {
        return Err("missing unit".to_owned());
    }
    let per_unit = UNITS
        .iter()
        .find(|(name, _)| *name == unit)
        .map(|(_, nanos)| *nanos)
        .ok_or_else(|| format!("unknown unit `{unit}`"))?;
    let mut nanos = whole
        .checked_mul(per_unit)
        .filter(|n| *n <= LIMIT)
        .ok_or_else(too_large)?;
    if fraction > 0 {
        // As Go does: the fraction scaled to the unit, in floating point, truncated.
        let part = (fraction as f64 * (per_unit as f64 / scale)) as u64;
        nanos = nanos
            .checked_add(part)
            .filter(|n| *n <= LIMIT)
            .ok_or_else(too_large)?;
    }
    Ok((nanos, rest))
}

/// The value of a run of decimal digits, `None` past `2^63`.
fn leading_int(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |acc, d| {
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(u64::from(d - b'0')))
            .filter(|acc| *acc <= LIMIT)
    })
}

/// The digits after a decimal point as an integer and the power of ten that divides it; digits
/// past 63 bits of precision are ignored, as Go does.
fn leading_fraction(digits: &str) -> (u64, f64) {
    let mut value: u64 = 0;
    let mut scale = 1.0;
    for d in digits.bytes() {
        let next = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .filter(|v| *v <= LIMIT);
        match next {
            Some(v) => {
                value = v;
                scale *= 10.0;
            }
            None => break,
        }
    }
    (value, scale)
}

/// The error of a duration too large to represent.
fn too_large() -> String {
    "duration out of range".to_owned()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]
mod tests {
    use chrono::Duration;

    use super::parse_duration_literal;

    #[test]
    fn valid_literals() {
        let cases = [
            ("0", Duration::zero()),
            ("-0", Duration::zero()),
            ("0s", Duration::zero()),
            ("1h", Duration::hours(1)),
            ("90m", Duration::minutes(90)),
            ("1h30m", Duration::minutes(90)),
            ("1.5h", Duration::minutes(90)),
            ("+5s", Duration::seconds(5)),
            ("-90m", Duration::minutes(-90)),
            ("1.5s", Duration::milliseconds(1500)),
            (".5s", Duration::milliseconds(500)),
            ("1.s", Duration::seconds(1)),
            ("300ms", Duration::milliseconds(300)),
            ("2us", Duration::microseconds(2)),
            ("2\u{b5}s", Duration::microseconds(2)),
            ("2\u{3bc}s", Duration::microseconds(2)),
            ("7ns", Duration::nanoseconds(7)),
            ("1h2m3s4ms5us6ns", Duration::nanoseconds(3_723_004_005_006)),
            ("72h", Duration::hours(72)),
            ("2562047h", Duration::hours(2_562_047)),
            ("9223372036854775807ns", Duration::nanoseconds(i64::MAX)),
            ("-9223372036854775808ns", Duration::nanoseconds(i64::MIN)),
        ];
        for (s, want) in cases {
            assert_eq!(parse_duration_literal(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn invalid_literals() {
        let cases = [
            ("", "empty duration"),
            ("-", "empty duration"),
            ("90x", "unknown unit `x`"),
            ("1hfoo", "unknown unit `hfoo`"),
            ("1", "missing unit"),
            ("1h30", "missing unit"),
            ("h", "expected a number at `h`"),
            (".s", "expected a number at `.s`"),
            ("1h 30m", "unknown unit `h `"),
            (" 1h", "expected a number at ` 1h`"),
            ("1.5.5s", "missing unit"),
            ("1H", "unknown unit `H`"),
            ("9223372036854775808ns", "duration out of range"),
            ("2562048h", "duration out of range"),
            ("99999999999999999999s", "duration out of range"),
        ];
        for (s, want) in cases {
            assert_eq!(parse_duration_literal(s), Err(want.to_owned()), "{s}");
        }
    }
}
