//! `json.encode(value) -> string`: a value as compact JSON text, as cel-go converts values to
//! JSON (`google.protobuf.Value`) and Go writes them.
//!
//! - `null`, `bool` and `string` as themselves;
//! - every number as a JSON number (`int`, `uint` and `double` alike: `3.0` is `3`), written as
//!   Go's `encoding/json` writes a double (`1e+21`, `1e-7`); `int` and `uint` values beyond
//!   ±(2^53 − 1), which a double cannot hold exactly, as decimal strings;
//! - `list` as an array; `map` as an object with its keys sorted, which must be strings;
//! - `timestamp` as an RFC 3339 string in UTC (`"2024-01-02T03:04:05.5Z"`), `duration` as
//!   seconds (`"3600s"`, `"1.5s"`), `bytes` as standard base64;
//! - a NaN or infinite double, a map key that is not a string, and any other value (a type, an
//!   optional, a hierarchy, ...) is an error, as JSON cannot hold it.
//!
//! ```text
//! json.encode({'b': [1, 2.5], 'a': null})   // '{"a":null,"b":[1,2.5]}'
//! ```

use std::fmt::Write as _;

use cel::common::types::{
    CelBool, CelBytes, CelDouble, CelDuration, CelInt, CelMap, CelMapKey, CelString, CelTimestamp,
    CelUInt, Kind, DYN_TYPE,
};
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, ExecutionError};

use super::convert::{base64, duration, timestamp};

/// The function's name.
const NAME: &str = "json.encode";

/// The largest integer a double holds exactly, `2^53 − 1`.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// How deeply lists and maps may nest.
const MAX_DEPTH: usize = 256;

/// Declares `json.encode(dyn)` on `env`.
pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload(NAME, "json_encode_dyn", vec![DYN_TYPE], encode)
}

/// `json.encode(value)`.
fn encode<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let [value] = <[CowVal<'b, 'v>; 1]>::try_from(args)
        .map_err(|args| ExecutionError::invalid_argument_count(1, args.len()))?;
    let mut out = String::new();
    write_value(value.as_ref(), 0, &mut out)
        .map_err(|m| ExecutionError::function_error(NAME, m))?;
    Ok(CowVal::owned(CelString::from(out)))
}

/// Appends the JSON of `v`, nested `depth` deep.
fn write_value(v: &dyn Val, depth: usize, out: &mut String) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("value nested too deeply".to_owned());
    }
    let unsupported = || format!("cannot encode a value of type `{}`", v.get_type().name());
    match v.get_type().kind() {
        Kind::NullType => out.push_str("null"),
        Kind::Boolean => {
            let b = v.downcast_ref::<CelBool>().ok_or_else(unsupported)?;
            out.push_str(if *b.inner() { "true" } else { "false" });
        }
        Kind::Int => {
            let i = *v.downcast_ref::<CelInt>().ok_or_else(unsupported)?.inner();
            write_integer(i.unsigned_abs(), i < 0, out);
        }
        Kind::UInt => {
            let u = *v.downcast_ref::<CelUInt>().ok_or_else(unsupported)?.inner();
            write_integer(u, false, out);
        }
        Kind::Double => {
            let f = *v
                .downcast_ref::<CelDouble>()
                .ok_or_else(unsupported)?
                .inner();
            write_double(f, out)?;
        }
        Kind::String => {
            let s = v.downcast_ref::<CelString>().ok_or_else(unsupported)?;
            write_string(s.inner(), out);
        }
        Kind::Bytes => {
            let b = v.downcast_ref::<CelBytes>().ok_or_else(unsupported)?;
            out.push('"');
            out.push_str(&base64(b.inner()));
            out.push('"');
        }
        Kind::Timestamp => {
            let ts = v.downcast_ref::<CelTimestamp>().ok_or_else(unsupported)?;
            write_string(&timestamp(ts.inner()), out);
        }
        Kind::Duration => {
            let d = v.downcast_ref::<CelDuration>().ok_or_else(unsupported)?;
            write_string(&duration(d.inner()), out);
        }
        Kind::List => {
            let list = v.as_iterable().ok_or_else(unsupported)?;
            out.push('[');
            let mut items = list.iter();
            let mut first = true;
            while let Some(item) = items.next() {
                if !first {
                    out.push(',');
                }
                first = false;
                write_value(item, depth + 1, out)?;
            }
            out.push(']');
        }
        Kind::Map => {
            let map = v.downcast_ref::<CelMap>().ok_or_else(unsupported)?;
            let mut entries = map
                .inner()
                .iter()
                .map(|(k, v)| match k {
                    CelMapKey::String(s) => Ok((s.inner(), v)),
                    other => Err(format!(
                        "map keys must be strings, got a key of type `{}`",
                        other.inner().get_type().name()
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(v.as_ref(), depth + 1, out)?;
            }
            out.push('}');
        }
        _ => return Err(unsupported()),
    }
    Ok(())
}

/// An integer as a number, or as a decimal string beyond ±(2^53 − 1).
fn write_integer(magnitude: u64, negative: bool, out: &mut String) {
    let sign = if negative { "-" } else { "" };
    if magnitude <= MAX_SAFE_INTEGER {
        let _ = write!(out, "{sign}{magnitude}");
    } else {
        let _ = write!(out, "\"{sign}{magnitude}\"");
    }
}

/// A finite double as Go's `encoding/json` writes it: the shortest decimal that reads back as
/// the same double, in exponent form below 1e-6 and from 1e21 on (`1e+21`, `1.5e-7`).
fn write_double(f: f64, out: &mut String) -> Result<(), String> {
    if !f.is_finite() {
        return Err(format!("cannot encode the double `{f}`"));
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => {
                let _ = write!(out, "{mantissa}e+{exp}");
            }
            _ => out.push_str(&s),
        }
    } else {
        let _ = write!(out, "{f}");
    }
    Ok(())
}

/// A JSON string literal.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]
mod tests {
    use super::write_double;

    #[test]
    fn doubles_as_go_writes_them() {
        let cases = [
            (0.0, "0"),
            (-0.0, "-0"),
            (3.0, "3"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (1e20, "100000000000000000000"),
            (1e21, "1e+21"),
            (1.5e300, "1.5e+300"),
            (1e-6, "0.000001"),
            (1e-7, "1e-7"),
            (-2.5e-10, "-2.5e-10"),
            (123_456_789.125, "123456789.125"),
        ];
        for (f, want) in cases {
            let mut out = String::new();
            write_double(f, &mut out).unwrap();
            assert_eq!(out, want, "{f}");
        }
        assert!(write_double(f64::NAN, &mut String::new()).is_err());
        assert!(write_double(f64::INFINITY, &mut String::new()).is_err());
    }
}
