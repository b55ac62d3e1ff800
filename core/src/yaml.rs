//! Position-aware YAML (and JSON) loading into a small node tree built from `saphyr-parser` events.
//!
//! Every node remembers where it came from, so that deserialization errors (mapped back through a
//! `serde_path_to_error` path) and errors inside CEL expressions held in string scalars can name
//! an exact line and column.

use std::collections::{HashMap, HashSet};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_path_to_error::{Path, Segment};

/// Deepest collection nesting accepted (keeps every recursive walk of the tree shallow).
const MAX_DEPTH: usize = 256;
/// Most nodes a stream may produce, counting alias expansions (guards against "billion laughs").
const MAX_NODES: usize = 1_000_000;

/// 1-based line and column (columns in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    /// 1-based line number.
    pub(crate) line: u32,
    /// 1-based column, counted in characters.
    pub(crate) col: u32,
}

impl Pos {
    /// Converts a parser marker (1-based line, 0-based column) to a `Pos`.
    fn from_marker(m: &Marker) -> Pos {
        Pos {
            line: to_u32(m.line()),
            col: to_u32(m.col()).saturating_add(1),
        }
    }
}

/// Saturating `usize` to `u32` conversion.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The value of a node, resolved with the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `null`, `~`, or an empty plain scalar.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// A float (including integers too large for `i64`).
    Float(f64),
    /// Any other scalar; quoted and block scalars are always strings.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, with merge keys resolved.
    Map(Vec<Entry>),
}

/// One key/value pair of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    /// The key, as its scalar text.
    pub(crate) key: String,
    /// Where the key starts.
    pub(crate) key_pos: Pos,
    /// The value.
    pub(crate) value: Node,
}

/// How a scalar was written (private: used to map string offsets back to the source).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// Not a string scalar.
    Other,
    /// Plain, unquoted scalar.
    Plain,
    /// `'single-quoted'`.
    Single,
    /// `"double-quoted"`.
    Double,
    /// `|` literal block (or `>` folded block).
    Block,
}

/// A value with its source position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// The value.
    pub(crate) value: Value,
    /// Where the node starts (for block scalars: the first content character).
    pub(crate) pos: Pos,
    /// How a string scalar was written.
    style: Style,
    /// The source text of a string scalar, starting at `pos` (empty for other nodes).
    raw: Box<str>,
}

/// A YAML syntax or structure error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YamlError {
    /// Lowercase description without a trailing period.
    pub(crate) message: String,
    /// Where the error was detected.
    pub(crate) pos: Pos,
}

impl YamlError {
    /// Builds an error.
    fn new(message: impl Into<String>, pos: Pos) -> YamlError {
        YamlError {
            message: message.into(),
            pos,
        }
    }

    /// Converts a scanner/parser error.
    fn scan(e: &ScanError) -> YamlError {
        let mut info = e.info().trim().trim_end_matches('.').to_owned();
        if let Some(first) = info.chars().next() {
            let lower: String = first.to_lowercase().collect();
            info.replace_range(..first.len_utf8(), &lower);
        }
        YamlError::new(
            format!("invalid yaml: {info}"),
            Pos::from_marker(e.marker()),
        )
    }
}

/// Parses every document of `text`. An empty or whitespace/comment-only text gives an empty Vec.
pub(crate) fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut builder = Builder::new(text);
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError::scan(&e))?;
        builder.event(event, span)?;
    }
    Ok(builder.docs)
}

/// An anchored node kept for later aliases, with its nesting depth and node count.
#[derive(Debug)]
struct Anchored {
    node: Node,
    depth: usize,
    size: usize,
}

/// A pending mapping key.
#[derive(Debug)]
struct Key {
    text: String,
    pos: Pos,
    merge: bool,
}

/// An item of a mapping under construction.
#[derive(Debug)]
enum MapItem {
    Entry(Entry),
    Merge(Vec<Entry>),
}

/// A collection under construction.
#[derive(Debug)]
struct Frame {
    pos: Pos,
    anchor: usize,
    /// Collection depth of the deepest child so far.
    depth: usize,
    /// Nodes in this collection so far, itself included.
    size: usize,
    kind: FrameKind,
}

