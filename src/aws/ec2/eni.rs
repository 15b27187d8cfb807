//! Lambda's VPC network interfaces. A function in a VPC leaves its
//! interfaces behind for 20-60 minutes after it is deleted or moved: first
//! still attached (`in-use`), then detached (`available`). A subnet, a
//! security group or a VPC holding one cannot be deleted. hcprov deletes
//! the detached ones itself and retries the delete (DependencyViolation)
//! within a budget that covers AWS's worst case.

use std::time::Duration;

use aws_sdk_ec2::types::{Filter, NetworkInterfaceStatus, NetworkInterfaceType};

use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::engine::resource::{Ctx, ResourceError};
use crate::engine::retry::Budget;

/// Deleting a subnet, security group or VPC a Lambda function used waits
/// this long for its network interfaces to be released.
pub const LAMBDA_ENI_RELEASE: Budget = Budget {
    name: "lambda-eni-release",
    max_elapsed: Duration::from_secs(60 * 60),
    initial: Duration::from_secs(5),
    max_delay: Duration::from_secs(60),
};

/// What a Lambda interface's description starts with.
pub const LAMBDA_ENI_DESCRIPTION: &str = "AWS Lambda VPC ENI";

/// Deletes the detached Lambda interfaces whose `filter` (`subnet-id`,
/// `group-id` or `vpc-id`) is `id`; returns how many it deleted.
pub async fn delete_detached_lambda_enis(
    ec2: &aws_sdk_ec2::Client,
    filter: &str,
    id: &str,
) -> Result<usize, ResourceError> {
    let what = format!("listing the network interfaces Lambda left in {id}");
    let mut pages = ec2
        .describe_network_interfaces()
        .filters(Filter::builder().name(filter).values(id).build())
        .into_paginator()
        .send();
    let mut detached = vec![];
    while let Some(page) = pages.next().await {
        let page = page.ctx(&what)?;
        detached.extend(
            page.network_interfaces()
                .iter()
                .filter(|n| n.status() == Some(&NetworkInterfaceStatus::Available))
                .filter(|n| {
                    n.interface_type() == Some(&NetworkInterfaceType::Lambda)
                        || n.description()
                            .is_some_and(|d| d.starts_with(LAMBDA_ENI_DESCRIPTION))
                })
                .filter_map(|n| n.network_interface_id().map(str::to_string)),
        );
    }
    for eni in &detached {
        tracing::info!("deleting the detached Lambda network interface {eni} in {id}");
        ignore_not_found(
            ec2.delete_network_interface()
                .network_interface_id(eni)
                .send()
                .await
                .ctx(&format!("deleting the Lambda network interface {eni}"))
                .map(|_| ()),
        )?;
    }
    Ok(detached.len())
}

/// Deletes a subnet, security group or VPC (`delete`) after the detached
/// Lambda interfaces in it, retrying DependencyViolation (interfaces still
/// attached) within [`LAMBDA_ENI_RELEASE`]; NotFound counts as deleted.
pub async fn delete_after_lambda_enis<F, Fut>(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    filter: &str,
    id: &str,
    mut delete: F,
) -> Result<(), ResourceError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), ResourceError>>,
{
    super::delete_retrying_within(ctx, &LAMBDA_ENI_RELEASE, || {
        let attempt = delete();
        async move {
            delete_detached_lambda_enis(ec2, filter, id).await?;
            attempt.await
        }
    })
    .await
}
