//! API Gateway v2 (HTTP API) resource types and what they share: ids of
//! child objects (`api_id/child`), ARNs for tagging, and tag sync.

mod api;
mod api_mapping;
#[cfg(test)]
pub mod audit;
mod domain_name;
mod integration;
mod route;
mod stage;

use std::collections::HashMap;
use std::sync::Arc;

use super::error::SdkResultExt;
use super::tags;
use super::Aws;
use crate::engine::resource::{ErrorClass, Registry, ResourceError};
use crate::engine::value::Attrs;

/// Registers the API Gateway v2 resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(api::Api(aws.clone())));
    r.register(Arc::new(integration::Integration(aws.clone())));
    r.register(Arc::new(route::Route(aws.clone())));
    r.register(Arc::new(stage::Stage(aws.clone())));
    r.register(Arc::new(domain_name::DomainName(aws.clone())));
    r.register(Arc::new(api_mapping::ApiMapping(aws.clone())));
}

/// Splits a child id `api_id/child_id`.
fn split<'a>(id: &'a str, what: &str) -> Result<(&'a str, &'a str), ResourceError> {
    id.split_once('/').ok_or_else(|| {
        ResourceError::new(
            ErrorClass::Invalid,
            format!("reading {what}"),
            format!("malformed id {id:?}: expected API_ID/ID"),
        )
    })
}

/// `arn:<partition>:apigateway:<region>::<path>`: what TagResource takes.
async fn arn(aws: &Aws, region: &str, path: &str) -> Result<String, ResourceError> {
    let partition = aws.identity(region).await?.partition;
    Ok(format!("arn:{partition}:apigateway:{region}::{path}"))
}

/// Brings the tags of `arn` from `from` to `to`.
async fn sync_tags(
    api: &aws_sdk_apigatewayv2::Client,
    arn: &str,
    from: &Attrs,
    to: &Attrs,
    what: &str,
) -> Result<(), ResourceError> {
    tags::sync(
        from,
        to,
        |remove| async move {
            api.untag_resource()
                .resource_arn(arn)
                .set_tag_keys(Some(remove))
                .send()
                .await
                .ctx(&format!("untagging {what}"))
                .map(|_| ())
        },
        |set| async move {
            api.tag_resource()
                .resource_arn(arn)
                .set_tags(Some(set.into_iter().collect::<HashMap<_, _>>()))
                .send()
                .await
                .ctx(&format!("tagging {what}"))
                .map(|_| ())
        },
    )
    .await
}
