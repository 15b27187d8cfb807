//! CloudWatch resource types: metric alarms and dashboards.

mod alarm;
#[cfg(test)]
pub mod audit;
mod dashboard;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the CloudWatch resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(alarm::Alarm(aws.clone())));
    r.register(Arc::new(dashboard::Dashboard(aws.clone())));
}
