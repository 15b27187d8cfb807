//! The rules of one direction of an EC2 security group, owned exclusively
//! by this node: what the group has beyond them is drift, and apply
//! removes it (AWS's default allow-all egress included). Used where two
//! groups name each other (the Lambda group's egress to the database
//! group, whose ingress names the Lambda group), which inline rules would
//! make a cycle. The group and direction force replacement; the rules
//! update in place. Its id is `group_id/direction`.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};

use super::security_group::{live_rules, rules_of, sync, Rule};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_security_group_rules`.
pub struct SecurityGroupRules(pub Arc<Aws>);

fn split(id: &str) -> Result<(&str, &str), ResourceError> {
    match id.split_once('/') {
        Some((g, d @ ("ingress" | "egress"))) => Ok((g, d)),
        _ => Err(ResourceError::new(
            ErrorClass::Invalid,
            "reading EC2 security group rules",
            format!("malformed id {id:?}: expected GROUP_ID/ingress or GROUP_ID/egress"),
        )),
    }
}

impl SecurityGroupRules {
    async fn live(
        &self,
        ctx: &Ctx,
        group: &str,
        dir: &str,
    ) -> Result<Option<BTreeSet<Rule>>, ResourceError> {
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .ec2
                .describe_security_groups()
                .group_ids(group)
                .send()
                .await
                .ctx(&format!("reading EC2 security group ({group})")),
        )?;
        Ok(out
            .and_then(|o| o.security_groups().first().cloned())
            .map(|g| {
                if dir == "ingress" {
                    live_rules(g.ip_permissions())
                } else {
                    live_rules(g.ip_permissions_egress())
                }
            }))
    }
}

#[async_trait]
impl ResourceType for SecurityGroupRules {
    fn kind(&self) -> &'static str {
        "ec2_security_group_rules"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["group_id", "direction"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (group, dir) = (attrs::str(a, "group_id")?, attrs::str(a, "direction")?);
        let id = format!("{group}/{dir}");
        split(&id)?;
        let have = self.live(ctx, group, dir).await?.unwrap_or_default();
        let ec2 = &self.0.region(&ctx.region).ec2;
        sync(ctx, ec2, group, dir, &have, &rules_of(a, "rules")).await?;
        Ok(Created {
            id,
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        // Syncing the rules again changes nothing.
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (group, dir) = split(id)?;
        Ok(self.live(ctx, group, dir).await?.map(|rules| Observed {
            attrs: obj(json!({
                "group_id": group,
                "direction": dir,
                "rules": Value::Array(rules.iter().map(Rule::to_value).collect()),
            })),
            outputs: Attrs::new(),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let (group, dir) = split(id)?;
        let have = self.live(ctx, group, dir).await?.unwrap_or_default();
        let ec2 = &self.0.region(&ctx.region).ec2;
        sync(ctx, ec2, group, dir, &have, &rules_of(to, "rules")).await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (group, dir) = split(id)?;
        let Some(have) = self.live(ctx, group, dir).await? else {
            return Ok(());
        };
        let ec2 = &self.0.region(&ctx.region).ec2;
        sync(ctx, ec2, group, dir, &have, &BTreeSet::new()).await
    }
}