/// The sequence- or mapping-specific part of a [`Frame`].
#[derive(Debug)]
enum FrameKind {
    Seq(Vec<Node>),
    Map {
        items: Vec<MapItem>,
        keys: HashSet<String>,
        key: Option<Key>,
        merged: bool,
    },
}

/// Builds nodes from parser events without recursion.
#[derive(Debug)]
struct Builder<'a> {
    text: &'a str,
    /// Byte offset of each char, when `text` is not ASCII.
    offsets: Option<Vec<usize>>,
    anchors: HashMap<usize, Anchored>,
    stack: Vec<Frame>,
    docs: Vec<Node>,
    nodes: usize,
}

impl<'a> Builder<'a> {
    /// A builder for `text` (needed to slice out the source of string scalars).
    fn new(text: &'a str) -> Builder<'a> {
        let offsets = (!text.is_ascii()).then(|| text.char_indices().map(|(b, _)| b).collect());
        Builder {
            text,
            offsets,
            anchors: HashMap::new(),
            stack: Vec::new(),
            docs: Vec::new(),
            nodes: 0,
        }
    }

    /// The source text between two char indices.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        let byte = |i: usize| match &self.offsets {
            None => i.min(self.text.len()),
            Some(o) => o.get(i).copied().unwrap_or(self.text.len()),
        };
        self.text.get(byte(start)..byte(end)).unwrap_or("")
    }

    /// Counts `n` more nodes against [`MAX_NODES`].
    fn count(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(YamlError::new(
                format!("document too large (more than {MAX_NODES} nodes after alias expansion)"),
                pos,
            ));
        }
        Ok(())
    }

    /// Consumes one parser event.
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = Pos::from_marker(&span.start);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, pos)?;
                let value = resolve_scalar(&text, style, tag.as_deref(), pos)?;
                let style = match (&value, style) {
                    (Value::String(_), ScalarStyle::Plain) => Style::Plain,
                    (Value::String(_), ScalarStyle::SingleQuoted) => Style::Single,
                    (Value::String(_), ScalarStyle::DoubleQuoted) => Style::Double,
                    (Value::String(_), _) => Style::Block,
                    _ => Style::Other,
                };
                let raw = match style {
                    Style::Other => "",
                    _ => self.slice(span.start.index(), span.end.index()),
                };
                let merge = style == Style::Plain && text == "<<";
                let node = Node {
                    value,
                    pos,
                    style,
                    raw: raw.into(),
                };
                self.add(node, 0, 1, anchor, Some(text.into_owned()), merge)
            }
            Event::Alias(id) => {
                let Some(a) = self.anchors.get(&id) else {
                    return Err(YamlError::new("unknown anchor", pos));
                };
                if self.stack.len().saturating_add(a.depth) > MAX_DEPTH {
                    return Err(YamlError::new(too_deep(), pos));
                }
                let (node, depth, size) = (a.node.clone(), a.depth, a.size);
                self.count(size, pos)?;
                let key = node.scalar_text();
                self.add(node, depth, size, 0, key, false)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(YamlError::new(too_deep(), pos));
                }
                self.count(1, pos)?;
                let kind = if matches!(event, Event::SequenceStart(..)) {
                    FrameKind::Seq(Vec::new())
                } else {
                    FrameKind::Map {
                        items: Vec::new(),
                        keys: HashSet::new(),
                        key: None,
                        merged: false,
                    }
                };
                self.stack.push(Frame {
                    pos,
                    anchor,
                    depth: 0,
                    size: 1,
                    kind,
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(YamlError::new("unbalanced collection end", pos));
                };
                let value = match frame.kind {
                    FrameKind::Seq(items) => Value::Seq(items),
                    FrameKind::Map { items, keys, .. } => Value::Map(resolve_merges(items, keys)),
                };
                let node = Node {
                    value,
                    pos: frame.pos,
                    style: Style::Other,
                    raw: "".into(),
                };
                self.add(node, frame.depth + 1, frame.size, frame.anchor, None, false)
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    /// Attaches a finished node to the enclosing collection (or makes it a document).
    /// `key` is its text should it be a mapping key; `merge` marks a plain `<<`.
    fn add(
        &mut self,
        node: Node,
        depth: usize,
        size: usize,
        anchor: usize,
        key: Option<String>,
        merge: bool,
    ) -> Result<(), YamlError> {
        if anchor != 0 {
            // The kept copy counts too, so nested anchors cannot multiply memory unchecked.
            self.count(size, node.pos)?;
            let anchored = Anchored {
                node: node.clone(),
                depth,
                size,
            };
            self.anchors.insert(anchor, anchored);
        }
        let Some(frame) = self.stack.last_mut() else {
            self.docs.push(node);
            return Ok(());
        };
        frame.depth = frame.depth.max(depth);
        frame.size = frame.size.saturating_add(size);
        match &mut frame.kind {
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map {
                items,
                keys,
                key: pending,
                merged,
            } => match pending.take() {
                None => {
                    let Some(text) = key else {
                        return Err(YamlError::new("mapping keys must be scalars", node.pos));
                    };
                    let duplicate = if merge {
                        std::mem::replace(merged, true)
                    } else {
                        !keys.insert(text.clone())
                    };
                    if duplicate {
                        return Err(YamlError::new(format!("duplicate key `{text}`"), node.pos));
                    }
                    *pending = Some(Key {
                        text,
                        pos: node.pos,
                        merge,
                    });
                }
                Some(k) if k.merge => items.push(MapItem::Merge(merge_sources(node)?)),
                Some(k) => items.push(MapItem::Entry(Entry {
                    key: k.text,
                    key_pos: k.pos,
                    value: node,
                })),
            },
        }
        Ok(())
    }
}

