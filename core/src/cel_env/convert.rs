//! Conversions between JSON and CEL values: request data into CEL (`cel-environment.md` §3),
//! and results out of it, as output values (`policy-format.md` §13).

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::types::{CelBool, CelDouble, CelList, CelMap, CelMapKey, CelNull, CelString};
use cel::common::value::Val;
use cel::objects::{Key, Map, OptionalValue};
use cel::Value;
use serde_json::Value as Json;

/// The largest integer a JSON number holds exactly (a double's 53-bit mantissa): `2^53 - 1`.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// A JSON value as a CEL [`Value`]: `null`, `bool`, `double` for every number (integral or
/// not), `string`, `list` and `map` with string keys.
pub(crate) fn json_to_value(v: &Json) -> Value {
    json_to_value_at(v, 0)
}

/// Deepest nesting converted: JSON parsed by serde_json stops at 128 levels anyway, and
/// recursion this deep stays well inside a 2 MiB thread stack. Deeper values become `null`.
pub(crate) const MAX_VALUE_DEPTH: usize = 128;

fn json_to_value_at(v: &Json, depth: usize) -> Value {
    if depth >= MAX_VALUE_DEPTH {
        return Value::Null;
    }
    match v {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Float(number(n)),
        Json::String(s) => Value::String(Arc::new(s.clone())),
        Json::Array(items) => Value::List(Arc::new(
            items
                .iter()
                .map(|i| json_to_value_at(i, depth + 1))
                .collect(),
        )),
        Json::Object(entries) => {
            let map = entries
                .iter()
                .map(|(k, v)| {
                    (
                        Key::String(Arc::new(k.clone())),
                        json_to_value_at(v, depth + 1),
                    )
                })
                .collect::<HashMap<_, _>>();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// A JSON value as a CEL value, converted as [`json_to_value`] does, built directly as the
/// crate's built-in values so that an evaluation can borrow it.
pub(crate) fn json_to_val(v: &Json) -> Box<dyn Val> {
    match v {
        Json::Null => Box::new(CelNull),
        Json::Bool(b) => Box::new(CelBool::from(*b)),
        Json::Number(n) => Box::new(CelDouble::from(number(n))),
        Json::String(s) => Box::new(CelString::from(s.clone())),
        Json::Array(items) => Box::new(CelList::from(
            items.iter().map(json_to_val).collect::<Vec<_>>(),
        )),
        Json::Object(entries) => Box::new(CelMap::from(
            entries
                .iter()
                .map(|(k, v)| (CelMapKey::from(k.clone()), json_to_val(v)))
                .collect::<HashMap<_, _>>(),
        )),
    }
}

/// A JSON number as the double CEL sees.
fn number(n: &serde_json::Number) -> f64 {
    // Without serde_json's `arbitrary_precision`, every number has an `f64` form.
    n.as_f64()
        .or_else(|| n.to_string().parse().ok())
        .unwrap_or(f64::NAN)
}

/// A CEL value as the JSON of an output value (`policy-format.md` §13), as Cerbos renders it:
///
/// - `int` and `uint` as numbers, but as decimal strings beyond ±(2^53 − 1), where a JSON
///   number would lose precision;
/// - `double` as a number, an integral one without a fraction (`3.0` is `3`), `NaN` and the
///   infinities as the strings `"NaN"`, `"Infinity"` and `"-Infinity"`;
/// - `map` as an object, keys in order, non-string keys written as strings (`1`, `true`);
/// - `timestamp` as an RFC 3339 string in UTC with a `Z`, with as many fractional digits as
///   needed (`2024-01-02T03:04:05.5Z`);
/// - `duration` as seconds with an `s` suffix (`"3600s"`, `"1.5s"`, `"-0.001s"`);
/// - `bytes` as standard base64 with padding;
/// - `type` values as their name; an `optional` as its value, or `null` when absent; `null`,
///   and anything without a JSON form (functions, opaque values), as `null`.
pub(crate) fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => int_json(*i),
        Value::UInt(u) => match i64::try_from(*u) {
            Ok(i) => int_json(i),
            Err(_) => Json::String(u.to_string()),
        },
        Value::Float(f) => double_json(*f),
        Value::String(s) => Json::String(s.to_string()),
        Value::Bytes(b) => Json::String(base64(b)),
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(map) => {
            let mut entries = map
                .map
                .iter()
                .map(|(k, v)| (key_string(k), v))
                .collect::<Vec<_>>();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, value_to_json(v)))
                    .collect(),
            )
        }
        Value::Timestamp(ts) => Json::String(timestamp(ts)),
        Value::Duration(d) => Json::String(duration(d)),
        Value::Opaque(opaque) => match opaque.downcast_ref::<OptionalValue>() {
            Some(optional) => optional.value().map_or(Json::Null, value_to_json),
            None => Json::Null,
        },
        _ => Json::Null,
    }
}

