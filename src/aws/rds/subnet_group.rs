//! RDS DB subnet group: the name forces replacement; description, subnets
//! and tags update in place. A group still used by a cluster that is being
//! deleted is retried until RDS lets it go. Its id is the name.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::{live_tags, rds_tags, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::retry::retry_when;
use crate::engine::value::Attrs;

/// `rds_db_subnet_group`.
pub struct SubnetGroup(pub Arc<Aws>);

#[async_trait]
impl ResourceType for SubnetGroup {
    fn kind(&self) -> &'static str {
        "rds_db_subnet_group"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "name")?;
        let out = self
            .0
            .region(&ctx.region)
            .rds
            .create_db_subnet_group()
            .db_subnet_group_name(name)
            .db_subnet_group_description(attrs::str(a, "description")?)
            .set_subnet_ids(Some(attrs::strs(a, "subnet_ids")))
            .set_tags(Some(rds_tags(crate::aws::tags::desired(a))))
            .send()
            .await
            .ctx(&format!("creating RDS DB subnet group ({name})"))?;
        let arn = out.db_subnet_group().and_then(|g| g.db_subnet_group_arn());
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
        let rds = &self.0.region(&ctx.region).rds;
        let Some(out) = not_found_to_none(
            rds.describe_db_subnet_groups()
                .db_subnet_group_name(id)
                .send()
                .await
                .ctx(&format!("reading RDS DB subnet group ({id})")),
        )?
        else {
            return Ok(None);
        };
        let Some(g) = out.db_subnet_groups().first() else {
            return Ok(None);
        };
        let arn = g.db_subnet_group_arn().unwrap_or_default();
        let t = rds
            .list_tags_for_resource()
            .resource_name(arn)
            .send()
            .await
            .ctx(&format!("reading tags of RDS DB subnet group ({id})"))?;
        let subnets = g
            .subnets()
            .iter()
            .filter_map(|s| s.subnet_identifier().map(str::to_string))
            .collect();
        Ok(Some(Observed {
            attrs: obj(json!({
                "name": id,
                "description": g.db_subnet_group_description(),
                "subnet_ids": attrs::as_set(subnets, a.get("subnet_ids")),
                "tags": live_tags(t.tag_list()),
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
        let rds = &self.0.region(&ctx.region).rds;
        if from.get("description") != to.get("description")
            || from.get("subnet_ids") != to.get("subnet_ids")
        {
            rds.modify_db_subnet_group()
                .db_subnet_group_name(id)
                .db_subnet_group_description(attrs::str(to, "description")?)
                .set_subnet_ids(Some(attrs::strs(to, "subnet_ids")))
                .send()
                .await
                .ctx(&format!("updating RDS DB subnet group ({id})"))?;
        }
        let live = self.read(ctx, id, to).await?.unwrap_or_default();
        let arn = live
            .outputs
            .get("arn")
            .and_then(Value::as_str)
            .unwrap_or_default();
        sync_tags(rds, arn, from, to, &format!("RDS DB subnet group ({id})")).await?;
        Ok(live.outputs)
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let rds = &self.0.region(&ctx.region).rds;
        // A cluster deleted a moment ago may still hold the group.
        ignore_not_found(
            retry_when(
                ctx,
                &crate::aws::ec2::DEPENDENCY_VIOLATION,
                |e| e.code.as_deref() == Some("InvalidDBSubnetGroupStateFault"),
                || async {
                    rds.delete_db_subnet_group()
                        .db_subnet_group_name(id)
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!("deleting RDS DB subnet group ({id})"))
                },
            )
            .await,
        )
    }
}
