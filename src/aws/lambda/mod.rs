//! Lambda resource types: functions (with deterministic packaging of their
//! source) and invoke permissions.

#[cfg(test)]
pub mod audit;
mod function;
mod function_extras;
pub mod package;
mod permission;
mod policy;
mod qualifiers;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the Lambda resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(function::Function(aws.clone())));
    r.register(Arc::new(permission::Permission(aws.clone())));
}
