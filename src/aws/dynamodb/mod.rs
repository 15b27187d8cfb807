//! DynamoDB resource types.

#[cfg(test)]
pub mod audit;
pub mod backup;
mod table;
mod table_extras;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the DynamoDB resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(table::Table(aws.clone())));
}
