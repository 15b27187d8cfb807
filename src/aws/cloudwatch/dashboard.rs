//! CloudWatch dashboard: the name forces replacement; the body (a JSON
//! document) updates in place. Dashboards have no tags.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `cloudwatch_dashboard`.
pub struct Dashboard(pub Arc<Aws>);

impl Dashboard {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<String, ResourceError> {
        let name = attrs::str(a, "dashboard_name")?;
        self.0
            .region(&ctx.region)
            .cloudwatch
            .put_dashboard()
            .dashboard_name(name)
            .dashboard_body(attrs::doc(a, "dashboard_body")?)
            .send()
            .await
            .ctx(&format!("putting CloudWatch dashboard ({name})"))?;
        Ok(name.to_string())
    }
}

#[async_trait]
impl ResourceType for Dashboard {
    fn kind(&self) -> &'static str {
        "cloudwatch_dashboard"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["dashboard_name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        Ok(Created {
            id: self.put(ctx, a).await?,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .cloudwatch
                .get_dashboard()
                .dashboard_name(id)
                .send()
                .await
                .ctx(&format!("reading CloudWatch dashboard ({id})")),
        )?;
        Ok(out.map(|d| Observed {
            attrs: obj(json!({ "dashboard_name": id, "dashboard_body": attrs::parse_doc(d.dashboard_body().unwrap_or("{}")) })),
            outputs: obj(json!({ "arn": d.dashboard_arn() })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        _: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        self.put(ctx, to).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .cloudwatch
            .delete_dashboards()
            .dashboard_names(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting CloudWatch dashboard ({id})")),
        )
    }
}
