//! CEL values of request data: the `P`/`R` messages, aux data, and result conversion.

use std::collections::HashMap;
use std::sync::Arc;

use cel::common::types::{CelList, CelMap, CelMapKey, CelString};
use cel::common::value::Val;
use cel::objects::{Key, Map};
use cel::Value;

use crate::cel_env;
use crate::request::{Attributes, AuxData};

fn key(s: &str) -> Key {
    Key::String(Arc::new(s.to_string()))
}

fn attrs_value(attr: &Attributes) -> Value {
    let mut m = HashMap::with_capacity(attr.len());
    for (k, v) in attr {
        m.insert(key(k), cel_env::json_to_value(v));
    }
    Value::Map(Map { map: Arc::new(m) })
}

fn into_val(v: Value) -> Box<dyn Val> {
    match Box::<dyn Val>::try_from(v) {
        Ok(b) => b,
        // Every value built here has a `Val` form; an empty map is the safe fallback.
        Err(_) => empty_map(),
    }
}

fn empty_map() -> Box<dyn Val> {
    match Box::<dyn Val>::try_from(Value::Map(Map {
        map: Arc::new(HashMap::new()),
    })) {
        Ok(b) => b,
        Err(_) => Box::new(cel::common::types::CelNull),
    }
}

/// The message value of a principal (`roles` set) or resource (`kind` set): `id`, `roles` or
/// `kind`, `attr`, `policyVersion` (also `policy_version`) and `scope`.
///
/// Built directly as the interpreter's values (one conversion, not JSON → `Value` → `Val`).
pub(crate) fn message_val(
    id: &str,
    roles: Option<&[String]>,
    kind: Option<&str>,
    attr: &Attributes,
    policy_version: &str,
    scope: &str,
) -> Box<dyn Val> {
    let text = |s: &str| -> Box<dyn Val> { Box::new(CelString::from(s.to_string())) };
    let k = |s: &str| CelMapKey::from(s.to_string());
    let mut m: HashMap<CelMapKey, Box<dyn Val>> = HashMap::with_capacity(7);
    m.insert(k("id"), text(id));
    if let Some(roles) = roles {
        let list: Vec<Box<dyn Val>> = roles.iter().map(|r| text(r)).collect();
        m.insert(k("roles"), Box::new(CelList::from(list)));
    }
    if let Some(kind) = kind {
        m.insert(k("kind"), text(kind));
    }
    let attrs: HashMap<CelMapKey, Box<dyn Val>> = attr
        .iter()
        .map(|(name, v)| (k(name), cel_env::json_to_val(v)))
        .collect();
    m.insert(k("attr"), Box::new(CelMap::from(attrs)));
    m.insert(k("policyVersion"), text(policy_version));
    m.insert(k("policy_version"), text(policy_version));
    m.insert(k("scope"), text(scope));
    Box::new(CelMap::from(m))
}

fn message_value(
    id: &str,
    roles: Option<&[String]>,
    kind: Option<&str>,
    attr: &Attributes,
    policy_version: &str,
    scope: &str,
) -> Value {
    let mut m = HashMap::with_capacity(7);
    m.insert(key("id"), Value::String(Arc::new(id.to_string())));
    if let Some(roles) = roles {
        let list = roles
            .iter()
            .map(|r| Value::String(Arc::new(r.clone())))
            .collect();
        m.insert(key("roles"), Value::List(Arc::new(list)));
    }
    if let Some(kind) = kind {
        m.insert(key("kind"), Value::String(Arc::new(kind.to_string())));
    }
    m.insert(key("attr"), attrs_value(attr));
    let pv = Value::String(Arc::new(policy_version.to_string()));
    m.insert(key("policyVersion"), pv.clone());
    m.insert(key("policy_version"), pv);
    m.insert(key("scope"), Value::String(Arc::new(scope.to_string())));
    Value::Map(Map { map: Arc::new(m) })
}

/// `request.auxData`: `{jwt: {...}, jwts: {name: {claims: {...}}}}`.
pub(crate) fn aux_value(aux: &AuxData) -> Value {
    let mut jwts = HashMap::new();
    for (name, c) in &aux.jwts {
        let mut inner = HashMap::new();
        inner.insert(key("claims"), attrs_value(&c.claims));
        jwts.insert(
            key(name),
            Value::Map(Map {
                map: Arc::new(inner),
            }),
        );
    }
    let mut m = HashMap::new();
    m.insert(key("jwt"), attrs_value(&aux.jwt));
    m.insert(
        key("jwts"),
        Value::Map(Map {
            map: Arc::new(jwts),
        }),
    );
    Value::Map(Map { map: Arc::new(m) })
}

/// `request.auxData` as a `Val`.
pub(crate) fn aux_val(aux: &AuxData) -> Box<dyn Val> {
    into_val(aux_value(aux))
}

/// The whole `request` message.
pub(crate) fn request_val(
    p: &crate::Principal,
    r: &crate::Resource,
    aux: &AuxData,
) -> Box<dyn Val> {
    let strip = |s: &str| s.strip_prefix('.').unwrap_or(s).to_string();
    let mut m = HashMap::new();
    m.insert(
        key("principal"),
        message_value(
            p.id(),
            Some(p.roles()),
            None,
            p.attr(),
            p.policy_version(),
            &strip(p.scope()),
        ),
    );
    m.insert(
        key("resource"),
        message_value(
            r.id(),
            None,
            Some(r.kind()),
            r.attr(),
            r.policy_version(),
            &strip(r.scope()),
        ),
    );
    let aux = aux_value(aux);
    m.insert(key("auxData"), aux.clone());
    m.insert(key("aux_data"), aux);
    into_val(Value::Map(Map { map: Arc::new(m) }))
}

/// A JSON map (globals) as a `Val`.
pub(crate) fn attrs_val(attr: &Attributes) -> Box<dyn Val> {
    into_val(attrs_value(attr))
}

/// A sorted list of strings (effective derived roles) as a `Val`.
pub(crate) fn string_list_val<'a>(items: impl Iterator<Item = &'a str>) -> Box<dyn Val> {
    into_val(Value::List(Arc::new(
        items
            .map(|s| Value::String(Arc::new(s.to_string())))
            .collect(),
    )))
}

/// A timestamp as a `Val`.
pub(crate) fn timestamp_val(t: chrono::DateTime<chrono::Utc>) -> Box<dyn Val> {
    into_val(Value::Timestamp(t.fixed_offset()))
}

/// A computed value as a `Val` (for variable slots).
pub(crate) fn value_val(v: Value) -> Option<Box<dyn Val>> {
    Box::<dyn Val>::try_from(v).ok()
}
