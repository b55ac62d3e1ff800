//! JSON Schemas of a policy root (`_schemas/`), compiled with the `jsonschema` crate.
//!
//! Schemas are addressed as `cerbos:///<path>`, where `<path>` is relative to `_schemas/`
//! (policy-format §10). They may `$ref` each other with absolute `cerbos:///` URLs (or URLs
//! relative to the referring schema); those resolve against the [`SchemaStore`] only. Nothing
//! is ever fetched: any other URL is an error.
//!
//! Schemas default to draft 2020-12 (a `$schema` naming another known draft is honoured),
//! with format assertions on and content assertions on (`contentEncoding: base64` and
//! `contentMediaType: application/json`, as Cerbos does).

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Keyword, ValidationError, Validator};
use serde_json::{Map, Value};

/// The URL scheme prefix of every schema in a store.
const PREFIX: &str = "cerbos:///";

/// A compiled JSON Schema (draft 2020-12; format and content assertions enabled).
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    /// The compiled validator (cheap to clone: shared internally).
    validator: Validator,
}

impl Schema {
    /// Validates `attrs` (a JSON object).
    ///
    /// Returns every violation as (JSON pointer of the instance location, e.g. `"/budget"`,
    /// or `""` for the root; message). When `ignore_required` is true, violations of
    /// `required` are dropped, and so are `anyOf`/`oneOf` failures that would pass if
    /// `required` were ignored (the query planner validates partial resources).
    pub(crate) fn validate(&self, attrs: &Value, ignore_required: bool) -> Vec<(String, String)> {
        self.validator
            .iter_errors(attrs)
            .filter(|error| !(ignore_required && only_required(error)))
            .map(|error| {
                let path = error.instance_path().as_str();
                let message = additional_properties_message(&error, attrs, path)
                    .unwrap_or_else(|| lowercase_first(error.to_string()));
                (path.to_owned(), message)
            })
            .collect()
    }
}

/// The message of an `additionalProperties: false` violation in a schema without
/// `properties` or `patternProperties`, which the crate reports as "false schema does not
/// allow <first value>": rewritten to name the unexpected properties (all of the object's).
fn additional_properties_message(
    error: &ValidationError<'_>,
    attrs: &Value,
    path: &str,
) -> Option<String> {
    if !matches!(error.kind(), ValidationErrorKind::FalseSchema)
        || !error
            .schema_path()
            .as_str()
            .ends_with("/additionalProperties")
    {
        return None;
    }
    let value = attrs.pointer(path)?;
    // A false subschema of a property that is *named* `additionalProperties` fails with the
    // property's own value as the instance: that is a plain false-schema violation.
    if error.instance().as_ref() == value {
        return None;
    }
    let object = value.as_object()?;
    let names: Vec<String> = object.keys().map(|key| format!("'{key}'")).collect();
    let verb = if names.len() == 1 { "was" } else { "were" };
    Some(format!(
        "additional properties are not allowed ({} {verb} unexpected)",
        names.join(", ")
    ))
}

/// Whether `error` is a `required` violation, or an `anyOf`/`oneOf` failure in which some
/// branch failed only through `required` violations.
fn only_required(error: &ValidationError<'_>) -> bool {
    match error.kind() {
        ValidationErrorKind::Required { .. } => true,
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context
                .iter()
                .any(|branch| branch.iter().all(|error| only_required(error)))
        }
        _ => false,
    }
}

/// Lowercases the first letter of `message` unless it starts an acronym ("URI", "JSON").
fn lowercase_first(mut message: String) -> String {
    let mut chars = message.chars();
    if let (Some(first), Some(second)) = (chars.next(), chars.next()) {
        if first.is_ascii_uppercase() && !second.is_ascii_uppercase() {
            if let Some(first) = message.get_mut(..1) {
                first.make_ascii_lowercase();
            }
        }
    }
    message
}

/// The parsed files of a store: path relative to `_schemas/` → JSON, or the parse error.
type Files = BTreeMap<String, Result<Arc<Value>, String>>;

/// The schemas of a policy root: files under `_schemas/`, addressed as `cerbos:///<path>`.
#[derive(Debug, Default)]
pub(crate) struct SchemaStore {
    /// The files, shared with the retriever of every compilation.
    files: Arc<Files>,
}

