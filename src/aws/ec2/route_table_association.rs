//! EC2 route table association: one subnet to one route table (both force
//! replacement). Its id is the association id.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::delete_retrying;
use crate::aws::attrs;
use crate::aws::error::{not_found_to_none, SdkResultExt};
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_route_table_association`.
pub struct RouteTableAssociation(pub Arc<Aws>);

#[async_trait]
impl ResourceType for RouteTableAssociation {
    fn kind(&self) -> &'static str {
        "ec2_route_table_association"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["subnet_id", "route_table_id"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let out = self
            .0
            .region(&ctx.region)
            .ec2
            .associate_route_table()
            .subnet_id(attrs::str(a, "subnet_id")?)
            .route_table_id(attrs::str(a, "route_table_id")?)
            .send()
            .await
            .ctx("associating EC2 route table")?;
        Ok(Created {
            id: out.association_id().unwrap_or_default().to_string(),
            outputs: Attrs::new(),
        })
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
                .ec2
                .describe_route_tables()
                .filters(
                    aws_sdk_ec2::types::Filter::builder()
                        .name("association.route-table-association-id")
                        .values(id)
                        .build(),
                )
                .send()
                .await
                .ctx(&format!("reading EC2 route table association ({id})")),
        )?;
        let found = out.iter().flat_map(|o| o.route_tables()).find_map(|rt| {
            rt.associations()
                .iter()
                .find(|a| a.route_table_association_id() == Some(id))
                .map(|a| {
                    (
                        rt.route_table_id().map(str::to_string),
                        a.subnet_id().map(str::to_string),
                    )
                })
        });
        Ok(found.map(|(rt, subnet)| Observed {
            attrs: json!({ "subnet_id": subnet, "route_table_id": rt })
                .as_object()
                .cloned()
                .unwrap_or_default(),
            outputs: Attrs::new(),
        }))
    }

    async fn update(&self, _: &Ctx, _: &str, _: &Attrs, _: &Attrs) -> Result<Attrs, ResourceError> {
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        delete_retrying(ctx, || async {
            ec2.disassociate_route_table()
                .association_id(id)
                .send()
                .await
                .ctx(&format!("disassociating EC2 route table ({id})"))
                .map(|_| ())
        })
        .await
    }
}
