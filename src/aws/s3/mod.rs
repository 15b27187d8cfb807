//! S3: buckets and their separately managed configurations (versioning,
//! encryption, public access block, lifecycle, policy), as in Terraform's
//! split `aws_s3_bucket_*` resources. Each configuration's id is the bucket.

#[cfg(test)]
pub mod audit;
mod bucket;
mod encryption;
mod lifecycle;
mod policy;
mod public_access_block;
mod replication;
pub mod undeclared;
mod versioning;

use std::sync::Arc;

use super::Aws;
use crate::engine::resource::Registry;

/// Registers the S3 resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(bucket::Bucket(aws.clone())));
    r.register(Arc::new(versioning::Versioning(aws.clone())));
    r.register(Arc::new(replication::Replication(aws.clone())));
    r.register(Arc::new(encryption::Encryption(aws.clone())));
    r.register(Arc::new(public_access_block::PublicAccessBlock(
        aws.clone(),
    )));
    r.register(Arc::new(lifecycle::Lifecycle(aws.clone())));
    r.register(Arc::new(policy::Policy(aws.clone())));
}
