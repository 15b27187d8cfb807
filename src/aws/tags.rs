//! Tags: the desired `tags` attribute, its live form, and the difference.
//! Tags AWS itself adds (`aws:` prefix) are neither managed nor drift.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::engine::value::Attrs;

/// The tag naming an object's hcprov address.
pub const ADDRESS_TAG: &str = "hcprov:address";

/// The tag naming the lineage of the state an object was made for: with
/// the address tag, it identifies what an interrupted run created.
pub const LINEAGE_TAG: &str = "hcprov:lineage";

/// The tag marking an object that watches or protects the platform (the
/// flow-log, backup and DR replication roles, the remediation function and
/// its role):
/// apply undoes every change made to it outside hcprov, with no exception
/// for what looks like an incident response.
pub const GUARD_TAG: &str = "hcprov:guards";

/// True when `attrs` (desired) mark a guard: see [`GUARD_TAG`].
pub fn is_guard(attrs: &Attrs) -> bool {
    desired(attrs).contains_key(GUARD_TAG)
}

/// The identity tags of `attrs` (address and lineage): what an object an
/// interrupted create made is found by. Empty for untagged types.
pub fn identity(attrs: &Attrs) -> Vec<(String, String)> {
    desired(attrs)
        .into_iter()
        .filter(|(k, _)| k == ADDRESS_TAG || k == LINEAGE_TAG)
        .collect()
}

/// True when `live` (observed attributes) carries every identity tag of
/// `attrs` with the same value: only then did this state's run make it.
/// An object without them (a same-named object someone else made, or one
/// made before identity tags existed) is never adopted, updated or deleted
/// by a re-run: the create then fails naming the clash, for a person to
/// resolve. Types without tags (identity empty) are found by their parent,
/// which is already ours.
pub fn claims(attrs: &Attrs, live: &Attrs) -> bool {
    let theirs = desired(live);
    identity(attrs)
        .iter()
        .all(|(k, v)| theirs.get(k) == Some(v))
}

/// The tags of `arn` as the environment's bulk tag read found them, when
/// they are what `recorded` holds: the read then needs no tag call of its
/// own. Otherwise (not found, or different: the bulk read may lag a change
/// by minutes) `None`, and the read asks the object's own API. Waits for
/// a bulk read that is still running.
pub async fn cached(aws: &crate::aws::Aws, arn: &str, recorded: &Attrs) -> Option<Value> {
    aws.tag_cache.ready().await;
    let found = aws.tag_cache.tags(arn)?;
    let live = live(found.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    (recorded.get("tags") == Some(&live)).then_some(live)
}

/// The tags of `arn`: [`cached`] when the bulk read shows what `recorded`
/// holds, else what `listing` (the object's own tag call, sent only then)
/// answers.
pub async fn cached_or(
    aws: &crate::aws::Aws,
    arn: &str,
    recorded: &Attrs,
    listing: impl std::future::Future<Output = Result<Value, crate::engine::resource::ResourceError>>,
) -> Result<Value, crate::engine::resource::ResourceError> {
    match cached(aws, arn, recorded).await {
        Some(t) => Ok(t),
        None => listing.await,
    }
}

/// The desired tags of `attrs`.
pub fn desired(attrs: &Attrs) -> BTreeMap<String, String> {
    attrs
        .get("tags")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Live tags as the `tags` attribute value.
pub fn live<K: AsRef<str>, V: AsRef<str>>(tags: impl IntoIterator<Item = (K, V)>) -> Value {
    let m: BTreeMap<String, Value> = tags
        .into_iter()
        .filter(|(k, _)| !k.as_ref().starts_with("aws:"))
        .map(|(k, v)| {
            (
                k.as_ref().to_string(),
                Value::String(v.as_ref().to_string()),
            )
        })
        .collect();
    Value::Object(m.into_iter().collect::<Map<_, _>>())
}

/// Tags to set and tag keys to remove to go from `from` to `to`.
pub fn diff(from: &Attrs, to: &Attrs) -> (Vec<(String, String)>, Vec<String>) {
    let (a, b) = (desired(from), desired(to));
    let set = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = a.keys().filter(|k| !b.contains_key(*k)).cloned().collect();
    (set, remove)
}

/// Brings tags from `from` to `to`: `untag` gets the keys to remove, then
/// `tag` the pairs to set; neither is called when it has nothing to do.
pub async fn sync<U, UF, T, TF, E>(from: &Attrs, to: &Attrs, untag: U, tag: T) -> Result<(), E>
where
    U: FnOnce(Vec<String>) -> UF,
    UF: std::future::Future<Output = Result<(), E>>,
    T: FnOnce(Vec<(String, String)>) -> TF,
    TF: std::future::Future<Output = Result<(), E>>,
{
    let (set, remove) = diff(from, to);
    if !remove.is_empty() {
        untag(remove).await?;
    }
    if !set.is_empty() {
        tag(set).await?;
    }
    Ok(())
}

/// True when `from` and `to` differ in their tags.
pub fn changed(from: &Attrs, to: &Attrs) -> bool {
    desired(from) != desired(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_objects_carrying_both_identity_tags_are_claimed() {
        let obj = |v: Value| v.as_object().unwrap().clone();
        let want =
            obj(json!({"tags": {ADDRESS_TAG: "s3_bucket.data", LINEAGE_TAG: "l-1", "Team": "a"}}));
        let ours = obj(json!({"tags": {ADDRESS_TAG: "s3_bucket.data", LINEAGE_TAG: "l-1"}}));
        assert!(claims(&want, &ours));
        for theirs in [
            json!({"tags": {}}),
            json!({"tags": {ADDRESS_TAG: "s3_bucket.data"}}),
            json!({"tags": {ADDRESS_TAG: "s3_bucket.data", LINEAGE_TAG: "l-other"}}),
            json!({}),
        ] {
            assert!(!claims(&want, &obj(theirs.clone())), "{theirs}");
        }
        // Untagged types are found by their parent.
        assert!(claims(&obj(json!({"role": "r"})), &obj(json!({}))));
    }

    #[test]
    fn diff_sets_changed_and_removes_dropped() {
        let from = json!({"tags": {"a": "1", "b": "2"}})
            .as_object()
            .unwrap()
            .clone();
        let to = json!({"tags": {"a": "1", "b": "3", "c": "4"}})
            .as_object()
            .unwrap()
            .clone();
        let (set, remove) = diff(&from, &to);
        assert_eq!(
            set,
            vec![("b".into(), "3".into()), ("c".into(), "4".into())]
        );
        assert!(remove.is_empty());
        let (_, remove) = diff(&to, &from);
        assert_eq!(remove, vec!["c".to_string()]);
        assert_eq!(live([("aws:x", "1"), ("k", "v")]), json!({"k": "v"}));
    }
}
