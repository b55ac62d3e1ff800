//! Just enough YAML to read the scenario table as JSON: mappings, sequences and scalars
//! (plain scalars typed as YAML 1.2 core: null, booleans, integers, floats, else strings).

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

enum Frame {
    Seq(Vec<Value>),
    /// Entries and the key waiting for its value.
    Map(Map<String, Value>, Option<String>),
}

/// The first document of `text` as JSON.
pub(super) fn parse(text: &str) -> Result<Value, String> {
    let mut stack: Vec<Frame> = Vec::new();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            format!(
                "{}:{}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            )
        })?;
        let value = match event {
            Event::Scalar(v, style, _, _) => {
                if style == ScalarStyle::Plain {
                    plain(&v)
                } else {
                    Value::String(v.into_owned())
                }
            }
            Event::SequenceStart(..) => {
                stack.push(Frame::Seq(Vec::new()));
                continue;
            }
            Event::MappingStart(..) => {
                stack.push(Frame::Map(Map::new(), None));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items)) => Value::Array(items),
                Some(Frame::Map(entries, _)) => Value::Object(entries),
                None => return Err("unbalanced YAML".into()),
            },
            Event::Alias(_) => {
                return Err(format!(
                    "line {}: aliases are not supported",
                    span.start.line()
                ))
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => return Ok(value),
            Some(Frame::Seq(items)) => items.push(value),
            Some(Frame::Map(entries, key)) => match key.take() {
                None => {
                    *key = Some(match value {
                        Value::String(s) => s,
                        Value::Null => "~".to_owned(),
                        other => other.to_string(),
                    })
                }
                Some(k) => {
                    entries.insert(k, value);
                }
            },
        }
    }
    Err("no YAML document".into())
}

fn plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        return Value::Number(i.into());
    }
    if s.contains('.') {
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(s.to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_the_table_uses() {
        let v = parse("a: [1, x, ~, '2', \"\"]\nb:\n  c: true\n  d: { e: 1.5 }\n").unwrap();
        assert_eq!(
            v,
            serde_json::json!({"a": [1, "x", null, "2", ""], "b": {"c": true, "d": {"e": 1.5}}})
        );
        assert!(parse("a: &x 1\nb: *x\n").is_err());
    }
}
