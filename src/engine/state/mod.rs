//! The state: what hcprov created, as it last applied it.
//!
//! Serialised as JSON with a format version, a serial that grows with every
//! write, and a lineage that ties plans and backups to one state's history.

mod atomic;
mod journal;
mod lock;
mod safe;
mod store;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::packed::Packed;
use super::value::Attrs;

pub use atomic::{write_private_atomic, AtomicFile};
pub use journal::{encode as encode_journal, journal_path, Entry};
pub use lock::{
    hostname, lock_path, parse_holder, read_holder, unlock, LockGuard, LockHolder, LockRelease,
};
pub use safe::read as read_nofollow;
pub use store::{FileStore, BACKUPS_KEPT};

/// The state format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// One managed object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// `kind.name`.
    pub address: String,
    /// The resource type (the address's first part).
    #[serde(rename = "type")]
    pub kind: String,
    /// Region of the object.
    pub region: String,
    /// The object's id.
    pub id: String,
    /// The attributes as last applied (references resolved), packed: a
    /// state of 50,000 records reads each once or twice.
    pub attributes: Packed,
    /// Computed outputs (id, arn, ...), packed.
    #[serde(default)]
    pub outputs: Packed,
    /// Addresses this resource depended on when applied.
    #[serde(default)]
    pub dependencies: Vec<String>,
}

impl ResourceState {
    /// The recorded value of `attr`: the object's id, one of its outputs,
    /// or one of its applied attributes.
    pub fn value(&self, attr: &str) -> Option<Value> {
        if attr == "id" {
            return Some(Value::String(self.id.clone()));
        }
        self.outputs.get(attr).or_else(|| self.attributes.get(attr))
    }
}

/// A mutating call that was started but whose result is not yet recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOp {
    /// The node's address.
    pub address: String,
    /// `create`, `update` or `delete`.
    pub operation: String,
    /// Region of the object.
    pub region: String,
    /// When the call started (RFC 3339).
    pub started_at: String,
    /// The client token the call was sent with; a retry after a crash sends
    /// the same one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_token: String,
    /// The attributes the call was given: what a later run searches by.
    #[serde(default, skip_serializing_if = "Attrs::is_empty")]
    pub attributes: Attrs,
}

/// The whole state of one environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Format version; a newer one than [`FORMAT_VERSION`] is refused.
    pub format_version: u32,
    /// Grows by one on every write.
    pub serial: u64,
    /// Identifies this state's history; fixed at creation.
    pub lineage: String,
    /// The environment suffix the state belongs to.
    pub environment: String,
    /// Managed objects, keyed by address (written as a sorted list).
    #[serde(with = "as_list")]
    pub resources: BTreeMap<String, ResourceState>,
    /// Stack outputs.
    #[serde(default)]
    pub outputs: BTreeMap<String, Value>,
    /// Operations in flight when the state was written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingOp>,
    /// Whether the environment was disposable at the last apply (its data
    /// stores and keys unprotected); `None` in a state from before hcprov
    /// recorded it. A destroy honours it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disposable: Option<bool>,
    /// The account the resources live in, as of the last apply: a command
    /// run with another account's credentials is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

mod as_list {
    use super::ResourceState;
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(
        m: &BTreeMap<String, ResourceState>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.values())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, ResourceState>, D::Error> {
        let list = Vec::<ResourceState>::deserialize(d)?;
        let mut m = BTreeMap::new();
        for r in list {
            let a = r.address.clone();
            if m.insert(a.clone(), r).is_some() {
                return Err(D::Error::custom(format!("resource {a} appears twice")));
            }
        }
        Ok(m)
    }
}

impl State {
    /// A new, empty state with a fresh lineage.
    pub fn new(environment: &str) -> State {
        State::with_lineage(environment, &uuid::Uuid::new_v4().to_string())
    }

