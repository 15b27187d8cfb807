//! EC2 route table association: one subnet to one route table (both force
//! replacement). Its id is the association id.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::all_pages;
use super::{batched, delete_retrying, ids, single};
use crate::aws::attrs::{self, obj};
use crate::aws::error::SdkResultExt;
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

    /// Associations are untagged: the one of this subnet with this table.
    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let (subnet, table) = (
            attrs::str(a, "subnet_id")?,
            attrs::str(a, "route_table_id")?,
        );
        let filter = aws_sdk_ec2::types::Filter::builder()
            .name("association.subnet-id")
            .values(subnet)
            .build();
        let ec2 = &self.0.region(&ctx.region).ec2;
        let items = all_pages!(
            ec2.describe_route_tables().filters(filter),
            route_tables,
            "looking for EC2 route table associations"
        );
        Ok(items
            .iter()
            .filter(|rt| rt.route_table_id() == Some(table))
            .flat_map(|rt| rt.associations())
            .filter(|x| x.subnet_id() == Some(subnet))
            .filter_map(|x| x.route_table_association_id())
            .map(str::to_string)
            .collect())
    }

    fn batches_reads(&self) -> bool {
        true
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        single(self.read_many(ctx, &[(id.to_string(), a.clone())]).await)
    }

    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        // A filter, unlike ids, does not fail on associations that are gone.
        batched(items, |batch| async move {
            let filter = aws_sdk_ec2::types::Filter::builder().name("association.route-table-association-id").set_values(Some(ids(&batch))).build();
            let items = all_pages!(ec2.describe_route_tables().filters(filter), route_tables, "reading EC2 route table associations");
Ok(items.iter()
                .flat_map(|rt| rt.associations().iter().map(move |a| (rt, a)))
                .filter_map(|(rt, a)| {
                    let attrs = json!({ "subnet_id": a.subnet_id(), "route_table_id": rt.route_table_id() });
                    Some((a.route_table_association_id()?.to_string(), Observed { attrs: obj(attrs), outputs: Attrs::new() }))
                })
                .collect())
        })
        .await
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
