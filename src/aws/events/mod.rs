//! EventBridge resource types: rules and their targets.

pub mod audit;
mod rule;
mod target;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the EventBridge resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(rule::Rule(aws.clone())));
    r.register(Arc::new(target::Target(aws.clone())));
}