    /// A new, empty state with the given lineage.
    pub fn with_lineage(environment: &str, lineage: &str) -> State {
        State {
            format_version: FORMAT_VERSION,
            serial: 0,
            lineage: lineage.to_string(),
            environment: environment.to_string(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            pending: vec![],
            disposable: None,
            account: None,
        }
    }

    /// Parses serialised state, checking its format version (a journal, if
    /// any, is replayed by the caller, then [`State::verify`]).
    pub fn parse(bytes: &[u8]) -> Result<State, Parse> {
        let value: Value =
            serde_json::from_slice(bytes).map_err(|e| Parse::Corrupt(format!("not JSON: {e}")))?;
        let version = value
            .get("format_version")
            .and_then(Value::as_u64)
            .ok_or_else(|| Parse::Corrupt("no format_version field".into()))?;
        if version > u64::from(FORMAT_VERSION) {
            return Err(Parse::Newer(u32::try_from(version).unwrap_or(u32::MAX)));
        }
        serde_json::from_value(value).map_err(|e| Parse::Corrupt(e.to_string()))
    }

    /// The recorded value `r` refers to: the object's id, one of its outputs,
    /// or one of its applied attributes.
    pub fn value_of(&self, r: &super::value::Reference) -> Option<Value> {
        self.resources.get(&r.address)?.value(&r.attr)
    }

    /// Checks the invariants a loaded state must hold.
    pub fn verify(&self) -> Result<(), String> {
        if self.lineage.trim().is_empty() {
            return Err("lineage is empty".into());
        }
        let addrs: BTreeSet<&str> = self.resources.keys().map(String::as_str).collect();
        for (k, r) in &self.resources {
            if k != &r.address {
                return Err(format!("resource {} is filed under {k}", r.address));
            }
            if r.id.is_empty() {
                return Err(format!("resource {k} has no id"));
            }
            if super::graph::kind_of(k) != r.kind {
                return Err(format!(
                    "resource {k} has type {} that does not match its address",
                    r.kind
                ));
            }
            for d in &r.dependencies {
                if !addrs.contains(d.as_str()) && !self.pending.iter().any(|p| &p.address == d) {
                    return Err(format!(
                        "resource {k} depends on {d}, which the state does not hold"
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Why bytes are not state this build can read.
#[derive(Debug, Clone, PartialEq)]
pub enum Parse {
    /// Not hcprov state: what is wrong.
    Corrupt(String),
    /// Written by a newer hcprov: the version found.
    Newer(u32),
}

/// Errors reading, writing or locking a state file. Every message says what
/// to do next.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file is not valid hcprov state.
    #[error("state file {path} is not valid hcprov state ({detail}); it was left untouched: fix it or restore a backup from {backups}")]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        detail: String,
        /// Where backups live.
        backups: PathBuf,
    },
    /// Written by a newer hcprov.
    #[error("state file {path} has format version {found}, newer than this hcprov understands ({supported}); it was left untouched: upgrade hcprov")]
    NewerVersion {
        /// The state file.
        path: PathBuf,
        /// Version found.
        found: u32,
        /// Version supported.
        supported: u32,
    },
    /// Another process holds the lock.
    #[error("state {path} is locked by {holder}; wait for it to finish (if that process is gone, run `hcprov unlock`)")]
    Locked {
        /// The state file.
        path: PathBuf,
        /// Who holds it.
        holder: Box<LockHolder>,
    },
    /// The lock was left by a process that is no longer running.
    #[error("state {path} has a stale lock: {holder}, which is no longer running; check nothing else is using this state, then run `hcprov unlock --state {path}`")]
    StaleLock {
        /// The state file.
        path: PathBuf,
        /// Who held it.
        holder: Box<LockHolder>,
    },
    /// A path beside the state is not safe to use: a symbolic link, a file
    /// or directory of another user, or one others may write.
    #[error("{path} {detail}")]
    Unsafe {
        /// The path.
        path: PathBuf,
        /// What is wrong and what to do.
        detail: String,
    },
    /// The lock was taken over by someone else while this process held it.
    #[error("the lock on {path} is no longer this process's (now held by {holder}); it was left in place")]
    LockTaken {
        /// The state file.
        path: PathBuf,
        /// Who holds it now.
        holder: Box<LockHolder>,
    },
    /// A write lost a race: the stored state changed since this process
    /// read or wrote it.
    #[error("the state at {location} was changed by another writer since this run read it, so this write was refused and nothing was overwritten; both versions are kept in the bucket's history: run the command again (it reads the new state first), and find out who else is writing without the lock")]
    Changed {
        /// Where the state lives.
        location: String,
    },
    /// A call to a remote state store failed.
    #[error("{action}: {detail}")]
    Remote {
        /// What was being done.
        action: String,
        /// What went wrong.
        detail: String,
    },
    /// A file system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// On which path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(addr: &str, deps: &[&str]) -> ResourceState {
        ResourceState {
            address: addr.into(),
            kind: super::super::graph::kind_of(addr).into(),
            region: "r".into(),
            id: "id-1".into(),
            attributes: Default::default(),
            outputs: Default::default(),
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn round_trips_as_sorted_list() {
        let mut s = State::new("dev");
        s.resources.insert("t.b".into(), res("t.b", &["t.a"]));
        s.resources.insert("t.a".into(), res("t.a", &[]));
        let text = serde_json::to_string(&s).unwrap();
        assert!(text.find("\"t.a\"").unwrap() < text.find("\"t.b\"").unwrap());
        let back: State = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        assert!(back.verify().is_ok());
    }

    #[test]
    fn verify_finds_broken_invariants() {
        let mut s = State::new("dev");
        s.resources.insert("t.b".into(), res("t.b", &["t.missing"]));
        assert!(s.verify().unwrap_err().contains("t.missing"));
        let mut s = State::new("dev");
        let mut r = res("t.a", &[]);
        r.id.clear();
        s.resources.insert("t.a".into(), r);
        assert!(s.verify().unwrap_err().contains("no id"));
        let dup = r#"{"format_version":1,"serial":1,"lineage":"l","environment":"e","resources":[
            {"address":"t.a","type":"t","region":"r","id":"1","attributes":{}},
            {"address":"t.a","type":"t","region":"r","id":"2","attributes":{}}]}"#;
        let err = serde_json::from_str::<State>(dup).unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
    }
}
