//! Attributes held as compact JSON text.
//!
//! A parsed JSON object costs about eight times its text in memory (every
//! value, key and map is its own allocation). What a plan or a state keeps
//! for each of 50,000 resources but reads once or twice (a node's desired
//! attributes, a record's applied ones) is kept as text instead, shared
//! rather than copied, and parsed where it is used.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::value::Attrs;

/// A JSON object as compact text: cheap to hold and to clone (shared), and
/// parsed by [`Packed::unpack`] where its values are needed. Written into a
/// JSON document as the object itself.
#[derive(Clone)]
pub struct Packed(Arc<RawValue>);

impl Packed {
    /// Packs `attrs`.
    pub fn new(attrs: &Attrs) -> Packed {
        let raw = serde_json::value::to_raw_value(attrs).expect("a JSON object serialises");
        Packed(Arc::from(raw))
    }

    /// The attributes, parsed.
    pub fn unpack(&self) -> Attrs {
        serde_json::from_str(self.0.get()).expect("packed text is a JSON object written by new")
    }

    /// The value of one key (the whole object is parsed).
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        self.unpack().remove(key)
    }

    /// The compact JSON text.
    pub fn text(&self) -> &str {
        self.0.get()
    }

    /// True for the empty object.
    pub fn is_empty(&self) -> bool {
        self.text() == "{}"
    }
}

impl Default for Packed {
    fn default() -> Packed {
        Packed::new(&Attrs::new())
    }
}

impl From<Attrs> for Packed {
    fn from(a: Attrs) -> Packed {
        Packed::new(&a)
    }
}

impl From<&Attrs> for Packed {
    fn from(a: &Attrs) -> Packed {
        Packed::new(a)
    }
}

/// Equal when the objects are: the same text, or the same keys and values
/// in another order.
impl PartialEq for Packed {
    fn eq(&self, other: &Packed) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.text() == other.text() || {
            self.unpack() == other.unpack()
        }
    }
}

impl PartialEq<Attrs> for Packed {
    fn eq(&self, other: &Attrs) -> bool {
        self.unpack() == *other
    }
}

impl fmt::Debug for Packed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl Serialize for Packed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Read as a plain object (from any source, buffered or not) and packed.
impl<'de> Deserialize<'de> for Packed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Packed, D::Error> {
        Attrs::deserialize(d).map(|a| Packed::new(&a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attrs(v: serde_json::Value) -> Attrs {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn round_trips_and_writes_the_object_itself() {
        let a = attrs(json!({"b": 1, "a": {"x": [1, "two", null]}, "tags": {}}));
        let p = Packed::new(&a);
        assert_eq!(p.unpack(), a);
        assert_eq!(p.text(), r#"{"b":1,"a":{"x":[1,"two",null]},"tags":{}}"#);
        // Inside a pretty document it is the object, on one line.
        let doc = serde_json::to_string_pretty(&vec![&p]).unwrap();
        assert_eq!(doc, format!("[\n  {}\n]", p.text()));
        let written = serde_json::to_value(vec![&p]).unwrap();
        assert_eq!(
            written,
            json!([{"b": 1, "a": {"x": [1, "two", null]}, "tags": {}}])
        );
        let read: Packed = serde_json::from_str(
            "{ \"b\" : 1,\n \"a\": {\"x\": [1, \"two\", null]}, \"tags\": {} }",
        )
        .unwrap();
        assert_eq!(read.text(), p.text(), "read text is compacted");
        assert!(serde_json::from_str::<Packed>("[1]").is_err());
    }

    #[test]
    fn equal_objects_are_equal_whatever_their_key_order() {
        let p = Packed::new(&attrs(json!({"a": 1, "b": 2})));
        let q = Packed::new(&attrs(json!({"b": 2, "a": 1})));
        assert_ne!(p.text(), q.text());
        assert_eq!(p, q);
        assert_ne!(p, Packed::new(&attrs(json!({"a": 1, "b": 3}))));
        assert!(Packed::default().is_empty() && !p.is_empty());
        assert_eq!(p, attrs(json!({"b": 2, "a": 1})));
    }
}
