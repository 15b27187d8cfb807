//! Attribute values and references between nodes.
//!
//! Desired attributes are JSON. A value may be a reference to another node's
//! output, written `{"$ref": "kind.name.attr"}`, or a string built from parts,
//! `{"$join": ["arn:aws:s3:::", {"$ref": "s3_bucket.data.bucket"}, "/*"]}`.
//! During planning a reference to something not yet created resolves to the
//! unknown marker `{"$unknown": true}`, rendered "(known after apply)".
//! A setting only apply can learn is written `{"$observed": true}`: see
//! [`observed`].

use serde_json::{json, Map, Value};

/// A node's attributes: a JSON object.
pub type Attrs = Map<String, Value>;

const REF: &str = "$ref";
const JOIN: &str = "$join";
/// The marker key of a value known only after apply.
pub const UNKNOWN: &str = "$unknown";
const OBSERVED: &str = "$observed";

/// A reference to `attr` of the node at `address`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The referenced node's address, `kind.name`.
    pub address: String,
    /// The output or attribute name.
    pub attr: String,
}

impl Reference {
    /// Parses `kind.name.attr`.
    pub fn parse(s: &str) -> Option<Reference> {
        let (address, attr) = s.rsplit_once('.')?;
        if !address.contains('.') || attr.is_empty() {
            return None;
        }
        Some(Reference {
            address: address.to_string(),
            attr: attr.to_string(),
        })
    }
}

/// Builds a reference value to `address.attr`.
pub fn reference(address: &str, attr: &str) -> Value {
    json!({ REF: format!("{address}.{attr}") })
}

/// Builds a string value joined from literal strings and references.
pub fn join(parts: Vec<Value>) -> Value {
    json!({ JOIN: parts })
}

/// The "known after apply" marker.
pub fn unknown() -> Value {
    json!({ UNKNOWN: true })
}

/// A setting the blueprint cannot know and AWS changes only when someone
/// acts (when an AUTH token was last set, which version of a secret is
/// current): its wanted value is the one hcprov's own last change left.
/// The type's create returns it among its outputs under the setting's
/// name, and so does an update that redid it; apply records it with the
/// attributes, and plan and drift compare the live value with that
/// record, so a change made outside hcprov shows and apply redoes
/// hcprov's own.
pub fn observed() -> Value {
    json!({ OBSERVED: true })
}

/// True when `v` is the [`observed`] marker.
pub fn is_observed(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key(OBSERVED))
}

/// Puts in place of each [`observed`] setting of `desired` what `recorded`
/// (the state's entry of an existing object) holds, or null when it holds
/// nothing (a state written before the setting was observed: the type
/// redoes its own change, so what is live is never taken as hcprov's
/// unseen). Without an entry (a create), the setting is dropped: create
/// returns it.
pub fn settle_observed(desired: &mut Attrs, recorded: Option<&Attrs>) {
    let keys: Vec<String> = desired
        .iter()
        .filter(|(_, v)| is_observed(v))
        .map(|(k, _)| k.clone())
        .collect();
    for k in keys {
        match recorded {
            Some(r) => {
                let v = r.get(&k).filter(|v| !is_observed(v)).cloned();
                desired.insert(k, v.unwrap_or(Value::Null));
            }
            None => {
                desired.remove(&k);
            }
        }
    }
}

/// Records in `attrs` the [`observed`] settings `planned` names, from
/// what a create or update returned (`outputs`); one an update left
/// alone keeps its recorded value.
pub fn record_observed(planned: &Attrs, attrs: &mut Attrs, outputs: &Attrs) {
    for (k, _) in planned.iter().filter(|(_, v)| is_observed(v)) {
        if let Some(v) = outputs.get(k) {
            attrs.insert(k.clone(), v.clone());
        }
    }
}

/// True when `v` is, or contains, the unknown marker.
pub fn contains_unknown(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key(UNKNOWN) || m.values().any(contains_unknown),
        Value::Array(a) => a.iter().any(contains_unknown),
        _ => false,
    }
}

fn as_ref(m: &Map<String, Value>) -> Option<Reference> {
    if m.len() != 1 {
        return None;
    }
    m.get(REF)
        .and_then(Value::as_str)
        .and_then(Reference::parse)
}

/// Every reference inside `v`, in order of appearance.
pub fn references(v: &Value, out: &mut Vec<Reference>) {
    match v {
        Value::Object(m) => {
            if let Some(r) = as_ref(m) {
                out.push(r);
            } else {
                m.values().for_each(|x| references(x, out));
            }
        }
        Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

/// Replaces references in `v` using `lookup`; `None` from `lookup` gives the
/// unknown marker. A `$join` with an unknown part is unknown as a whole.
pub fn resolve(v: &Value, lookup: &dyn Fn(&Reference) -> Option<Value>) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(r) = as_ref(m) {
                return lookup(&r).unwrap_or_else(unknown);
            }
            if let (1, Some(Value::Array(parts))) = (m.len(), m.get(JOIN)) {
                let mut s = String::new();
                for p in parts {
                    match resolve(p, lookup) {
                        Value::String(x) => s.push_str(&x),
                        Value::Number(n) => s.push_str(&n.to_string()),
                        _ => return unknown(),
                    }
                }
                return Value::String(s);
            }
            Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), resolve(x, lookup)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, lookup)).collect()),
        other => other.clone(),
    }
}

/// Resolves every attribute of `attrs`.
pub fn resolve_attrs(attrs: &Attrs, lookup: &dyn Fn(&Reference) -> Option<Value>) -> Attrs {
    attrs
        .iter()
        .map(|(k, v)| (k.clone(), resolve(v, lookup)))
        .collect()
}

/// Renders a value for humans: strings quoted, unknowns as "(known after apply)".
pub fn render(v: &Value) -> String {
    match v {
        Value::Object(m) if m.contains_key(UNKNOWN) => "(known after apply)".into(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(render).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, x)| format!("{k} = {}", render(x)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_references() {
        let r = Reference::parse("ec2_vpc.main.id").unwrap();
        assert_eq!(r.address, "ec2_vpc.main");
        assert_eq!(r.attr, "id");
        assert!(Reference::parse("vpc.id").is_none());
        assert!(Reference::parse("nodots").is_none());
    }

    #[test]
    fn resolves_refs_joins_and_unknowns() {
        let v = json!({
            "vpc": reference("ec2_vpc.main", "id"),
            "arn": join(vec![json!("arn:"), reference("s3_bucket.d", "bucket"), json!("/*")]),
            "later": reference("ec2_nat_gateway.nat", "id"),
        });
        let mut refs = vec![];
        references(&v, &mut refs);
        assert_eq!(refs.len(), 3);
        let out = resolve(&v, &|r| match r.address.as_str() {
            "ec2_vpc.main" => Some(json!("vpc-1")),
            "s3_bucket.d" => Some(json!("b")),
            _ => None,
        });
        assert_eq!(out["vpc"], json!("vpc-1"));
        assert_eq!(out["arn"], json!("arn:b/*"));
        assert!(contains_unknown(&out["later"]));
        assert_eq!(render(&out["later"]), "(known after apply)");
    }
}
