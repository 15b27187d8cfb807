//! The AWS side: clients per region, error mapping, and one resource type per
//! file. Nothing outside this module names the SDK.

pub mod attrs;
pub mod clients;
pub mod error;
pub mod tags;

pub mod ec2;
pub mod iam;
pub mod kms;
pub mod logs;

use std::sync::Arc;

use crate::engine::resource::Registry;

pub use clients::{Aws, AwsOptions};

/// Every resource type hcprov manages, wired to `aws`.
pub fn registry(aws: &Arc<Aws>) -> Registry {
    let mut r = Registry::new();
    ec2::register(&mut r, aws);
    iam::register(&mut r, aws);
    kms::register(&mut r, aws);
    logs::register(&mut r, aws);
    r
}
