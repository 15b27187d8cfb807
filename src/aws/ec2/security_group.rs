//! EC2 security group with inline ingress and egress rules (as Terraform's
//! blocks). Name, description and VPC force replacement; rules are compared
//! as sets of single-source rules and synced by revoke/authorize, so a rule
//! added by hand shows up as drift and apply removes it. A group without an
//! `egress` attribute leaves its egress to an `ec2_security_group_rules`
//! node (two groups that name each other would otherwise be a cycle).

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_ec2::types::{
    IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType as Ec2Type, UserIdGroupPair,
};
use serde_json::{json, Value};

use super::all_pages;
use super::{find_tagged, tag_spec, tags_value, update_tags};
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `ec2_security_group`.
pub struct SecurityGroup(pub Arc<Aws>);

/// The name of a group made to replace one of `name` while that one still
/// exists: `<name>-r<8 hex>` (group names are unique in a VPC).
pub(super) fn replacement_name(name: &str) -> String {
    let tag = uuid::Uuid::new_v4().simple().to_string();
    format!("{name}-r{}", &tag[..8])
}

/// The configured name of a group whose live name is `live`: the recorded
/// name when `live` is that name's replacement name, else `live`.
fn configured_name(live: &str, recorded: Option<&String>) -> String {
    match recorded {
        Some(r) if live != r => match live
            .strip_prefix(r.as_str())
            .and_then(|t| t.strip_prefix("-r"))
        {
            Some(tag) if tag.len() == 8 && tag.bytes().all(|b| b.is_ascii_hexdigit()) => r.clone(),
            _ => live.to_string(),
        },
        _ => live.to_string(),
    }
}

/// One rule with a single source.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Rule {
    from_port: i64,
    to_port: i64,
    protocol: String,
    source: Source,
    description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Cidr(String),
    Ipv6(String),
    PrefixList(String),
    Group(String),
}

impl Rule {
    fn from_value(v: &Value) -> Option<Rule> {
        let protocol = v.get("protocol")?.as_str()?.to_string();
        let all = protocol == "-1";
        let field = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let source = if let Some(c) = field("cidr_block") {
            Source::Cidr(c)
        } else if let Some(c) = field("ipv6_cidr_block") {
            Source::Ipv6(c)
        } else if let Some(p) = field("prefix_list_id") {
            Source::PrefixList(p)
        } else {
            Source::Group(field("source_security_group_id")?)
        };
        Some(Rule {
            from_port: if all {
                0
            } else {
                v.get("from_port")?.as_i64()?
            },
            to_port: if all { 0 } else { v.get("to_port")?.as_i64()? },
            protocol,
            source,
            description: v
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
        })
    }

    pub(super) fn to_value(&self) -> Value {
        let mut v = json!({
            "protocol": self.protocol,
            "from_port": self.from_port,
            "to_port": self.to_port,
            "description": self.description,
        });
        match &self.source {
            Source::Cidr(c) => v["cidr_block"] = json!(c),
            Source::Ipv6(c) => v["ipv6_cidr_block"] = json!(c),
            Source::PrefixList(p) => v["prefix_list_id"] = json!(p),
            Source::Group(g) => v["source_security_group_id"] = json!(g),
        }
        v
    }

    fn permission(&self) -> IpPermission {
        let mut p = IpPermission::builder().ip_protocol(&self.protocol);
        if self.protocol != "-1" {
            p = p
                .from_port(self.from_port as i32)
                .to_port(self.to_port as i32);
        }
        let desc = (!self.description.is_empty()).then(|| self.description.clone());
        match &self.source {
            Source::Cidr(c) => {
                p.ip_ranges(IpRange::builder().cidr_ip(c).set_description(desc).build())
            }
            Source::Ipv6(c) => p.ipv6_ranges(
                Ipv6Range::builder()
                    .cidr_ipv6(c)
                    .set_description(desc)
                    .build(),
            ),
            Source::PrefixList(id) => p.prefix_list_ids(
                PrefixListId::builder()
                    .prefix_list_id(id)
                    .set_description(desc)
                    .build(),
            ),
            Source::Group(g) => p.user_id_group_pairs(
                UserIdGroupPair::builder()
                    .group_id(g)
                    .set_description(desc)
                    .build(),
            ),
        }
        .build()
    }
}

pub(super) fn rules_of(a: &Attrs, key: &str) -> BTreeSet<Rule> {
    a.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Rule::from_value)
        .collect()
}

/// Sorts rule objects into the canonical order reads return.
pub fn canonical_rules(rules: Vec<Value>) -> Value {
    let set: BTreeSet<Rule> = rules.iter().filter_map(Rule::from_value).collect();
    Value::Array(set.iter().map(Rule::to_value).collect())
}

