//! Just enough YAML (via `saphyr-parser` events, anchors and `<<` merges included) to read
//! the data files of `tests/corpus.rs` and `tests/cel_libraries.rs` as JSON, plus JSON
//! equality with numbers compared by value. Shared by both with `#[path]`.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value as Json};

enum Frame {
    Seq(Vec<Json>, usize),
    /// Entries, pending key, anchor, keys that came from a `<<` merge (overridable).
    Map(Map<String, Json>, Option<String>, usize, HashSet<String>),
}

/// Every document of `text` as JSON.
pub(crate) fn parse(text: &str) -> Result<Vec<Json>, String> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Json> = HashMap::new();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| {
            format!(
                "{}:{}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            )
        })?;
        let at = format!("line {}", span.start.line());
        let value = match event {
            Event::Scalar(v, style, anchor, tag) => {
                let forced_str = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let val = if style == ScalarStyle::Plain && !forced_str {
                    plain(&v)
                } else {
                    Json::String(v.into_owned())
                };
                if anchor > 0 {
                    anchors.insert(anchor, val.clone());
                }
                val
            }
            Event::Alias(id) => anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| format!("{at}: unknown alias"))?,
            Event::SequenceStart(anchor, _) => {
                stack.push(Frame::Seq(Vec::new(), anchor));
                continue;
            }
            Event::MappingStart(anchor, _) => {
                stack.push(Frame::Map(Map::new(), None, anchor, HashSet::new()));
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (val, anchor) = match stack.pop() {
                    Some(Frame::Seq(v, a)) => (Json::Array(v), a),
                    Some(Frame::Map(m, _, a, _)) => (Json::Object(m), a),
                    None => return Err(format!("{at}: unbalanced collection")),
                };
                if anchor > 0 {
                    anchors.insert(anchor, val.clone());
                }
                val
            }
            _ => continue,
        };
        match stack.last_mut() {
            None => docs.push(value),
            Some(Frame::Seq(v, _)) => v.push(value),
            Some(Frame::Map(m, key, _, merged)) => match key.take() {
                None => {
                    let k = match value {
                        Json::String(s) => s,
                        Json::Null => String::new(),
                        Json::Bool(_) | Json::Number(_) => value.to_string(),
                        _ => return Err(format!("{at}: mapping keys must be scalars")),
                    };
                    *key = Some(k);
                }
                Some(k) if k == "<<" => {
                    let sources = match value {
                        Json::Object(o) => vec![o],
                        Json::Array(a) => a
                            .into_iter()
                            .filter_map(|v| match v {
                                Json::Object(o) => Some(o),
                                _ => None,
                            })
                            .collect(),
                        _ => return Err(format!("{at}: `<<` needs a mapping")),
                    };
                    for (k, v) in sources.into_iter().flatten() {
                        if !m.contains_key(&k) {
                            merged.insert(k.clone());
                            m.insert(k, v);
                        }
                    }
                }
                Some(k) => {
                    if m.contains_key(&k) && !merged.remove(&k) {
                        return Err(format!("{at}: duplicate key `{k}`"));
                    }
                    m.insert(k, value);
                }
            },
        }
    }
    Ok(docs)
}

/// Resolves a plain scalar with the YAML 1.2 core schema.
fn plain(s: &str) -> Json {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Json::Null,
        "true" | "True" | "TRUE" => return Json::Bool(true),
        "false" | "False" | "FALSE" => return Json::Bool(false),
        _ => {}
    }
    let numeric = s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
    if numeric {
        if let Ok(i) = s.parse::<i64>() {
            return Json::from(i);
        }
        if let Ok(f) = s.parse::<f64>() {
            if let Some(n) = serde_json::Number::from_f64(f) {
                return Json::Number(n);
            }
        }
    }
    Json::String(s.to_string())
}

/// JSON equality with numbers compared by value (`3` equals `3.0`).
pub(crate) fn json_eq(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}
