//! API Gateway stage: the name forces replacement; the deployment it serves
//! and tags update in place. Its id is `api/stage`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::{arn, parts, replace, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigateway_stage`.
pub struct Stage(pub Arc<Aws>);

#[async_trait]
impl ResourceType for Stage {
    fn kind(&self) -> &'static str {
        "apigateway_stage"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["rest_api_id", "stage_name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (api, name) = (attrs::str(a, "rest_api_id")?, attrs::str(a, "stage_name")?);
        self.0
            .region(&ctx.region)
            .apigateway
            .create_stage()
            .rest_api_id(api)
            .stage_name(name)
            .deployment_id(attrs::str(a, "deployment_id")?)
            .set_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!("creating API Gateway stage {name} of ({api})"))?;
        Ok(Created {
            id: format!("{api}/{name}"),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(
            self,
            ctx,
            &find::joined(a, &["rest_api_id", "stage_name"])?,
            a,
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let p = parts(id, 2, "API Gateway stage")?;
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .apigateway
                .get_stage()
                .rest_api_id(p[0])
                .stage_name(p[1])
                .send()
                .await
                .ctx(&format!("reading API Gateway stage ({id})")),
        )?;
        Ok(out.map(|s| Observed {
            attrs: obj(json!({
                "rest_api_id": p[0],
                "stage_name": s.stage_name(),
                "deployment_id": s.deployment_id(),
                "tags": tags::live(s.tags().into_iter().flatten()),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let p = parts(id, 2, "API Gateway stage")?;
        let api = &self.0.region(&ctx.region).apigateway;
        if from.get("deployment_id") != to.get("deployment_id") {
            api.update_stage()
                .rest_api_id(p[0])
                .stage_name(p[1])
                .patch_operations(replace("/deploymentId", attrs::str(to, "deployment_id")?))
                .send()
                .await
                .ctx(&format!(
                    "moving API Gateway stage ({id}) to a new deployment"
                ))?;
        }
        let resource = arn(&ctx.region, &format!("/restapis/{}/stages/{}", p[0], p[1]));
        let resource: &str = &resource;
        sync_tags(
            api,
            resource,
            from,
            to,
            &format!("API Gateway stage ({id})"),
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let p = parts(id, 2, "API Gateway stage")?;
        let r = self
            .0
            .region(&ctx.region)
            .apigateway
            .delete_stage()
            .rest_api_id(p[0])
            .stage_name(p[1])
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting API Gateway stage ({id})")),
        )
    }
}
