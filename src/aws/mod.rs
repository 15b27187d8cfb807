//! The AWS side: clients per region, error mapping, and one resource type per
//! file. Nothing outside this module names the SDK.

pub mod acm;
pub mod apigateway;
pub mod apigatewayv2;
pub mod attrs;
#[cfg(test)]
pub mod audit;
pub mod backup;
pub mod clients;
pub mod error;
pub mod find;
pub mod memo;
pub mod observe;
pub mod orphans;
pub mod ratelimit;
pub mod state_s3;
pub mod tags;
pub mod transient;

pub mod cloudtrail;
pub mod cloudwatch;
pub mod dynamodb;
pub mod ec2;
pub mod elasticache;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod rds;
pub mod route53;
pub mod s3;
pub mod secretsmanager;
pub mod sns;

use std::sync::Arc;

/// Every item of every page of a paginated Describe/List call (EC2, RDS,
/// ...): a search by tag or filter must see the whole account, not its
/// first page.
macro_rules! all_pages {
    ($req:expr, $items:ident, $what:expr) => {{
        let mut pages = $req.into_paginator().send();
        let mut all = Vec::new();
        while let Some(page) = pages.next().await {
            all.extend(page.ctx($what)?.$items().iter().cloned());
        }
        all
    }};
}
pub(crate) use all_pages;

use crate::engine::resource::{Observed, Registry, ResourceError};

/// The single result of a one-item batch: `read` for types whose
/// `read_many` batches (`single(self.read_many(ctx, &[(id, attrs)]).await)`).
pub(crate) fn single(
    mut v: Vec<Result<Option<Observed>, ResourceError>>,
) -> Result<Option<Observed>, ResourceError> {
    v.pop().unwrap_or(Ok(None))
}

/// Runs `read` only when `wanted`: a read of a setting the prior
/// attributes do not hold costs no call. Futures do nothing until polled,
/// so a read joined with others (`tokio::join!`) that is not wanted is
/// never sent.
pub(crate) async fn read_if<T>(
    wanted: bool,
    read: impl std::future::Future<Output = Result<T, ResourceError>>,
) -> Result<Option<T>, ResourceError> {
    if wanted {
        read.await.map(Some)
    } else {
        Ok(None)
    }
}

pub use clients::{partition_of_region, AssumeRole, Aws, AwsOptions, Identity};

/// Every resource type hcprov manages, wired to `aws`.
pub fn registry(aws: &Arc<Aws>) -> Registry {
    let mut r = Registry::new();
    ec2::register(&mut r, aws);
    iam::register(&mut r, aws);
    kms::register(&mut r, aws);
    logs::register(&mut r, aws);
    s3::register(&mut r, aws);
    cloudtrail::register(&mut r, aws);
    dynamodb::register(&mut r, aws);
    lambda::register(&mut r, aws);
    apigateway::register(&mut r, aws);
    sns::register(&mut r, aws);
    cloudwatch::register(&mut r, aws);
    events::register(&mut r, aws);
    backup::register(&mut r, aws);
    rds::register(&mut r, aws);
    elasticache::register(&mut r, aws);
    secretsmanager::register(&mut r, aws);
    apigatewayv2::register(&mut r, aws);
    acm::register(&mut r, aws);
    route53::register(&mut r, aws);
    r
}
