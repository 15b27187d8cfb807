//! AWS Backup resource types: vaults, plans and selections.

mod plan;
mod selection;
mod vault;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

pub use selection::Selection;

/// Registers the AWS Backup resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(vault::Vault(aws.clone())));
    r.register(Arc::new(plan::Plan(aws.clone())));
    r.register(Arc::new(selection::Selection(aws.clone())));
}
