//! Typed access to desired attributes, with errors that name the attribute.

use serde_json::Value;

use crate::engine::resource::{ErrorClass, ResourceError};
use crate::engine::value::Attrs;

fn missing(key: &str, want: &str) -> ResourceError {
    ResourceError::new(
        ErrorClass::Invalid,
        "reading desired attributes",
        format!("attribute `{key}` must be {want}"),
    )
}

/// A JSON object value as attributes (anything else gives none).
pub fn obj(v: Value) -> Attrs {
    match v {
        Value::Object(m) => m,
        _ => Attrs::new(),
    }
}

/// A required string.
pub fn str<'a>(a: &'a Attrs, key: &str) -> Result<&'a str, ResourceError> {
    a.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| missing(key, "a string"))
}

/// An optional string.
pub fn opt_str<'a>(a: &'a Attrs, key: &str) -> Option<&'a str> {
    a.get(key).and_then(Value::as_str)
}

/// A required boolean.
pub fn bool(a: &Attrs, key: &str) -> Result<bool, ResourceError> {
    a.get(key)
        .and_then(Value::as_bool)
        .ok_or_else(|| missing(key, "a boolean"))
}

/// A required integer.
pub fn int(a: &Attrs, key: &str) -> Result<i64, ResourceError> {
    a.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| missing(key, "an integer"))
}

/// An optional integer.
pub fn opt_int(a: &Attrs, key: &str) -> Option<i64> {
    a.get(key).and_then(Value::as_i64)
}

/// A list of strings (absent = empty).
pub fn strs(a: &Attrs, key: &str) -> Vec<String> {
    a.get(key)
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A JSON document attribute, serialised for an API that takes a string.
pub fn doc(a: &Attrs, key: &str) -> Result<String, ResourceError> {
    a.get(key)
        .filter(|v| v.is_object())
        .map(Value::to_string)
        .ok_or_else(|| missing(key, "a JSON object"))
}

/// Parses a policy document as returned by AWS (IAM URL-encodes them).
pub fn parse_doc(raw: &str) -> Value {
    let decoded = if raw.trim_start().starts_with('%') || raw.contains("%22") || raw.contains("%7B")
    {
        percent_decode(raw)
    } else {
        raw.to_string()
    };
    serde_json::from_str(&decoded).unwrap_or(Value::String(raw.to_string()))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A set-valued list as read from AWS, in the order of `prior` when it holds
/// the same members (AWS returns sets in any order), sorted otherwise.
pub fn as_set(live: Vec<String>, prior: Option<&Value>) -> Value {
    let mut a = live.clone();
    a.sort();
    a.dedup();
    if let Some(p) = prior.and_then(Value::as_array) {
        let mut b: Vec<String> = p
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect();
        b.sort();
        b.dedup();
        if a == b && p.len() == b.len() {
            return Value::Array(p.clone());
        }
    }
    sorted(live)
}

/// An exclusive set as read: its live members plus those `prior` declares.
/// A declared member that is gone is its own node's deletion, reported
/// there; the owner reports only what others added.
pub fn owned_set(mut live: Vec<String>, prior: Option<&Value>) -> Value {
    for m in prior.and_then(Value::as_array).into_iter().flatten() {
        if let Some(m) = m.as_str().filter(|m| !live.iter().any(|l| l == m)) {
            live.push(m.to_string());
        }
    }
    as_set(live, prior)
}

/// True when `to` (desired) sets `k` and `from` (live) holds another value.
pub fn differs(from: &Attrs, to: &Attrs, k: &str) -> bool {
    to.contains_key(k) && from.get(k) != to.get(k)
}

/// The members of the set `key` that `from` (live) holds beyond `to`
/// (desired): what apply takes off an exclusive set.
pub fn extras(from: &Attrs, to: &Attrs, key: &str) -> Vec<String> {
    let want = strs(to, key);
    strs(from, key)
        .into_iter()
        .filter(|m| !want.contains(m))
        .collect()
}

/// Sorted, de-duplicated list of strings as a JSON array.
pub fn sorted(mut v: Vec<String>) -> Value {
    v.sort();
    v.dedup();
    Value::Array(v.into_iter().map(Value::String).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_keep_the_recorded_order() {
        let prior = serde_json::json!(["b", "a"]);
        assert_eq!(as_set(vec!["a".into(), "b".into()], Some(&prior)), prior);
        assert_eq!(
            as_set(vec!["c".into(), "a".into()], Some(&prior)),
            serde_json::json!(["a", "c"])
        );
        assert_eq!(
            as_set(vec!["b".into(), "a".into()], None),
            serde_json::json!(["a", "b"])
        );
    }

    #[test]
    fn decodes_iam_documents() {
        let raw = "%7B%22Version%22%3A%222012-10-17%22%7D";
        assert_eq!(parse_doc(raw), serde_json::json!({"Version": "2012-10-17"}));
        assert_eq!(parse_doc("{\"a\": 1}"), serde_json::json!({"a": 1}));
    }
}