/// The error message for excessive nesting.
fn too_deep() -> String {
    format!("nesting deeper than {MAX_DEPTH} levels")
}

/// The entries a `<<` value contributes: a map's entries, or those of a sequence of maps in order.
fn merge_sources(node: Node) -> Result<Vec<Entry>, YamlError> {
    let err = YamlError::new("merge key `<<` needs a map or a sequence of maps", node.pos);
    match node.value {
        Value::Map(entries) => Ok(entries),
        Value::Seq(items) => items.into_iter().try_fold(Vec::new(), |mut out, item| {
            let Value::Map(entries) = item.value else {
                return Err(err.clone());
            };
            out.extend(entries);
            Ok(out)
        }),
        _ => Err(err),
    }
}

/// Flattens a mapping: explicit keys win over merged ones, earlier merged entries over later ones.
fn resolve_merges(items: Vec<MapItem>, mut seen: HashSet<String>) -> Vec<Entry> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        match item {
            MapItem::Entry(e) => out.push(e),
            MapItem::Merge(entries) => {
                out.extend(entries.into_iter().filter(|e| seen.insert(e.key.clone())));
            }
        }
    }
    out
}

/// Resolves a scalar with the core schema, honouring `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`.
fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    pos: Pos,
) -> Result<Value, YamlError> {
    let invalid = |kind: &str| YamlError::new(format!("invalid !!{kind} value `{text}`"), pos);
    match tag {
        Some(t) if t.is_yaml_core_schema() => match t.suffix.as_str() {
            "str" => return Ok(Value::String(text.to_owned())),
            "null" => return Ok(Value::Null),
            "bool" => {
                return parse_bool(text)
                    .map(Value::Bool)
                    .ok_or_else(|| invalid("bool"))
            }
            "int" => return parse_int(text).ok_or_else(|| invalid("int")),
            "float" => {
                return match parse_float(text).or_else(|| parse_int(text)) {
                    Some(Value::Int(i)) => Ok(Value::Float(i as f64)),
                    Some(v) => Ok(v),
                    None => Err(invalid("float")),
                }
            }
            _ => {}
        },
        // The non-specific tag `!` forces a string.
        Some(t) if t.handle.is_empty() && t.suffix == "!" => {
            return Ok(Value::String(text.to_owned()))
        }
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        _ => match parse_bool(text) {
            Some(b) => Value::Bool(b),
            None => parse_int(text)
                .or_else(|| parse_float(text))
                .unwrap_or_else(|| Value::String(text.to_owned())),
        },
    })
}

