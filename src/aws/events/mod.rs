//! EventBridge resource types: rules and their targets.

#[cfg(test)]
pub mod audit;
mod rule;
mod target;

use std::sync::Arc;

use aws_sdk_eventbridge::operation::remove_targets::RemoveTargetsOutput;

use super::error::ignore_not_found;
use super::Aws;
use crate::engine::resource::{ErrorClass, Registry, ResourceError};

/// Registers the EventBridge resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(rule::Rule(aws.clone())));
    r.register(Arc::new(target::Target(aws.clone())));
}

/// RemoveTargets answers 200 with the targets it could not remove: the
/// first of them as an error. A rule already gone is fine.
pub(super) fn removed(
    r: Result<RemoveTargetsOutput, ResourceError>,
    rule: &str,
) -> Result<(), ResourceError> {
    let out = match r {
        Ok(out) => out,
        Err(e) => return ignore_not_found(Err(e)),
    };
    match out.failed_entries().first() {
        None => Ok(()),
        Some(f) => Err(ResourceError::new(
            ErrorClass::Other,
            format!(
                "removing target {} from EventBridge rule ({rule})",
                f.target_id().unwrap_or("?")
            ),
            f.error_message().unwrap_or("failed").to_string(),
        )),
    }
}