pub(super) fn live_rules(perms: &[IpPermission]) -> BTreeSet<Rule> {
    let mut out = BTreeSet::new();
    for p in perms {
        let protocol = p.ip_protocol().unwrap_or("-1").to_string();
        let all = protocol == "-1";
        let (from_port, to_port) = if all {
            (0, 0)
        } else {
            (
                i64::from(p.from_port().unwrap_or(0)),
                i64::from(p.to_port().unwrap_or(0)),
            )
        };
        let mk = |source, d: Option<&str>| Rule {
            from_port,
            to_port,
            protocol: protocol.clone(),
            source,
            description: d.unwrap_or_default().to_string(),
        };
        for r in p.ip_ranges() {
            out.insert(mk(
                Source::Cidr(r.cidr_ip().unwrap_or_default().into()),
                r.description(),
            ));
        }
        for g in p.user_id_group_pairs() {
            out.insert(mk(
                Source::Group(g.group_id().unwrap_or_default().into()),
                g.description(),
            ));
        }
        // Rules made outside hcprov may open IPv6 ranges or prefix lists:
        // read them, so drift sees them and apply removes them.
        for r in p.ipv6_ranges() {
            out.insert(mk(
                Source::Ipv6(r.cidr_ipv6().unwrap_or_default().into()),
                r.description(),
            ));
        }
        for l in p.prefix_list_ids() {
            out.insert(mk(
                Source::PrefixList(l.prefix_list_id().unwrap_or_default().into()),
                l.description(),
            ));
        }
    }
    out
}

fn default_egress() -> Rule {
    Rule {
        from_port: 0,
        to_port: 0,
        protocol: "-1".into(),
        source: Source::Cidr("0.0.0.0/0".into()),
        description: String::new(),
    }
}

#[async_trait]
impl ResourceType for SecurityGroup {
    fn kind(&self) -> &'static str {
        "ec2_security_group"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["name", "description", "vpc_id"]
    }

    /// A replacement gets a name of its own (group names are unique in a
    /// VPC), so the Lambda ENIs that hold the old group move first.
    fn coexists(&self, _: &Attrs, _: &Attrs) -> bool {
        true
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let name = attrs::str(a, "name")?;
        let name = if ctx.replacing {
            replacement_name(name)
        } else {
            name.to_string()
        };
        let out = ec2
            .create_security_group()
            .group_name(name)
            .description(attrs::str(a, "description")?)
            .vpc_id(attrs::str(a, "vpc_id")?)
            .tag_specifications(tag_spec(Ec2Type::SecurityGroup, a))
            .send()
            .await
            .ctx("creating EC2 security group")?;
        let id = out.group_id().unwrap_or_default().to_string();
        // AWS starts every group with an allow-all egress rule. A group
        // whose egress an `ec2_security_group_rules` node owns leaves it.
        if a.contains_key("egress") {
            let fresh = BTreeSet::from([default_egress()]);
            sync(ctx, ec2, &id, "egress", &fresh, &rules_of(a, "egress")).await?;
        }
        sync(
            ctx,
            ec2,
            &id,
            "ingress",
            &BTreeSet::new(),
            &rules_of(a, "ingress"),
        )
        .await?;
        let arn = match out.security_group_arn() {
            Some(a) => a.to_string(),
            None => {
                let owner = self.0.account_id(&ctx.region).await?;
                super::ec2_arn(&ctx.region, &owner, &format!("security-group/{id}"))
            }
        };
        Ok(Created {
            outputs: super::output("arn", arn),
            id,
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        find_tagged(a, |f| async move {
            let items = all_pages!(
                ec2.describe_security_groups().set_filters(Some(f)),
                security_groups,
                "looking for EC2 security groups by tag"
            );
            Ok(items
                .iter()
                .filter_map(|x| x.group_id())
                .map(str::to_string)
                .collect())
        })
        .await
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
        super::single(self.read_many(ctx, &[(id.to_string(), a.clone())]).await)
    }

    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        let region = ctx.region.clone();
        super::batched(items, |batch| {
            let region = region.clone();
            async move {
                let recorded: std::collections::HashMap<String, String> = batch
                    .iter()
                    .filter_map(|(id, a)| Some((id.clone(), a.get("name")?.as_str()?.to_string())))
                    .collect();
                let out = ec2
                    .describe_security_groups()
                    .set_group_ids(Some(super::ids(&batch)))
                    .send()
                    .await
                    .ctx("reading EC2 security groups")?;
                let value =
                    |s: BTreeSet<Rule>| Value::Array(s.iter().map(Rule::to_value).collect());
                Ok(out
                    .security_groups()
                    .iter()
                    .map(|g| {
                        let id = g.group_id().unwrap_or_default().to_string();
                        let name =
                            configured_name(g.group_name().unwrap_or_default(), recorded.get(&id));
                        let attrs = json!({
                            "name": name,
                            "description": g.description(),
                            "vpc_id": g.vpc_id(),
                            "ingress": value(live_rules(g.ip_permissions())),
                            "egress": value(live_rules(g.ip_permissions_egress())),
                            "tags": tags_value(g.tags()),
                        });
                        let arn = g.security_group_arn().map_or_else(
                            || {
                                super::ec2_arn(
                                    &region,
                                    g.owner_id().unwrap_or_default(),
                                    &format!("security-group/{id}"),
                                )
                            },
                            str::to_string,
                        );
                        let outputs = super::output("arn", arn);
                        (
                            id,
                            Observed {
                                attrs: crate::aws::attrs::obj(attrs),
                                outputs,
                            },
                        )
                    })
                    .collect())
            }
        })
        .await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        for dir in ["ingress", "egress"]
            .into_iter()
            .filter(|d| to.contains_key(*d))
        {
            sync(ctx, ec2, id, dir, &rules_of(from, dir), &rules_of(to, dir)).await?;
        }
        update_tags(ec2, id, from, to, "EC2 security group").await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let ec2 = &self.0.region(&ctx.region).ec2;
        super::eni::delete_after_lambda_enis(ctx, ec2, "group-id", id, || async {
            ec2.delete_security_group()
                .group_id(id)
                .send()
                .await
                .ctx(&format!("deleting EC2 security group ({id})"))
                .map(|_| ())
        })
        .await
    }
}

