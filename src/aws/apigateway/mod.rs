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

use aws_sdk_apigateway::types::{Method as ApiMethod, Op, PatchOperation, Resource as ApiResource};

use super::all_pages;
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

/// Every resource of REST API `api` with its methods and their
/// integrations embedded (`GetResources?embed=methods`, 500 a page),
/// `None` when the API is gone: asked once per refresh, shared by the
/// reads of the API's resources, methods and integrations (one call
/// where each used to take its own).
async fn embedded(
    aws: &Aws,
    region: &str,
    api: &str,
) -> Result<Option<Arc<Vec<ApiResource>>>, ResourceError> {
    let client = &aws.region(region).apigateway;
    let key = format!("{region}:apigateway:GetResources:{api}");
    aws.memo
        .get(key, || async {
            let what = format!("reading the resources of API Gateway REST API ({api})");
            let listed = async {
                let req = client
                    .get_resources()
                    .rest_api_id(api)
                    .embed("methods")
                    .limit(500);
                Ok::<_, ResourceError>(all_pages!(req, items, &what))
            }
            .await;
            match listed {
                Ok(all) => Ok(Some(Arc::new(all))),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .await
}

/// The method `method` of resource `resource` of API `api`, as
/// [`embedded`] lists it; `None` when it (or the API) is gone.
async fn embedded_method(
    aws: &Aws,
    region: &str,
    api: &str,
    resource: &str,
    method: &str,
) -> Result<Option<ApiMethod>, ResourceError> {
    Ok(embedded(aws, region, api).await?.and_then(|all| {
        all.iter()
            .find(|r| r.id() == Some(resource))
            .and_then(|r| r.resource_methods())
            .and_then(|m| m.get(method))
            .cloned()
    }))
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