/// An integer as a JSON number, or as a decimal string where a number would lose precision.
fn int_json(i: i64) -> Json {
    if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i) {
        Json::from(i)
    } else {
        Json::String(i.to_string())
    }
}

/// A double as a JSON number, or as the string protobuf's JSON uses for a non-finite one.
fn double_json(f: f64) -> Json {
    if f.is_nan() {
        return Json::String("NaN".to_owned());
    }
    if f.is_infinite() {
        let s = if f > 0.0 { "Infinity" } else { "-Infinity" };
        return Json::String(s.to_owned());
    }
    // Exact for every integral double within ±(2^53 − 1).
    if f.fract() == 0.0 && f.abs() <= MAX_SAFE_INTEGER as f64 {
        return Json::from(f as i64);
    }
    serde_json::Number::from_f64(f).map_or(Json::Null, Json::Number)
}

/// A map key as an object key.
fn key_string(k: &Key) -> String {
    match k {
        Key::String(s) => s.to_string(),
        Key::Int(i) => i.to_string(),
        Key::Uint(u) => u.to_string(),
        Key::Bool(b) => b.to_string(),
    }
}

/// A timestamp in RFC 3339, in UTC with a `Z`, with the fractional seconds it has and no
/// trailing zeros (as Go's `time.RFC3339Nano`, which cel-go uses).
pub(super) fn timestamp(ts: &chrono::DateTime<chrono::FixedOffset>) -> String {
    let utc = ts.with_timezone(&chrono::Utc);
    let mut s = utc.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = utc.timestamp_subsec_nanos();
    if nanos > 0 {
        let fraction = format!("{nanos:09}");
        s.push('.');
        s.push_str(fraction.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// A duration as seconds with an `s` suffix, as cel-go writes it: `"3600s"`, `"1.5s"`.
pub(super) fn duration(d: &chrono::Duration) -> String {
    let nanos = i128::from(d.num_seconds()) * 1_000_000_000 + i128::from(d.subsec_nanos());
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    let (seconds, fraction) = (magnitude / 1_000_000_000, magnitude % 1_000_000_000);
    if fraction == 0 {
        format!("{sign}{seconds}s")
    } else {
        let fraction = format!("{fraction:09}");
        format!("{sign}{seconds}.{}s", fraction.trim_end_matches('0'))
    }
}

/// Standard base64, with padding.
pub(super) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |index: u32| char::from(ALPHABET[(index & 0x3f) as usize]);
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        out.push(if chunk.len() > 1 { symbol(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { symbol(n) } else { '=' });
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, reason = "test failures")]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use cel::objects::{Key, Map, OptionalValue};
    use cel::Value;
    use chrono::{DateTime, Duration};
    use serde_json::{json, Value as Json};

    use super::{json_to_value, value_to_json};

    fn map(entries: Vec<(Key, Value)>) -> Value {
        Value::Map(Map {
            map: Arc::new(entries.into_iter().collect::<HashMap<_, _>>()),
        })
    }

    fn ts(s: &str) -> Value {
        Value::Timestamp(DateTime::parse_from_rfc3339(s).unwrap())
    }

    #[test]
    fn value_to_json_for_each_kind() {
        let max = (1i64 << 53) - 1;
        let cases: Vec<(Value, Json)> = vec![
            (Value::Null, json!(null)),
            (Value::Bool(true), json!(true)),
            (Value::Int(42), json!(42)),
            (Value::Int(-7), json!(-7)),
            (Value::Int(max), json!(9007199254740991i64)),
            (Value::Int(-max), json!(-9007199254740991i64)),
            (Value::Int(max + 1), json!("9007199254740992")),
            (Value::Int(-max - 1), json!("-9007199254740992")),
            (Value::Int(i64::MIN), json!("-9223372036854775808")),
            (Value::UInt(7), json!(7)),
            (Value::UInt(max as u64), json!(9007199254740991u64)),
            (Value::UInt(max as u64 + 1), json!("9007199254740992")),
            (Value::UInt(u64::MAX), json!("18446744073709551615")),
            (Value::Float(1.5), json!(1.5)),
            (Value::Float(3.0), json!(3)),
            (Value::Float(-0.25), json!(-0.25)),
            (Value::Float(1e300), json!(1e300)),
            (Value::Float(f64::NAN), json!("NaN")),
            (Value::Float(f64::INFINITY), json!("Infinity")),
            (Value::Float(f64::NEG_INFINITY), json!("-Infinity")),
            (Value::from("héllo"), json!("héllo")),
            (Value::Bytes(Arc::new(b"hi".to_vec())), json!("aGk=")),
            (Value::Bytes(Arc::new(b"hey".to_vec())), json!("aGV5")),
            (Value::Bytes(Arc::new(b"\xff\x00".to_vec())), json!("/wA=")),
            (Value::Bytes(Arc::new(Vec::new())), json!("")),
            (
                Value::List(Arc::new(vec![Value::Int(1), Value::from("a"), Value::Null])),
                json!([1, "a", null]),
            ),
            (
                map(vec![
                    (Key::from("b"), Value::Int(2)),
                    (Key::from("a"), Value::List(Arc::new(vec![]))),
                ]),
                json!({"a": [], "b": 2}),
            ),
            (
                map(vec![
                    (Key::Int(1), Value::Bool(true)),
                    (Key::Uint(2), Value::Null),
                    (Key::Bool(false), Value::from("x")),
                ]),
                json!({"1": true, "2": null, "false": "x"}),
            ),
            (ts("2024-01-02T03:04:05Z"), json!("2024-01-02T03:04:05Z")),
            (
                ts("2024-01-02T03:04:05.5Z"),
                json!("2024-01-02T03:04:05.5Z"),
            ),
            (
                ts("2024-01-02T03:04:05.000000123Z"),
                json!("2024-01-02T03:04:05.000000123Z"),
            ),
            (
                ts("2024-01-02T05:04:05+02:00"),
                json!("2024-01-02T03:04:05Z"),
            ),
            (Value::Duration(Duration::hours(1)), json!("3600s")),
            (Value::Duration(Duration::milliseconds(1500)), json!("1.5s")),
            (
                Value::Duration(Duration::nanoseconds(1)),
                json!("0.000000001s"),
            ),
            (
                Value::Duration(Duration::milliseconds(-1500)),
                json!("-1.5s"),
            ),
            (Value::Duration(Duration::zero()), json!("0s")),
            (
                Value::Opaque(Arc::new(OptionalValue::of(Value::Int(1)))),
                json!(1),
            ),
            (Value::Opaque(Arc::new(OptionalValue::none())), json!(null)),
        ];
        for (value, want) in cases {
            assert_eq!(value_to_json(&value), want, "{value:?}");
        }
    }

    /// Results of evaluations, as the engine gets them.
    #[test]
    fn value_to_json_of_evaluated_values() {
        let cases = [
            (
                "{'rule': 'edit', 'n': [1, 2.5, 2.0]}",
                json!({"n": [1, 2.5, 2], "rule": "edit"}),
            ),
            (
                "timestamp('2024-01-02T03:04:05Z')",
                json!("2024-01-02T03:04:05Z"),
            ),
            ("duration('90m')", json!("5400s")),
            ("b'hi'", json!("aGk=")),
            ("optional.of('x')", json!("x")),
            ("optional.none()", json!(null)),
            ("int", json!("int")),
            ("9007199254740992", json!("9007199254740992")),
            ("9007199254740991", json!(9007199254740991i64)),
            ("{1: 'a'}", json!({"1": "a"})),
        ];
        for (src, want) in cases {
            let program = crate::cel_env::env().compile(src).unwrap();
            let value = program.execute(&crate::cel_env::root_context()).unwrap();
            assert_eq!(value_to_json(&value), want, "`{src}`");
        }
    }

    #[test]
    fn json_to_value_reads_every_number_as_a_double() {
        let cases = [
            (json!(null), Value::Null),
            (json!(false), Value::Bool(false)),
            (json!(1), Value::Float(1.0)),
            (json!(-3), Value::Float(-3.0)),
            (json!(2.5), Value::Float(2.5)),
            (
                json!(18446744073709551615u64),
                Value::Float(18446744073709551615.0),
            ),
            (json!("s"), Value::from("s")),
            (
                json!([1, "a"]),
                Value::List(Arc::new(vec![Value::Float(1.0), Value::from("a")])),
            ),
            (
                json!({"a": {"b": [true]}}),
                map(vec![(
                    Key::from("a"),
                    map(vec![(
                        Key::from("b"),
                        Value::List(Arc::new(vec![Value::Bool(true)])),
                    )]),
                )]),
            ),
        ];
        for (json, want) in cases {
            let got = json_to_value(&json);
            assert_eq!(got, want, "{json}");
            if let Value::Float(_) = want {
                assert!(matches!(got, Value::Float(_)), "{json}: {got:?}");
            }
        }
    }

    #[test]
    fn json_round_trips_through_cel() {
        let v = json!({"a": [1, 2.5, "x", null, true, {"b": {}}], "c": "d"});
        assert_eq!(value_to_json(&json_to_value(&v)), v);
    }
}
