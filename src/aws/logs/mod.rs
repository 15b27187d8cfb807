//! CloudWatch Logs resource types.

#[cfg(test)]
pub mod audit;
mod log_group;
mod subscriptions;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the CloudWatch Logs resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(log_group::LogGroup(aws.clone())));
}