#[derive(Clone, Copy)]
enum Change {
    Authorize,
    Revoke,
}

/// One Authorize/Revoke SecurityGroup Ingress/Egress call, retrying a group
/// not yet visible after its create.
async fn rules_call(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    change: Change,
    ingress: bool,
    perms: &[IpPermission],
    what: &str,
) -> Result<(), ResourceError> {
    let (op, verb) = match (change, ingress) {
        (Change::Authorize, true) => ("AuthorizeSecurityGroupIngress", "authorizing"),
        (Change::Authorize, false) => ("AuthorizeSecurityGroupEgress", "authorizing"),
        (Change::Revoke, true) => ("RevokeSecurityGroupIngress", "revoking"),
        (Change::Revoke, false) => ("RevokeSecurityGroupEgress", "revoking"),
    };
    let what = format!("{verb} {what}");
    transient::call(ctx, "ec2", op, || async {
        let p = Some(perms.to_vec());
        let sent = match (change, ingress) {
            (Change::Authorize, true) => ec2
                .authorize_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(p)
                .send()
                .await
                .map(|_| ())
                .ctx(&what),
            (Change::Authorize, false) => ec2
                .authorize_security_group_egress()
                .group_id(id)
                .set_ip_permissions(p)
                .send()
                .await
                .map(|_| ())
                .ctx(&what),
            (Change::Revoke, true) => ec2
                .revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(p)
                .send()
                .await
                .map(|_| ())
                .ctx(&what),
            (Change::Revoke, false) => ec2
                .revoke_security_group_egress()
                .group_id(id)
                .set_ip_permissions(p)
                .send()
                .await
                .map(|_| ())
                .ctx(&what),
        };
        sent
    })
    .await
}

/// Revokes the rules in `have` but not `want`, then authorizes the rest.
pub(super) async fn sync(
    ctx: &Ctx,
    ec2: &aws_sdk_ec2::Client,
    id: &str,
    dir: &str,
    have: &BTreeSet<Rule>,
    want: &BTreeSet<Rule>,
) -> Result<(), ResourceError> {
    let revoke: Vec<IpPermission> = have.difference(want).map(Rule::permission).collect();
    let grant: Vec<IpPermission> = want.difference(have).map(Rule::permission).collect();
    let what = format!("{dir} rules of EC2 security group ({id})");
    let ingress = dir == "ingress";
    if !revoke.is_empty() {
        ignore_not_found(rules_call(ctx, ec2, id, Change::Revoke, ingress, &revoke, &what).await)?;
    }
    if !grant.is_empty() {
        rules_call(ctx, ec2, id, Change::Authorize, ingress, &grant, &what).await?;
    }
    Ok(())
}

#[cfg(test)]
mod replacement_tests {
    use super::{configured_name, replacement_name};

    #[test]
    fn a_replacements_name_reads_back_as_the_configured_one() {
        let n = replacement_name("healthcare-lambda-sg-prod");
        assert!(
            n.starts_with("healthcare-lambda-sg-prod-r")
                && n.len() == "healthcare-lambda-sg-prod".len() + 10
        );
        let recorded = "healthcare-lambda-sg-prod".to_string();
        assert_eq!(configured_name(&n, Some(&recorded)), recorded);
        // Any other name is what it is: drift.
        assert_eq!(configured_name("hand-made", Some(&recorded)), "hand-made");
        assert_eq!(
            configured_name("healthcare-lambda-sg-prod-rXYZ", Some(&recorded)),
            "healthcare-lambda-sg-prod-rXYZ"
        );
    }
}