impl SchemaStore {
    /// Makes a store of `files`: (path relative to `_schemas/`, e.g. `"principal.json"` or
    /// `"a/b.json"`, file text). Files are parsed here; a file that is not JSON is an error
    /// only when it is compiled or referenced.
    pub(crate) fn new(files: impl IntoIterator<Item = (String, String)>) -> SchemaStore {
        let files = files
            .into_iter()
            .map(|(path, text)| {
                let parsed = serde_json::from_str::<Value>(&text)
                    .map(Arc::new)
                    .map_err(|error| error.to_string());
                (normalise_path(&path), parsed)
            })
            .collect();
        SchemaStore {
            files: Arc::new(files),
        }
    }

    /// Compiles the schema at `url`, which must be `cerbos:///<path>` (optionally with a
    /// `#fragment` naming a subschema): anything else is an error, since we never fetch.
    ///
    /// # Errors
    /// A lowercase message naming the URL when the URL is not a `cerbos:///` URL, names no
    /// file of the store, or the file is not JSON, not a valid schema, or has a `$ref` that
    /// does not resolve within the store.
    pub(crate) fn compile(&self, url: &str) -> Result<Schema, String> {
        let (path, fragment) = store_path(url)?;
        let document = lookup(&self.files, url, &path)?;
        let document_url = url.split('#').next().unwrap_or(url);
        let options = jsonschema::options()
            .should_validate_formats(true)
            .with_retriever(StoreRetriever {
                files: Arc::clone(&self.files),
            })
            .with_keyword("contentEncoding", content_encoding)
            .with_keyword("contentMediaType", content_media_type);
        let invalid = |error: ValidationError<'static>| invalid_schema(url, &error);
        // The document is always compiled whole, so that it is checked against its meta-schema.
        let validator = options
            .clone()
            .with_base_uri(document_url)
            .build(&document)
            .map_err(invalid)?;
        let validator = match fragment {
            None => validator,
            // A subschema: a `$ref` to it from an anonymous root (so that the root is not
            // mistaken for the document).
            Some(fragment) => {
                let reference = serde_json::json!({ "$ref": format!("{document_url}#{fragment}") });
                options.build(&reference).map_err(invalid)?
            }
        };
        Ok(Schema { validator })
    }
}

/// The message for a schema at `url` that is not valid: the error and where in the schema.
fn invalid_schema(url: &str, error: &ValidationError<'_>) -> String {
    let at = error.instance_path().as_str();
    let at = if at.is_empty() {
        String::new()
    } else {
        format!(" at {at}")
    };
    format!(
        "schema {url} is invalid{at}: {}",
        lowercase_first(error.to_string())
    )
}

/// Normalises a store path: `\` becomes `/`, and leading `/` and `./` are dropped.
fn normalise_path(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut path = path.as_str();
    loop {
        if let Some(rest) = path.strip_prefix('/') {
            path = rest;
        } else if let Some(rest) = path.strip_prefix("./") {
            path = rest;
        } else {
            return path.to_owned();
        }
    }
}

/// Splits a `cerbos:///<path>[#fragment]` URL into its (percent-decoded) store path and
/// fragment (`None` when absent or empty).
fn store_path(url: &str) -> Result<(String, Option<&str>), String> {
    let (location, fragment) = match url.split_once('#') {
        Some((location, fragment)) => (location, Some(fragment).filter(|f| !f.is_empty())),
        None => (url, None),
    };
    let path = location
        .get(..PREFIX.len())
        .filter(|scheme| scheme.eq_ignore_ascii_case(PREFIX))
        .and_then(|_| location.get(PREFIX.len()..))
        .ok_or_else(|| {
            format!("schema url {url:?} is not supported: only {PREFIX}<path> urls are resolved, and nothing is fetched")
        })?;
    let path = percent_decode(path).ok_or_else(|| format!("schema url {url:?} is malformed"))?;
    if path.is_empty() {
        return Err(format!("schema url {url:?} names no file"));
    }
    Ok((normalise_path(&path), fragment))
}

