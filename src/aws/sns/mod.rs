//! SNS resource types.

#[cfg(test)]
pub mod audit;
mod topic;
mod topic_extras;

use std::sync::Arc;

pub use topic_extras::data_protection;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the SNS resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(topic::Topic(aws.clone())));
}
