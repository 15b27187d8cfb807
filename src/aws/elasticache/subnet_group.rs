//! ElastiCache cache subnet group: the name forces replacement;
//! description, subnets and tags update in place. A group still used by a
//! replication group being deleted is retried until ElastiCache lets it go.
//! Its id is the name.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{cache_tags, read_tags, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::retry_when;
use crate::engine::value::Attrs;

/// `elasticache_subnet_group`.
pub struct SubnetGroup(pub Arc<Aws>);

#[async_trait]
impl ResourceType for SubnetGroup {
    fn kind(&self) -> &'static str {
        "elasticache_subnet_group"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let out = self
            .0
            .region(&ctx.region)
            .elasticache
            .create_cache_subnet_group()
            .cache_subnet_group_name(name)
            .cache_subnet_group_description(attrs::str(a, "description")?)
            .set_subnet_ids(Some(attrs::strs(a, "subnet_ids")))
            .set_tags(Some(cache_tags(crate::aws::tags::desired(a))))
            .send()
            .await
            .ctx(&format!("creating ElastiCache subnet group ({name})"))?;
        let arn = out.cache_subnet_group().and_then(|g| g.arn());
        Ok(Created {
            id: name.to_string(),
            outputs: obj(json!({ "arn": arn })),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "name")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        let Some(out) = not_found_to_none(
            ec.describe_cache_subnet_groups()
                .cache_subnet_group_name(id)
                .send()
                .await
                .ctx(&format!("reading ElastiCache subnet group ({id})")),
        )?
        else {
            return Ok(None);
        };
        let Some(g) = out.cache_subnet_groups().first() else {
            return Ok(None);
        };
        let arn = g.arn().unwrap_or_default();
        let subnets = g
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_identifier().map(str::to_string))
            .collect();
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": id,
                "description": g.cache_subnet_group_description(),
                "subnet_ids": attrs::as_set(subnets, a.get("subnet_ids")),
                "tags": read_tags(ec, arn, &format!("ElastiCache subnet group ({id})")).await?,
            })),
            outputs: obj(json!({ "arn": arn })),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        if from.get("description") != to.get("description")
            || from.get("subnet_ids") != to.get("subnet_ids")
        {
            ec.modify_cache_subnet_group()
                .cache_subnet_group_name(id)
                .cache_subnet_group_description(attrs::str(to, "description")?)
                .set_subnet_ids(Some(attrs::strs(to, "subnet_ids")))
                .send()
                .await
                .ctx(&format!("updating ElastiCache subnet group ({id})"))?;
        }
        let live = self.read(ctx, id, to).await?.unwrap_or_default();
        let arn = live
            .outputs
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        sync_tags(
            ec,
            arn,
            from,
            to,
            &format!("ElastiCache subnet group ({id})"),
        )
        .await?;
        Ok(live.outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec = &self.0.region(&ctx.region).elasticache;
        ignore_not_found(
            retry_when(
                ctx,
                &crate::aws::ec2::DEPENDENCY_VIOLATION,
                |e| e.class == crate::engine::resource::ErrorClass::DependencyViolation,
                || async {
                    ec.delete_cache_subnet_group()
                        .cache_subnet_group_name(id)
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!("deleting ElastiCache subnet group ({id})"))
                },
            )
            .await,
        )
    }
}