/// Decodes `%XX` escapes; `None` when an escape is malformed or the result is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return Some(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if byte == b'%' {
            let hex = text.get(index + 1..index + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(byte);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// The parsed document at `path` of `files`, or an error naming `url`.
fn lookup(files: &Files, url: &str, path: &str) -> Result<Arc<Value>, String> {
    match files.get(path) {
        Some(Ok(document)) => Ok(Arc::clone(document)),
        Some(Err(error)) => Err(format!("schema {url} is not valid json: {error}")),
        None => Err(format!("schema {url} not found (no file _schemas/{path})")),
    }
}

/// Resolves `$ref`s against the store; refuses every URL that is not `cerbos:///`.
#[derive(Debug)]
struct StoreRetriever {
    /// The store's files.
    files: Arc<Files>,
}

impl jsonschema::Retrieve for StoreRetriever {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let url = uri.as_str();
        let (path, _) = store_path(url)?;
        let document = lookup(&self.files, url, &path)?;
        // Checked here so that the error names the referenced file, not the referring one.
        jsonschema::meta::validate(&document).map_err(|error| invalid_schema(url, &error))?;
        Ok(Value::clone(&document))
    }
}

/// A boxed custom keyword, as the `jsonschema` keyword factories return.
type BoxedKeyword = Box<dyn for<'i> Keyword<'i>>;

/// Factory for `contentEncoding`: asserts `base64`; other encodings are annotations.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the signature of a `jsonschema` keyword factory"
)]
fn content_encoding<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: jsonschema::paths::Location,
) -> Result<BoxedKeyword, ValidationError<'a>> {
    Ok(match value.as_str() {
        Some("base64") => Box::new(Base64Encoding),
        _ => Box::new(Annotation),
    })
}

/// Factory for `contentMediaType`: asserts `application/json` (after decoding when the
/// schema also says `contentEncoding: base64`); other media types are annotations.
#[allow(
    clippy::unnecessary_wraps,
    reason = "the signature of a `jsonschema` keyword factory"
)]
fn content_media_type<'a>(
    parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: jsonschema::paths::Location,
) -> Result<BoxedKeyword, ValidationError<'a>> {
    let base64 = parent.get("contentEncoding").and_then(Value::as_str) == Some("base64");
    Ok(match value.as_str() {
        Some("application/json") => Box::new(JsonMediaType { base64 }),
        _ => Box::new(Annotation),
    })
}

/// A content keyword this module does not assert: always valid.
struct Annotation;

impl<'i> Keyword<'i> for Annotation {
    fn validate(&self, _instance: &'i Value) -> Result<(), ValidationError<'i>> {
        Ok(())
    }

    fn is_valid(&self, _instance: &'i Value) -> bool {
        true
    }
}

/// `contentEncoding: base64`: a string must be standard, padded base64.
struct Base64Encoding;

impl<'i> Keyword<'i> for Base64Encoding {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom(format!(
                "{instance} is not compliant with \"base64\" content encoding"
            )))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        instance
            .as_str()
            .is_none_or(|text| decode_base64(text).is_some())
    }
}

/// `contentMediaType: application/json`: a string (decoded first when `base64`) must be JSON.
struct JsonMediaType {
    /// Whether the content is base64-encoded (the encoding keyword reports bad base64).
    base64: bool,
}

impl<'i> Keyword<'i> for JsonMediaType {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom(format!(
                "{instance} is not compliant with \"application/json\" media type"
            )))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        let Some(text) = instance.as_str() else {
            return true;
        };
        if !self.base64 {
            return serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok();
        }
        match decode_base64(text) {
            Some(bytes) => serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok(),
            None => true,
        }
    }
}

