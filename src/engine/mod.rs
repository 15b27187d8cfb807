//! The provisioning engine. It knows nothing of AWS: resource types plug in
//! through [`resource::ResourceType`], and everything here works on JSON
//! attributes, addresses and a local state file.

pub mod apply;
pub mod change_list;
pub mod checkpoint;
pub mod fake;
pub mod graph;
pub mod packed;
pub mod plan;
pub mod refresh;
pub mod resource;
pub mod retry;
pub mod saved;
pub mod state;
pub mod target;
pub mod upgrade;
pub mod value;
pub mod walk;

#[cfg(test)]
mod tests;

/// Errors of the engine itself (not of one resource).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Two nodes share an address.
    #[error("two resources have the address {0}; addresses must be unique")]
    DuplicateAddress(String),
    /// A reference names a node that does not exist.
    #[error("{from} refers to {to}, which is not part of the stack")]
    UnknownReference {
        /// The referring node.
        from: String,
        /// The missing node.
        to: String,
    },
    /// The graph has a cycle.
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// No resource type is registered for a kind.
    #[error("no resource type `{0}` is known to this hcprov")]
    UnknownKind(String),
    /// A resource could not be read during refresh.
    #[error("refreshing {address}: {message}; cannot plan without knowing its live state (check credentials and permissions, then retry)")]
    Refresh {
        /// The resource.
        address: String,
        /// The error.
        message: String,
    },
    /// A saved plan does not match the current state.
    #[error("the saved plan is stale: {0}; run `hcprov plan` again")]
    StalePlan(String),
}

impl plan::Plan {
    /// Refuses a plan made against another state than `state`.
    pub fn check_against(&self, state: Option<&state::State>) -> Result<(), EngineError> {
        match state {
            None if self.fresh_state => Ok(()),
            None => Err(EngineError::StalePlan(format!(
                "it was made against state serial {} but the state file no longer exists",
                self.serial
            ))),
            Some(s) if s.lineage != self.lineage => Err(EngineError::StalePlan(format!(
                "it belongs to state lineage {}, but this state has lineage {}",
                self.lineage, s.lineage
            ))),
            Some(s) if self.fresh_state || s.serial != self.serial => {
                Err(EngineError::StalePlan(format!(
                    "it was made against state serial {}, but the state is now at serial {}",
                    if self.fresh_state { 0 } else { self.serial },
                    s.serial
                )))
            }
            Some(_) => Ok(()),
        }
    }
}