/// Core-schema booleans.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Whether `s` is a non-empty run of ASCII digits.
fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Core-schema integers (`[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`); overflow gives a float.
fn parse_int(text: &str) -> Option<Value> {
    let radix = |digits: &str, radix: u32| -> Option<Value> {
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        Some(match i64::from_str_radix(digits, radix) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(digits.chars().fold(0.0, |acc, c| {
                acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            })),
        })
    };
    if let Some(hex) = text.strip_prefix("0x") {
        return radix(hex, 16);
    }
    if let Some(oct) = text.strip_prefix("0o") {
        return radix(oct, 8);
    }
    if !all_digits(text.strip_prefix(['-', '+']).unwrap_or(text)) {
        return None;
    }
    match text.parse::<i64>() {
        Ok(i) => Some(Value::Int(i)),
        Err(_) => text.parse::<f64>().ok().map(Value::Float),
    }
}

/// Core-schema floats, including `.inf`, `-.inf` and `.nan`.
fn parse_float(text: &str) -> Option<Value> {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        let inf = if text.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return Some(Value::Float(inf));
    }
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return Some(Value::Float(f64::NAN));
    }
    let (mantissa, exp) = match unsigned.split_once(['e', 'E']) {
        Some((m, e)) => (m, Some(e)),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (int.is_empty() || all_digits(int))
                && (frac.is_empty() || all_digits(frac))
                && !(int.is_empty() && frac.is_empty())
        }
        None => all_digits(mantissa),
    };
    let exp_ok = exp.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
    if !(mantissa_ok && exp_ok) {
        return None;
    }
    text.parse::<f64>().ok().map(Value::Float)
}

/// Whether `c` is YAML white space or a line break.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