/// Decodes standard, padded base64 (RFC 4648 §4), skipping CR and LF as Go's decoder does.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    /// The value of one base64 digit.
    fn digit(byte: u8) -> Option<u32> {
        Some(u32::from(match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    }
    let bytes: Vec<u8> = text
        .bytes()
        .filter(|b| *b != b'\r' && *b != b'\n')
        .collect();
    if bytes.len() % 4 != 0 {
        return None;
    }
    let mut decoded = Vec::with_capacity(bytes.len() / 4 * 3);
    let quads = bytes.chunks_exact(4);
    let last = quads.len().checked_sub(1);
    for (index, quad) in quads.enumerate() {
        let padding = quad.iter().rev().take_while(|b| **b == b'=').count();
        if padding > 2 || (padding > 0 && Some(index) != last) {
            return None;
        }
        let mut bits = 0u32;
        for &byte in quad.get(..4 - padding)? {
            bits = (bits << 6) | digit(byte)?;
        }
        bits <<= 6 * padding;
        let [_, first, second, third] = bits.to_be_bytes();
        decoded.extend_from_slice([first, second, third].get(..3 - padding)?);
    }
    Some(decoded)
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test failures"
)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A store of (path, JSON) pairs.
    fn store(files: &[(&str, Value)]) -> SchemaStore {
        SchemaStore::new(
            files
                .iter()
                .map(|(path, value)| ((*path).to_owned(), value.to_string())),
        )
    }

    /// The department/budget schema of the spec's examples.
    fn report_store() -> SchemaStore {
        store(&[(
            "report.json",
            json!({
                "type": "object",
                "required": ["department"],
                "properties": {
                    "department": { "type": "string" },
                    "budget": { "type": "number", "minimum": 0 }
                }
            }),
        )])
    }

    #[test]
    fn valid_object_has_no_errors() {
        let schema = report_store().compile("cerbos:///report.json").unwrap();
        let errors = schema.validate(&json!({"department": "design", "budget": 10}), false);
        assert_eq!(errors, vec![]);
    }

    #[test]
    fn missing_required_reported_at_root_and_dropped_when_ignored() {
        let schema = report_store().compile("cerbos:///report.json").unwrap();
        let errors = schema.validate(&json!({"budget": 10}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "");
        assert!(errors[0].1.contains("required"), "{errors:?}");
        assert!(errors[0].1.contains("department"), "{errors:?}");
        assert_eq!(schema.validate(&json!({"budget": 10}), true), vec![]);
    }

    #[test]
    fn ignore_required_keeps_other_errors() {
        let schema = report_store().compile("cerbos:///report.json").unwrap();
        let errors = schema.validate(&json!({"budget": -1}), true);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "/budget");
    }

    #[test]
    fn below_minimum_reported_at_property() {
        let schema = report_store().compile("cerbos:///report.json").unwrap();
        let errors = schema.validate(&json!({"department": "design", "budget": -1}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "/budget");
        assert!(errors[0].1.contains("minimum"), "{errors:?}");
    }

    #[test]
    fn wrong_type_reported() {
        let schema = report_store().compile("cerbos:///report.json").unwrap();
        let errors = schema.validate(&json!({"department": 7, "budget": "lots"}), false);
        let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, vec!["/department", "/budget"], "{errors:?}");
        assert!(errors[1].1.contains("number"), "{errors:?}");
    }

    #[test]
    fn messages_start_lowercase() {
        let files = store(&[(
            "strict.json",
            json!({"type": "object", "additionalProperties": false}),
        )]);
        let schema = files.compile("cerbos:///strict.json").unwrap();
        let errors = schema.validate(&json!({"x": 1}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "");
        assert_eq!(
            errors[0].1,
            "additional properties are not allowed ('x' was unexpected)"
        );
        let errors = schema.validate(&json!({"x": 1, "y": 2}), false);
        assert_eq!(
            errors[0].1,
            "additional properties are not allowed ('x', 'y' were unexpected)"
        );
        let files = store(&[(
            "strict.json",
            json!({"properties": {"a": {"additionalProperties": false}}}),
        )]);
        let schema = files.compile("cerbos:///strict.json").unwrap();
        let errors = schema.validate(&json!({"a": {"q": 1}}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "/a");
        assert_eq!(
            errors[0].1,
            "additional properties are not allowed ('q' was unexpected)"
        );
        let files = store(&[(
            "strict.json",
            json!({"properties": {"a": {}}, "additionalProperties": false}),
        )]);
        let schema = files.compile("cerbos:///strict.json").unwrap();
        let errors = schema.validate(&json!({"a": 1, "b": 2}), false);
        assert_eq!(
            errors,
            vec![(
                String::new(),
                "additional properties are not allowed ('b' was unexpected)".to_owned()
            )]
        );
        // A property named `additionalProperties` whose schema is `false`.
        let files = store(&[(
            "named.json",
            json!({"properties": {"additionalProperties": false}}),
        )]);
        let schema = files.compile("cerbos:///named.json").unwrap();
        let errors = schema.validate(&json!({"additionalProperties": {"k": 1}}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "/additionalProperties");
        assert!(errors[0].1.starts_with("false schema"), "{errors:?}");
    }

    #[test]
    fn nested_paths_are_json_pointers() {
        let files = store(&[(
            "nested.json",
            json!({
                "type": "object",
                "properties": {
                    "a/b": { "type": "array", "items": { "type": "integer" } }
                }
            }),
        )]);
        let schema = files.compile("cerbos:///nested.json").unwrap();
        let errors = schema.validate(&json!({"a/b": [1, "x"]}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "/a~1b/1");
    }

    #[test]
    fn format_email_asserted() {
        let files = store(&[(
            "p.json",
            json!({"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}),
        )]);
        let schema = files.compile("cerbos:///p.json").unwrap();
        assert_eq!(
            schema.validate(&json!({"email": "a@example.com"}), false),
            vec![]
        );
        let errors = schema.validate(&json!({"email": "not an email"}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "/email");
        assert!(errors[0].1.contains("email"), "{errors:?}");
    }

    #[test]
    fn other_formats_asserted() {
        let files = store(&[(
            "f.json",
            json!({"properties": {
                "when": {"format": "date-time"},
                "ip": {"format": "ipv4"},
                "id": {"format": "uuid"}
            }}),
        )]);
        let schema = files.compile("cerbos:///f.json").unwrap();
        let good = json!({"when": "2024-01-02T03:04:05Z", "ip": "10.0.0.1",
            "id": "123e4567-e89b-12d3-a456-426614174000"});
        assert_eq!(schema.validate(&good, false), vec![]);
        let bad = json!({"when": "yesterday", "ip": "10.0.0.300", "id": "nope"});
        assert_eq!(schema.validate(&bad, false).len(), 3);
    }

    #[test]
    fn content_assertions_enabled() {
        let files = store(&[(
            "c.json",
            json!({"properties": {
                "blob": {"contentEncoding": "base64"},
                "doc": {"contentMediaType": "application/json"},
                "both": {"contentEncoding": "base64", "contentMediaType": "application/json"},
                "other": {"contentEncoding": "base32", "contentMediaType": "text/plain"}
            }}),
        )]);
        let schema = files.compile("cerbos:///c.json").unwrap();
        // "eyJhIjoxfQ==" is base64 of {"a":1}; "aGk=" is base64 of "hi".
        let good = json!({"blob": "aGk=", "doc": "{\"a\": 1}", "both": "eyJhIjoxfQ==",
            "other": "!!", "n": 1});
        assert_eq!(schema.validate(&good, false), vec![]);
        let bad = json!({"blob": "aGk", "doc": "{nope", "both": "aGk="});
        let errors = schema.validate(&bad, false);
        let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, vec!["/blob", "/doc", "/both"], "{errors:?}");
        assert!(errors[0].1.contains("base64"), "{errors:?}");
        assert!(errors[1].1.contains("application/json"), "{errors:?}");
        // Bad base64 under both keywords is one error, from contentEncoding.
        let errors = schema.validate(&json!({"both": "@@@@"}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].1.contains("base64"), "{errors:?}");
    }

    #[test]
    fn base64_decoder() {
        assert_eq!(decode_base64(""), Some(vec![]));
        assert_eq!(decode_base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("aGV5"), Some(b"hey".to_vec()));
        assert_eq!(decode_base64("aA=="), Some(b"h".to_vec()));
        assert_eq!(decode_base64("aGV5\r\naGk="), Some(b"heyhi".to_vec()));
        assert_eq!(decode_base64("aGk"), None);
        assert_eq!(decode_base64("aGk=aGk="), None);
        assert_eq!(decode_base64("a==="), None);
        assert_eq!(decode_base64("aG-="), None);
        assert_eq!(decode_base64("a=k="), None);
    }

    #[test]
    fn ref_across_store_files() {
        let files = store(&[
            (
                "common.json",
                json!({"$defs": {"x": {"type": "string", "minLength": 2}}}),
            ),
            (
                "a/b.json",
                json!({"type": "object", "properties": {
                    "name": {"$ref": "cerbos:///common.json#/$defs/x"},
                    "alias": {"$ref": "../common.json#/$defs/x"}
                }}),
            ),
        ]);
        let schema = files.compile("cerbos:///a/b.json").unwrap();
        assert_eq!(
            schema.validate(&json!({"name": "ok", "alias": "ok"}), false),
            vec![]
        );
        let errors = schema.validate(&json!({"name": "o", "alias": 3}), false);
        let paths: Vec<&str> = errors.iter().map(|(path, _)| path.as_str()).collect();
        assert_eq!(paths, vec!["/name", "/alias"], "{errors:?}");
    }

    #[test]
    fn compile_with_fragment() {
        let files = store(&[(
            "common.json",
            json!({"$defs": {"x": {"type": "object", "required": ["id"]}}}),
        )]);
        let schema = files.compile("cerbos:///common.json#/$defs/x").unwrap();
        assert_eq!(schema.validate(&json!({"id": 1}), false), vec![]);
        assert_eq!(schema.validate(&json!({}), false).len(), 1);
        let error = files
            .compile("cerbos:///common.json#/$defs/missing")
            .unwrap_err();
        assert!(error.contains("cerbos:///common.json"), "{error}");
    }

    #[test]
    fn default_draft_is_2020_12() {
        let files = store(&[("p.json", json!({"prefixItems": [{"type": "string"}]}))]);
        let schema = files.compile("cerbos:///p.json").unwrap();
        let errors = schema.validate(&json!([1]), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "/0");
    }

    #[test]
    fn schema_with_own_id_and_draft() {
        let files = store(&[(
            "d7.json",
            json!({"$schema": "http://json-schema.org/draft-07/schema#",
                   "$id": "cerbos:///d7.json",
                   "properties": {"n": {"type": "integer"}}}),
        )]);
        let schema = files.compile("cerbos:///d7.json").unwrap();
        assert_eq!(schema.validate(&json!({"n": "x"}), false).len(), 1);
    }

    #[test]
    fn ignore_required_inside_any_of() {
        let files = store(&[(
            "any.json",
            json!({"anyOf": [
                {"required": ["a"]},
                {"required": ["b"], "properties": {"b": {"type": "string"}}}
            ]}),
        )]);
        let schema = files.compile("cerbos:///any.json").unwrap();
        assert_eq!(schema.validate(&json!({}), false).len(), 1);
        assert_eq!(schema.validate(&json!({}), true), vec![]);
        let files = store(&[(
            "any.json",
            json!({"anyOf": [
                {"required": ["a"], "properties": {"c": {"type": "string"}}},
                {"type": "string"}
            ]}),
        )]);
        let schema = files.compile("cerbos:///any.json").unwrap();
        assert_eq!(schema.validate(&json!({"c": 1}), true).len(), 1);
    }

    #[test]
    fn unknown_url_is_error() {
        let error = report_store()
            .compile("cerbos:///missing.json")
            .unwrap_err();
        assert!(error.contains("cerbos:///missing.json"), "{error}");
        assert!(error.contains("not found"), "{error}");
    }

    #[test]
    fn non_cerbos_url_is_error_and_not_fetched() {
        for url in [
            "https://example.com/x.json",
            "http://example.com/x.json",
            "file:///etc/passwd",
            "report.json",
            "cerbos://report.json",
            "cerbos:///",
        ] {
            let error = report_store().compile(url).unwrap_err();
            assert!(error.contains(url), "{error}");
        }
    }

    #[test]
    fn remote_ref_is_error_and_not_fetched() {
        for reference in [
            "https://example.com/x.json",
            "http://127.0.0.1:9/x.json",
            "file:///etc/hostname",
        ] {
            let files = store(&[("r.json", json!({"properties": {"x": {"$ref": reference}}}))]);
            let error = files.compile("cerbos:///r.json").unwrap_err();
            assert!(error.contains("cerbos:///r.json"), "{error}");
            assert!(error.contains(reference), "{error}");
        }
    }

    #[test]
    fn unresolvable_ref_is_error() {
        let files = store(&[(
            "r.json",
            json!({"properties": {"x": {"$ref": "cerbos:///nowhere.json"}}}),
        )]);
        let error = files.compile("cerbos:///r.json").unwrap_err();
        assert!(error.contains("cerbos:///r.json"), "{error}");
        assert!(error.contains("nowhere.json"), "{error}");
        let files = store(&[
            ("r.json", json!({"$ref": "cerbos:///c.json#/$defs/nope"})),
            ("c.json", json!({"$defs": {}})),
        ]);
        let error = files.compile("cerbos:///r.json").unwrap_err();
        assert!(error.contains("cerbos:///r.json"), "{error}");
    }

    #[test]
    fn invalid_json_is_error() {
        let files = SchemaStore::new([("bad.json".to_owned(), "{ not json".to_owned())]);
        let error = files.compile("cerbos:///bad.json").unwrap_err();
        assert!(error.contains("cerbos:///bad.json"), "{error}");
        assert!(error.contains("not valid json"), "{error}");
    }

    #[test]
    fn ref_to_invalid_json_is_error() {
        let files = SchemaStore::new([
            ("bad.json".to_owned(), "{ not json".to_owned()),
            (
                "r.json".to_owned(),
                r#"{"$ref": "cerbos:///bad.json"}"#.to_owned(),
            ),
        ]);
        let error = files.compile("cerbos:///r.json").unwrap_err();
        assert!(error.contains("cerbos:///r.json"), "{error}");
        assert!(error.contains("not valid json"), "{error}");
    }

    #[test]
    fn invalid_schema_is_error() {
        let files = store(&[("t.json", json!({"type": 12}))]);
        let error = files.compile("cerbos:///t.json").unwrap_err();
        assert!(error.contains("cerbos:///t.json"), "{error}");
        assert!(error.contains("invalid"), "{error}");
        let files = store(&[("m.json", json!({"properties": {"n": {"minimum": "zero"}}}))]);
        let error = files.compile("cerbos:///m.json").unwrap_err();
        assert!(error.contains("/properties/n/minimum"), "{error}");
    }

    #[test]
    fn ref_to_invalid_schema_is_error() {
        let files = store(&[
            ("t.json", json!({"type": 12})),
            ("r.json", json!({"$ref": "cerbos:///t.json"})),
        ]);
        let error = files.compile("cerbos:///r.json").unwrap_err();
        assert!(error.contains("cerbos:///r.json"), "{error}");
        assert!(
            error.contains("schema cerbos:///t.json is invalid at /type"),
            "{error}"
        );
    }

    #[test]
    fn odd_meta_schemas_are_errors_not_panics() {
        for meta in [json!("https://example.com/meta"), json!(12), json!(null)] {
            let files = store(&[
                ("odd.json", json!({"$schema": meta, "type": "object"})),
                ("r.json", json!({"$ref": "cerbos:///odd.json"})),
            ]);
            let error = files.compile("cerbos:///odd.json").unwrap_err();
            assert!(error.contains("cerbos:///odd.json"), "{error}");
            let error = files.compile("cerbos:///r.json").unwrap_err();
            assert!(error.contains("cerbos:///odd.json"), "{error}");
        }
    }

    #[test]
    fn store_paths_are_normalised() {
        let files = SchemaStore::new([
            ("/a/x.json".to_owned(), "{}".to_owned()),
            ("b\\y z.json".to_owned(), "{}".to_owned()),
        ]);
        assert!(files.compile("cerbos:///a/x.json").is_ok());
        assert!(files.compile("CERBOS:///a/x.json").is_ok());
        assert!(files.compile("cerbos:///b/y%20z.json").is_ok());
        assert!(files.compile("cerbos:///b/y%2").is_err());
    }

    #[test]
    fn boolean_schemas() {
        let files = store(&[("t.json", json!(true)), ("f.json", json!(false))]);
        let schema = files.compile("cerbos:///t.json").unwrap();
        assert_eq!(schema.validate(&json!({"a": 1}), false), vec![]);
        let schema = files.compile("cerbos:///f.json").unwrap();
        let errors = schema.validate(&json!({"a": 1}), false);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "");
    }

    #[test]
    fn default_store_is_empty() {
        let error = SchemaStore::default()
            .compile("cerbos:///x.json")
            .unwrap_err();
        assert!(error.contains("not found"), "{error}");
    }

    #[test]
    fn schema_is_clone_and_shareable() {
        fn assert_send_sync<T: Send + Sync>(_: &T) {}
        let schema = report_store().compile("cerbos:///report.json").unwrap();
        let copy = schema.clone();
        assert_send_sync(&copy);
        assert_eq!(copy.validate(&json!({}), false).len(), 1);
    }
}
