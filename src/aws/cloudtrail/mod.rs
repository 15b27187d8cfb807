//! CloudTrail resource types.

#[cfg(test)]
pub mod audit;
mod trail;
mod trail_extras;

use std::sync::Arc;

pub use trail_extras::default_selectors;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the CloudTrail resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(trail::Trail(aws.clone())));
}
