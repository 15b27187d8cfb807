//! ACM resource types: a certificate requested with DNS validation, and
//! the wait for it to be issued once its validation records exist.

#[cfg(test)]
pub mod audit;
mod certificate;
mod validation;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the ACM resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(certificate::Certificate(aws.clone())));
    r.register(Arc::new(validation::Validation(aws.clone())));
}
