//! Secrets Manager resource types.

#[cfg(test)]
pub mod audit;
mod secret;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the Secrets Manager resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(secret::Secret(aws.clone())));
}
