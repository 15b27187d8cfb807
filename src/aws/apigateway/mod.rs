//! API Gateway (REST) resource types: the API, resources, methods,
//! integrations, deployments and stages.

#[cfg(test)]
pub mod audit;
mod deployment;
mod integration;
mod method;
mod resource;
mod rest_api;
mod stage;

use std::sync::Arc;

use aws_sdk_apigateway::types::{Op, PatchOperation};

use super::error::SdkResultExt;
use super::{tags, Aws};
use crate::engine::resource::{ErrorClass, Registry, ResourceError};
use crate::engine::value::Attrs;

/// Registers the API Gateway resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(rest_api::RestApi(aws.clone())));
    r.register(Arc::new(resource::Resource(aws.clone())));
    r.register(Arc::new(method::Method(aws.clone())));
    r.register(Arc::new(integration::Integration(aws.clone())));
    r.register(Arc::new(deployment::Deployment(aws.clone())));
    r.register(Arc::new(stage::Stage(aws.clone())));
}

/// A `replace` patch operation.
fn replace(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path(path)
        .value(value)
        .build()
}

/// Splits an id of `n` parts joined by `/`.
fn parts<'a>(id: &'a str, n: usize, what: &str) -> Result<Vec<&'a str>, ResourceError> {
    let p: Vec<&str> = id.splitn(n, '/').collect();
    if p.len() == n {
        Ok(p)
    } else {
        Err(ResourceError::new(
            ErrorClass::Invalid,
            format!("reading {what}"),
            format!("malformed id {id:?}"),
        ))
    }
}

/// The ARN API Gateway tags a resource by.
fn arn(region: &str, path: &str) -> String {
    format!(
        "arn:{}:apigateway:{region}::{path}",
        crate::aws::partition_of_region(region)
    )
}

/// Brings the tags of the API Gateway object `resource` (an ARN) from
/// `from` to `to`; `what` names it in errors.
async fn sync_tags(
    api: &aws_sdk_apigateway::Client,
    resource: &str,
    from: &Attrs,
    to: &Attrs,
    what: &str,
) -> Result<(), ResourceError> {
    tags::sync(
        from,
        to,
        |remove| async move {
            let r = api
                .untag_resource()
                .resource_arn(resource)
                .set_tag_keys(Some(remove))
                .send()
                .await;
            r.ctx(&format!("untagging {what}")).map(|_| ())
        },
        |set| async move {
            let r = api
                .tag_resource()
                .resource_arn(resource)
                .set_tags(Some(set.into_iter().collect()))
                .send()
                .await;
            r.ctx(&format!("tagging {what}")).map(|_| ())
        },
    )
    .await
}
