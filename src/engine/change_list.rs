//! The attribute-level changes of one planned change.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::packed::Packed;
use super::plan::AttrChange;
use super::value::Attrs;

/// A change's attribute-level changes, listed. A create's are its resolved
/// desired attributes, every one new: those are held packed (one compact
/// text rather than a value tree per attribute, which a plan of 50,000
/// creates would otherwise hold until apply) and listed when shown or
/// written. Written and read as the list either way.
#[derive(Debug, Clone, Default)]
pub struct AttrChanges(Held);

#[derive(Debug, Clone)]
enum Held {
    Listed(Vec<AttrChange>),
    Created(Packed),
}

impl Default for Held {
    fn default() -> Held {
        Held::Listed(vec![])
    }
}

impl AttrChanges {
    /// Every attribute of `attrs`, new.
    pub fn created(attrs: &Attrs) -> AttrChanges {
        AttrChanges(Held::Created(Packed::new(attrs)))
    }

    /// The changes, in order.
    pub fn list(&self) -> Cow<'_, [AttrChange]> {
        match &self.0 {
            Held::Listed(v) => Cow::Borrowed(v),
            Held::Created(p) => Cow::Owned(
                p.unpack()
                    .into_iter()
                    .map(|(name, v)| AttrChange {
                        name,
                        before: None,
                        after: Some(v),
                        forces_replacement: false,
                    })
                    .collect(),
            ),
        }
    }

    /// True when nothing changes.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Held::Listed(v) => v.is_empty(),
            Held::Created(p) => p.is_empty(),
        }
    }

    /// Adds a change at the end.
    pub fn push(&mut self, a: AttrChange) {
        let mut v = self.list().into_owned();
        v.push(a);
        self.0 = Held::Listed(v);
    }
}

impl From<Vec<AttrChange>> for AttrChanges {
    fn from(v: Vec<AttrChange>) -> AttrChanges {
        AttrChanges(Held::Listed(v))
    }
}

impl PartialEq for AttrChanges {
    fn eq(&self, other: &AttrChanges) -> bool {
        self.list() == other.list()
    }
}

impl Serialize for AttrChanges {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.list().serialize(s)
    }
}

impl<'de> Deserialize<'de> for AttrChanges {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AttrChanges, D::Error> {
        Vec::<AttrChange>::deserialize(d).map(AttrChanges::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn a_create_is_listed_and_written_as_every_attribute_new() {
        let attrs = json!({"name": "b", "tags": {"a": "1"}, "gone": null});
        let created = AttrChanges::created(attrs.as_object().unwrap());
        let listed: AttrChanges = attrs
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| AttrChange {
                name: k.clone(),
                before: None,
                after: Some(v.clone()),
                forces_replacement: false,
            })
            .collect::<Vec<_>>()
            .into();
        assert_eq!(created, listed);
        assert_eq!(
            serde_json::to_value(&created).unwrap(),
            serde_json::to_value(&listed).unwrap()
        );
        let text = serde_json::to_string(&created).unwrap();
        assert_eq!(
            text,
            r#"[{"name":"name","before":null,"after":"b"},{"name":"tags","before":null,"after":{"a":"1"}},{"name":"gone","before":null,"after":null}]"#
        );
        let read: AttrChanges = serde_json::from_str(&text).unwrap();
        assert_eq!(read.list()[1].after, Some(json!({"a": "1"})));
        assert!(!created.is_empty() && AttrChanges::default().is_empty());
        assert!(AttrChanges::created(&Attrs::new()).is_empty());
        let mut more = created.clone();
        more.push(AttrChange {
            name: "x".into(),
            before: Some(Value::Null),
            after: None,
            forces_replacement: true,
        });
        assert_eq!(more.list().len(), 4);
        assert_ne!(more, created);
    }
}
