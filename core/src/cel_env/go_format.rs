//! `string(double)` as cel-go writes it: Go's `%g` (`strconv.FormatFloat(f, 'g', -1, 64)`),
//! e.g. `1.234567e+06` for 1234567.0 and `1e-05` for 0.00001, where the `cel` crate would write
//! `1234567` and `0.00001`. Policies compare such strings (`string(R.attr.id) == P.id`), so the
//! difference would change decisions silently: the compiler routes `string(x)` through here
//! whenever `x` is a double.

use cel::common::types::{CelDouble, CelString};
use cel::{DeclarationError, Env};

/// Internal name the compiler calls for `string(x)` on a double.
pub(crate) const FORMAT_DOUBLE: &str = "@stringDouble";

/// Declares [`FORMAT_DOUBLE`].
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    cel::add_overload!(env, fn string_double: (CelDouble) -> CelString, name = FORMAT_DOUBLE)
}

fn string_double(d: &CelDouble) -> CelString<'static> {
    CelString::from(format_g(*d.inner()))
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)`.
pub(crate) fn format_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    // Shortest round-trip digits, as Rust and Go both produce them.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let nd = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let dp = exp + 1; // value = 0.d1d2... x 10^dp
    let mut eprec = 6;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    let x = dp - 1;
    let sign = if f < 0.0 { "-" } else { "" };
    if x < -4 || x >= eprec {
        let (first, rest) = digits.split_at(1);
        let frac = if rest.is_empty() {
            String::new()
        } else {
            format!(".{rest}")
        };
        let esign = if x < 0 { '-' } else { '+' };
        return format!("{sign}{first}{frac}e{esign}{:02}", x.unsigned_abs());
    }
    let body = if dp <= 0 {
        format!("0.{}{digits}", "0".repeat(dp.unsigned_abs() as usize))
    } else if dp >= nd {
        format!("{digits}{}", "0".repeat((dp - nd) as usize))
    } else {
        let (int, frac) = digits.split_at(dp as usize);
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::format_g;

    #[test]
    fn formats_like_go_percent_g() {
        for (f, want) in [
            (1234567.0, "1.234567e+06"),
            (100000.0, "100000"),
            (123456.0, "123456"),
            (1e6, "1e+06"),
            (3.0, "3"),
            (1.5, "1.5"),
            (-2.25, "-2.25"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e21, "1e+21"),
            (1.0 / 3.0, "0.3333333333333333"),
            (0.0, "0"),
            (-0.0, "-0"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (1e100, "1e+100"),
            (123.456, "123.456"),
        ] {
            assert_eq!(format_g(f), want, "{f}");
        }
    }
}
