//! KMS resource types: keys and aliases.

mod alias;
#[cfg(test)]
pub mod audit;
mod grants;
mod key;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the KMS resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(key::Key(aws.clone())));
    r.register(Arc::new(alias::Alias(aws.clone())));
}
