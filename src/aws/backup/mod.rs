//! AWS Backup resource types: vaults, plans and selections.

#[cfg(test)]
pub mod audit;
mod plan;
mod selection;
mod vault;

use std::sync::Arc;

use super::error::SdkResultExt;
use super::{tags, Aws};
use crate::engine::resource::{Registry, ResourceError};
use crate::engine::value::Attrs;

pub use selection::Selection;

/// Registers the AWS Backup resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(vault::Vault(aws.clone())));
    r.register(Arc::new(plan::Plan(aws.clone())));
    r.register(Arc::new(selection::Selection(aws.clone())));
}

/// Brings the tags of the AWS Backup object `arn` from `from` to `to`;
/// `what` names it in errors.
async fn sync_tags(
    b: &aws_sdk_backup::Client,
    arn: &str,
    from: &Attrs,
    to: &Attrs,
    what: &str,
) -> Result<(), ResourceError> {
    tags::sync(
        from,
        to,
        |remove| async move {
            let r = b
                .untag_resource()
                .resource_arn(arn)
                .set_tag_key_list(Some(remove))
                .send()
                .await;
            r.ctx(&format!("untagging {what}")).map(|_| ())
        },
        |set| async move {
            let r = b
                .tag_resource()
                .resource_arn(arn)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await;
            r.ctx(&format!("tagging {what}")).map(|_| ())
        },
    )
    .await
}
