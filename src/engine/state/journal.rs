//! The state journal: a checkpoint appends only what changed since the last
//! one (one JSON line per change, fsynced) to `<state>.journal`, instead of
//! rewriting the whole state. The full state is rewritten (and the journal
//! removed) when the journal has grown past the state's own size and at the
//! end of every run, so checkpoint cost stays proportional to the changes,
//! and at rest the state is one JSON file.
//!
//! Loading replays journal entries newer than the snapshot's serial; a torn
//! last line (a crash mid-append) is ignored, anything else unreadable is a
//! corrupt state.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{PendingOp, ResourceState, State};

/// One change to the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Entry {
    /// A resource was created or updated.
    Put {
        /// Its new record.
        resource: ResourceState,
    },
    /// A resource was deleted.
    Remove {
        /// Its address.
        address: String,
    },
    /// A create is about to be attempted.
    Pending {
        /// The intent.
        pending: PendingOp,
    },
    /// The pending operation on this address is over.
    Resolved {
        /// Its address.
        address: String,
    },
    /// The stack outputs.
    Outputs {
        /// All of them.
        outputs: BTreeMap<String, Value>,
    },
}

impl Entry {
    /// Applies the change; replaying an entry twice gives the same state.
    pub fn apply(&self, s: &mut State) {
        match self {
            Entry::Put { resource } => {
                s.resources
                    .insert(resource.address.clone(), resource.clone());
            }
            Entry::Remove { address } => {
                s.resources.remove(address);
            }
            Entry::Pending { pending } => {
                s.pending.retain(|p| p.address != pending.address);
                s.pending.push(pending.clone());
            }
            Entry::Resolved { address } => s.pending.retain(|p| &p.address != address),
            Entry::Outputs { outputs } => s.outputs = outputs.clone(),
        }
    }
}

/// One journal line: the serial and lineage of the checkpoint that wrote
/// it, and the change. The lineage keeps a leftover journal from ever being
/// replayed onto another state.
#[derive(Debug, Serialize, Deserialize)]
pub struct Line {
    /// The checkpoint's serial.
    pub serial: u64,
    /// The lineage of the state it belongs to.
    pub lineage: String,
    /// The change.
    #[serde(flatten)]
    pub entry: Entry,
}

/// The journal next to `state`.
pub fn journal_path(state: &Path) -> PathBuf {
    let mut s = state.as_os_str().to_owned();
    s.push(".journal");
    PathBuf::from(s)
}

/// Encodes a checkpoint's entries as journal lines.
pub fn encode(serial: u64, lineage: &str, entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        serde_json::to_writer(
            &mut out,
            &Line {
                serial,
                lineage: lineage.to_string(),
                entry: e.clone(),
            },
        )
        .expect("journal entry serialises");
        out.push(b'\n');
    }
    out
}

/// Replays `journal` onto `state`: entries newer than the state's serial, in
/// order; the serial becomes the last replayed one. A torn last line is
/// ignored. Returns the number of entries replayed.
pub fn replay(state: &mut State, journal: &[u8]) -> Result<usize, String> {
    let text = String::from_utf8_lossy(journal);
    let lines: Vec<&str> = text.split('\n').collect();
    let base = state.serial;
    let mut n = 0;
    for (i, raw) in lines.iter().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let line: Line = match serde_json::from_str(raw) {
            Ok(l) => l,
            // The last line may be cut short by a crash during the append.
            Err(_) if i + 1 == lines.len() => break,
            Err(e) => return Err(format!("journal line {}: {e}", i + 1)),
        };
        if line.lineage != state.lineage {
            return Err(format!(
                "journal line {} belongs to another state (lineage {:?}, this state's is {:?}); nothing was replayed",
                i + 1,
                line.lineage,
                state.lineage
            ));
        }
        if line.serial > base {
            line.entry.apply(state);
            state.serial = line.serial;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(a: &str) -> ResourceState {
        ResourceState {
            address: a.into(),
            kind: "t".into(),
            region: "r".into(),
            id: format!("id-{a}"),
            attributes: Default::default(),
            outputs: Default::default(),
            dependencies: vec![],
        }
    }

    #[test]
    fn replays_newer_entries_and_ignores_a_torn_tail() {
        let mut s = State::new("e");
        s.serial = 3;
        let l = s.lineage.clone();
        let mut j = encode(
            3,
            &l,
            &[Entry::Put {
                resource: res("t.old"),
            }],
        );
        j.extend(encode(
            4,
            &l,
            &[
                Entry::Put {
                    resource: res("t.a"),
                },
                Entry::Put {
                    resource: res("t.b"),
                },
            ],
        ));
        j.extend(encode(
            5,
            &l,
            &[Entry::Remove {
                address: "t.a".into(),
            }],
        ));
        j.extend_from_slice(b"{\"serial\": 6, \"op\": \"put\", \"reso");
        assert_eq!(replay(&mut s, &j).unwrap(), 3);
        assert_eq!(s.serial, 5);
        assert!(
            s.resources.contains_key("t.b")
                && !s.resources.contains_key("t.a")
                && !s.resources.contains_key("t.old")
        );
        // Replaying again onto the result changes nothing.
        let before = s.clone();
        assert_eq!(replay(&mut s, &j).unwrap(), 0);
        assert_eq!(s, before);
    }

    #[test]
    fn garbage_in_the_middle_is_an_error() {
        let mut s = State::new("e");
        let mut j = b"not json\n".to_vec();
        j.extend(encode(
            1,
            &s.lineage,
            &[Entry::Remove {
                address: "t.a".into(),
            }],
        ));
        assert!(replay(&mut s, &j).unwrap_err().contains("line 1"));
    }

    #[test]
    fn a_journal_of_another_lineage_is_never_replayed() {
        let mut s = State::new("e");
        let before = s.clone();
        let j = encode(
            7,
            "someone-else",
            &[Entry::Put {
                resource: res("t.planted"),
            }],
        );
        let err = replay(&mut s, &j).unwrap_err();
        assert!(err.contains("another state"), "{err}");
        assert_eq!(s, before);
    }
}