impl Node {
    /// serde_json view: Int -> JSON integer, Float -> JSON float (NaN/inf -> null), maps keep order.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::String(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The text of a scalar usable as a mapping key; `None` for collections.
    fn scalar_text(&self) -> Option<String> {
        Some(match &self.value {
            Value::Null => "null".to_owned(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::String(s) => s.clone(),
            Value::Seq(_) | Value::Map(_) => return None,
        })
    }

    /// The entry for `key` when this node is a mapping.
    fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| e.key == key),
            _ => None,
        }
    }

    /// Walks `segments` as far as they exist; also says whether all were found.
    /// `Enum` segments descend into a same-named map key when there is one; `Unknown` is skipped.
    fn walk<'p>(&self, segments: impl IntoIterator<Item = &'p Segment>) -> (&Node, bool) {
        let mut node = self;
        for segment in segments {
            let next = match segment {
                Segment::Seq { index } => match &node.value {
                    Value::Seq(items) => items.get(*index),
                    _ => None,
                },
                Segment::Map { key } => node.entry(key).map(|e| &e.value),
                Segment::Enum { variant } => match node.entry(variant) {
                    Some(e) => Some(&e.value),
                    None => continue,
                },
                Segment::Unknown => continue,
            };
            match next {
                Some(n) => node = n,
                None => return (node, false),
            }
        }
        (node, true)
    }

    /// The node at the deepest prefix of `path` that exists, and whether the whole path was found.
    pub(crate) fn find_prefix(&self, path: &Path) -> (&Node, bool) {
        self.walk(path.iter())
    }

    /// The node at the deepest prefix of `path` that exists (Seq{index}, Map{key}; other
    /// segments are skipped). See [`Node::find_prefix`] to learn whether all of it was found.
    pub(crate) fn find(&self, path: &Path) -> &Node {
        self.find_prefix(path).0
    }

    /// The position to report for a deserialization error at `path` with serde's `message`:
    /// for "unknown field `x`" (and "unknown variant `x`") the position of key `x` in the map at
    /// `path` (with or without `x` as the last path segment), otherwise that of `find(path)`.
    pub(crate) fn error_pos(&self, path: &Path, message: &str) -> Pos {
        let field = ["unknown field `", "unknown variant `"]
            .iter()
            .find_map(|prefix| {
                let rest = message.get(message.find(prefix)? + prefix.len()..)?;
                rest.get(..rest.find("`, ").or_else(|| rest.rfind('`'))?)
            });
        if let Some(field) = field {
            let segments: Vec<&Segment> = path.iter().collect();
            if let Some((last, parent)) = segments.split_last() {
                let names_field = match last {
                    Segment::Map { key } => key == field,
                    Segment::Enum { variant } => variant == field,
                    _ => false,
                };
                if names_field {
                    if let Some(e) = self.walk(parent.iter().copied()).0.entry(field) {
                        return e.key_pos;
                    }
                }
            }
            if let Some(e) = self.walk(segments).0.entry(field) {
                return e.key_pos;
            }
        }
        self.find(path).pos
    }

    /// For a string scalar, the source position of the char at `offset` (0-based, in chars of the
    /// parsed value); offsets past the end extend the last line. Non-strings give `self.pos`.
    pub(crate) fn pos_of_offset(&self, offset: usize) -> Pos {
        let Value::String(value) = &self.value else {
            return self.pos;
        };
        // Block scalars' spans start at the first content char, after any leading empty lines.
        let mut chars = value.chars();
        let mut skipped = 0usize;
        if self.style == Style::Block {
            skipped = value.chars().take_while(|&c| c == '\n').count();
            if offset < skipped {
                let back = to_u32(skipped - offset);
                return Pos {
                    line: self.pos.line.saturating_sub(back).max(1),
                    col: 1,
                };
            }
            chars.by_ref().take(skipped).for_each(drop);
        }
        let source = self.source_chars();
        let double = self.style == Style::Double;
        let (mut r, mut last, mut last_i) = (0usize, self.pos, 0usize);
        for (i, v) in chars.enumerate().map(|(i, v)| (i + skipped, v)) {
            let found = loop {
                let Some(&(c, p)) = source.get(r) else {
                    break None;
                };
                if double && c == '\\' {
                    let next = source.get(r + 1).map(|x| x.0);
                    if matches!(next, Some('\n' | '\r')) {
                        r += 2; // escaped line break: produces nothing
                        continue;
                    }
                    r += match next {
                        Some('x') => 4,
                        Some('u') => 6,
                        Some('U') => 10,
                        _ => 2,
                    };
                    break Some(p);
                }
                r += 1;
                if c == v || (is_space(c) && is_space(v)) {
                    break Some(p);
                }
            };
            let Some(p) = found else { break };
            if i == offset {
                return p;
            }
            (last, last_i) = (p, i);
        }
        let extra = to_u32(offset.saturating_sub(last_i));
        Pos {
            line: last.line,
            col: last.col.saturating_add(extra),
        }
    }

    /// The content chars of a string scalar's source with their positions: the opening quote of
    /// quoted scalars and the indentation of block scalar lines are dropped.
    fn source_chars(&self) -> Vec<(char, Pos)> {
        let indent = self.pos.col.saturating_sub(1);
        let mut out = Vec::with_capacity(self.raw.len());
        let mut pos = self.pos;
        let mut chars = self.raw.chars().peekable();
        if matches!(self.style, Style::Single | Style::Double) {
            chars.next();
            pos.col = pos.col.saturating_add(1);
        }
        while let Some(c) = chars.next() {
            out.push((c, pos));
            if c == '\n' {
                pos = Pos {
                    line: pos.line.saturating_add(1),
                    col: 1,
                };
                if self.style == Style::Block {
                    while pos.col <= indent && chars.next_if_eq(&' ').is_some() {
                        pos.col += 1;
                    }
                }
            } else {
                pos.col = pos.col.saturating_add(1);
            }
        }
        out
    }

    /// Like [`Node::pos_of_offset`], with a 1-based `line`/`col` inside the string value.
    pub(crate) fn pos_of_line_col(&self, line: u32, col: u32) -> Pos {
        let Value::String(value) = &self.value else {
            return self.pos;
        };
        let mut offset = 0usize;
        for (n, text) in (1u32..).zip(value.split('\n')) {
            let len = text.chars().count();
            if n == line {
                let col = usize::try_from(col.max(1) - 1).unwrap_or(usize::MAX);
                return self.pos_of_offset(offset.saturating_add(col.min(len)));
            }
            offset += len + 1;
        }
        self.pos_of_offset(value.chars().count())
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn one(text: &str) -> Node {
        let mut docs = parse(text).unwrap();
        assert_eq!(docs.len(), 1, "{text:?}");
        docs.remove(0)
    }

    fn p(line: u32, col: u32) -> Pos {
        Pos { line, col }
    }

    fn get<'a>(node: &'a Node, key: &str) -> &'a Node {
        &node.entry(key).unwrap().value
    }

    #[test]
    fn scalars() {
        let doc = one(
            "a: null\nb: ~\nc:\nd: True\ne: FALSE\nf: -12\ng: 0x1F\nh: 0o17\ni: 1.5\nj: 1e3\n\
             k: -.inf\nl: .nan\nm: 99999999999999999999\nn: hello world\no: '1'\np: \"true\"\n\
             q: !!str 12\nr: !!int \"7\"\ns: !!float 2\nt: +7\nu: 1_000\nv: .5\nw: 0x\nx: inf\n",
        );
        let v = |k: &str| get(&doc, k).value.clone();
        assert_eq!(v("a"), Value::Null);
        assert_eq!(v("b"), Value::Null);
        assert_eq!(v("c"), Value::Null);
        assert_eq!(v("d"), Value::Bool(true));
        assert_eq!(v("e"), Value::Bool(false));
        assert_eq!(v("f"), Value::Int(-12));
        assert_eq!(v("g"), Value::Int(31));
        assert_eq!(v("h"), Value::Int(15));
        assert_eq!(v("i"), Value::Float(1.5));
        assert_eq!(v("j"), Value::Float(1000.0));
        assert_eq!(v("k"), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(v("l"), Value::Float(f) if f.is_nan()));
        assert_eq!(v("m"), Value::Float(1e20));
        assert_eq!(v("n"), Value::String("hello world".into()));
        assert_eq!(v("o"), Value::String("1".into()));
        assert_eq!(v("p"), Value::String("true".into()));
        assert_eq!(v("q"), Value::String("12".into()));
        assert_eq!(v("r"), Value::Int(7));
        assert_eq!(v("s"), Value::Float(2.0));
        assert_eq!(v("t"), Value::Int(7));
        assert_eq!(v("u"), Value::String("1_000".into()));
        assert_eq!(v("v"), Value::Float(0.5));
        assert_eq!(v("w"), Value::String("0x".into()));
        assert_eq!(v("x"), Value::String("inf".into()));
        let json = doc.to_json();
        assert_eq!(json["f"], serde_json::json!(-12));
        assert!(json["i"].is_f64());
        assert!(json["l"].is_null());
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys.first().map(|k| k.as_str()), Some("a"));
        assert_eq!(keys.last().map(|k| k.as_str()), Some("x"));
        let err = parse("a: !!int abc").unwrap_err();
        assert_eq!(err.message, "invalid !!int value `abc`");
        let keys = one("1: a\ntrue: b\n~: c");
        let names: Vec<&str> = match &keys.value {
            Value::Map(es) => es.iter().map(|e| e.key.as_str()).collect(),
            _ => panic!(),
        };
        assert_eq!(names, ["1", "true", "~"]);
    }

    #[test]
    fn positions() {
        let doc = one("# c\napiVersion: api.cerbos.dev/v1\nresourcePolicy:\n  rules:\n    - actions: [\"view\", edit]\n      effect: EFFECT_ALLOW\n");
        assert_eq!(doc.pos, p(2, 1));
        let rp = doc.entry("resourcePolicy").unwrap();
        assert_eq!(rp.key_pos, p(3, 1));
        let rules = get(&rp.value, "rules");
        assert_eq!(rules.pos, p(5, 5));
        let Value::Seq(items) = &rules.value else {
            panic!()
        };
        let rule = &items[0];
        assert_eq!(rule.pos, p(5, 7));
        assert_eq!(rule.entry("effect").unwrap().key_pos, p(6, 7));
        assert_eq!(get(rule, "effect").pos, p(6, 15));
        let Value::Seq(actions) = &get(rule, "actions").value else {
            panic!()
        };
        assert_eq!(get(rule, "actions").pos, p(5, 16));
        assert_eq!(actions[0].pos, p(5, 17));
        assert_eq!(actions[1].pos, p(5, 25));
    }

    #[test]
    fn duplicate_keys_and_bad_keys() {
        let err = parse("a: 1\nb:\n  c: 1\n  c: 2\n").unwrap_err();
        assert_eq!(err, YamlError::new("duplicate key `c`", p(4, 3)));
        let err = parse("? [a]\n: 1\n").unwrap_err();
        assert_eq!(err.message, "mapping keys must be scalars");
    }

    #[test]
    fn anchors_aliases_merges() {
        let doc = one(
            "base: &b\n  x: 1\n  y: 2\nother: &o {y: 20, z: 30}\nlist: &l [1, *b]\nname: &n hi\n\
             use:\n  <<: [*b, *o]\n  x: 10\n  w: *n\ncopy: *l\nsingle:\n  <<: *o\n",
        );
        let json = doc.to_json();
        assert_eq!(
            json["use"],
            serde_json::json!({"x": 10, "y": 2, "z": 30, "w": "hi"})
        );
        assert_eq!(json["copy"], serde_json::json!([1, {"x": 1, "y": 2}]));
        assert_eq!(json["single"], serde_json::json!({"y": 20, "z": 30}));
        // Merged entries keep their original positions.
        let used = get(&doc, "use");
        assert_eq!(used.entry("y").unwrap().key_pos, p(3, 3));
        assert_eq!(used.entry("z").unwrap().key_pos, p(4, 19));
        assert_eq!(used.entry("x").unwrap().key_pos, p(9, 3));
        let err = parse("a: *nope").unwrap_err();
        assert!(err.message.contains("unknown anchor"), "{err:?}");
        assert!(parse("a: &a [*a]").is_err());
        let err = parse("a:\n  <<: 3\n").unwrap_err();
        assert_eq!(err.pos, p(2, 7));
        assert!(parse("a:\n  <<: {b: 1}\n  <<: {c: 1}\n").is_err());
        // Exponential alias expansion is refused.
        let mut laughs = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            laughs.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
        }
        assert!(parse(&laughs).unwrap_err().message.contains("too large"));
    }

    #[test]
    fn offsets_in_plain_and_quoted() {
        let doc = one("expr: P.attr.x == \nq: 'it''s x'\nd: \"a\\tb x\"\nm: first\n  second x\n");
        let expr = get(&doc, "expr");
        assert_eq!(expr.pos_of_offset(0), p(1, 7));
        assert_eq!(expr.pos_of_offset(7), p(1, 14));
        assert_eq!(expr.pos_of_offset(14), p(1, 21)); // past the end
        let q = get(&doc, "q");
        assert_eq!(q.pos_of_offset(0), p(2, 5));
        assert_eq!(q.pos_of_offset(5), p(2, 11));
        let d = get(&doc, "d");
        assert_eq!(d.pos_of_offset(1), p(3, 6));
        assert_eq!(d.pos_of_offset(4), p(3, 10));
        let m = get(&doc, "m");
        assert_eq!(m.pos_of_offset(13), p(5, 10));
        assert_eq!(m.pos_of_line_col(1, 14), p(5, 10));
        let uni = one("k: \"é→ x\"");
        assert_eq!(uni.pos_of_offset(0), p(1, 1));
        assert_eq!(get(&uni, "k").pos_of_offset(3), p(1, 8));
    }

    #[test]
    fn offsets_in_block_scalars() {
        let doc =
            one("condition:\n  expr: |\n    a &&\n    b\nf: >\n\n  one\n    two\n  three x\n");
        let expr = get(get(&doc, "condition"), "expr");
        assert_eq!(expr.value, Value::String("a &&\nb\n".into()));
        assert_eq!(expr.pos_of_offset(0), p(3, 5));
        assert_eq!(expr.pos_of_offset(5), p(4, 5));
        assert_eq!(expr.pos_of_line_col(2, 1), p(4, 5));
        let f = get(&doc, "f");
        assert_eq!(f.value, Value::String("\none\n  two\nthree x\n".into()));
        assert_eq!(f.pos_of_offset(0), p(6, 1));
        assert_eq!(f.pos_of_offset(1), p(7, 3));
        assert_eq!(f.pos_of_offset(7), p(8, 5));
        assert_eq!(f.pos_of_offset(17), p(9, 9));
        assert_eq!(f.pos_of_line_col(4, 7), p(9, 9));
        assert_eq!(doc.pos_of_offset(3), doc.pos);
    }

    #[test]
    fn error_pos_for_unknown_field() {
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Rule {
            #[serde(rename = "effect")]
            _effect: String,
        }
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Doc {
            #[serde(rename = "rules")]
            _rules: Vec<Rule>,
        }
        let doc = one("rules:\n  - effect: x\n  - effect: y\n    efect: z\n");
        let err = serde_path_to_error::deserialize::<_, Doc>(doc.to_json()).unwrap_err();
        let msg = err.inner().to_string();
        assert!(msg.starts_with("unknown field `efect`"), "{msg}");
        assert_eq!(doc.error_pos(err.path(), &msg), p(4, 5));
        let (_, complete) = doc.find_prefix(err.path());
        assert!(complete || err.path().to_string().ends_with("efect"));
        let err =
            serde_path_to_error::deserialize::<_, Doc>(one("rules:\n  - effect: 3\n").to_json())
                .unwrap_err();
        let doc3 = one("rules:\n  - effect: 3\n");
        assert_eq!(
            doc3.error_pos(err.path(), &err.inner().to_string()),
            p(2, 13)
        );
        assert_eq!(doc3.find(err.path()).pos, p(2, 13));
        // Unknown variant of an externally tagged enum: the path stops at the map.
        #[derive(Debug, Deserialize)]
        enum Effect {
            Allow,
        }
        let doc4 = one("{ Alow: null }");
        let err = serde_path_to_error::deserialize::<_, Effect>(doc4.to_json()).unwrap_err();
        assert_eq!(
            doc4.error_pos(err.path(), &err.inner().to_string()),
            p(1, 3)
        );
    }

    #[test]
    fn documents_json_and_errors() {
        assert!(parse("").unwrap().is_empty());
        assert_eq!(one("\u{feff}a: 1").to_json(), serde_json::json!({"a": 1}));
        let big = "- {a: [1, 2, x], b: \"é\"}\n".repeat(20_000);
        assert_eq!(one(&big).to_json().as_array().map(Vec::len), Some(20_000));
        assert!(parse("  \n# only a comment\n").unwrap().is_empty());
        let docs = parse("a: 1\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].pos, p(3, 1));
        let json = one("{\"a\": [1, 2.5, \"x\", null, true], \"b\": {\"c\": -1e-3}}");
        let expected = serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": -0.001}});
        assert_eq!(json.to_json(), expected);
        let err = parse("a: [1,\n b: c").unwrap_err();
        assert!(err.message.starts_with("invalid yaml: "), "{err:?}");
        assert_eq!(err.pos.line, 3);
        let err = parse("a: b\n c: d\n").unwrap_err();
        assert!(err.message.starts_with("invalid yaml: "), "{err:?}");
        assert!(parse(&"[".repeat(100_000)).is_err());
        assert!(parse(&"- ".repeat(100_000))
            .unwrap_err()
            .message
            .contains("nesting"));
        assert!(parse(&format!("{}x", "- ".repeat(200))).is_ok());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "[-\\[\\]{}:,?|>&*!<'\"#\\\\ \\nabx01.~e%@`\\t]{0,64}",
                        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            for t in [text, String::from_utf8_lossy(&bytes).into_owned()] {
                if let Ok(docs) = parse(&t) {
                    docs.iter().for_each(|d| exercise(d, &t));
                }
            }
        }

        #[test]
        fn offsets_point_at_their_char(
            text in "((- )?[abc]{1,3}: (\\|[-+1]?|>[-+]?|'|)( |\\n  )([a b']|\\n  |\\n   |\\n){0,12}'?\\n){1,4}"
        ) {
            if let Ok(docs) = parse(&text) {
                docs.iter().for_each(|d| exercise(d, &text));
            }
        }
    }

    /// Calls every method on every node; for unescaped strings, checks offsets land on their char.
    fn exercise(node: &Node, text: &str) {
        let _ = node.to_json();
        for i in 0..8u32 {
            let _ = node.pos_of_offset(i as usize);
            let _ = node.pos_of_line_col(i, 2);
        }
        match &node.value {
            Value::Seq(items) => items.iter().for_each(|n| exercise(n, text)),
            Value::Map(entries) => entries.iter().for_each(|e| exercise(&e.value, text)),
            Value::String(s) if node.style != Style::Double && !text.contains('\r') => {
                for (i, c) in s.chars().enumerate().filter(|(_, c)| !is_space(*c)) {
                    let at = node.pos_of_offset(i);
                    let line = text.split('\n').nth(at.line as usize - 1).unwrap_or("");
                    let found = line.chars().nth(at.col as usize - 1);
                    assert_eq!(found, Some(c), "{text:?} {s:?} offset {i}");
                }
            }
            _ => {}
        }
    }
}
