//! Objects that carry an environment's lineage tag but are not in its
//! state: a killed run's late twin, a hand-made copy. One paginated
//! Resource Groups Tagging API `GetResources` per region finds every tagged
//! object of the environment at once; each is then matched to the state by
//! ARN or id.
//!
//! The tagging API does not list IAM roles (IAM is global and outside it);
//! those are found by their own types' searches after an interrupted run.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use aws_sdk_resourcegroupstagging::types::TagFilter;
use serde::Serialize;

use crate::aws::error::SdkResultExt;
use crate::aws::tags::{ADDRESS_TAG, LINEAGE_TAG};
use crate::aws::Aws;
use crate::engine::resource::ResourceError;
use crate::engine::state::State;

/// An object tagged with the environment's lineage that the state does not
/// hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Untracked {
    /// Its ARN.
    pub arn: String,
    /// Its region.
    pub region: String,
    /// The address its `hcprov:address` tag names, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

/// One tagged object: its ARN and tags.
pub type Tagged = (String, Vec<(String, String)>);

/// What one bulk read per region found: every object of the environment
/// with its tags. Reads use it in place of a per-object tag call (see
/// `aws::tags::cached`); drift lists the objects the state does not hold.
/// The reads of a refresh start while it runs: a read that wants its tags
/// waits for it ([`TagCache::ready`]), the others do not.
#[derive(Debug)]
pub struct TagCache {
    regions: Mutex<BTreeMap<String, Result<Vec<Tagged>, String>>>,
    by_arn: Mutex<HashMap<String, Vec<(String, String)>>>,
    /// How many bulk reads are running.
    priming: tokio::sync::watch::Sender<usize>,
}

impl Default for TagCache {
    fn default() -> TagCache {
        TagCache {
            regions: Mutex::default(),
            by_arn: Mutex::default(),
            priming: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl TagCache {
    /// Waits until no bulk read is running.
    pub async fn ready(&self) {
        let mut rx = self.priming.subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let _ = rx.wait_for(|running| *running == 0).await;
    }

    /// Reads every region in `regions` once (concurrently). The read counts
    /// as running from this call, before the future is first polled, so
    /// reads started beside it wait for it; it stops counting when the
    /// future ends or is dropped, polled or not.
    pub fn prime<'a>(
        &'a self,
        aws: &'a Aws,
        regions: &'a [String],
        lineage: &'a str,
    ) -> impl std::future::Future<Output = ()> + 'a {
        let running = Running::start(&self.priming);
        async move {
            let _running = running;
            self.read(aws, regions, lineage).await;
        }
    }

    async fn read(&self, aws: &Aws, regions: &[String], lineage: &str) {
        let reads = regions.iter().map(|r| tagged(aws, r, lineage));
        let found = futures::future::join_all(reads).await;
        let mut by_arn = self.by_arn.lock().expect("tag cache");
        let mut by_region = self.regions.lock().expect("tag cache");
        for (region, result) in regions.iter().zip(found) {
            if let Ok(list) = &result {
                for (arn, tags) in list {
                    by_arn.insert(bare_arn(arn).to_string(), tags.clone());
                }
            }
            by_region.insert(region.clone(), result.map_err(|e| e.to_string()));
        }
    }

    /// Forgets what was read: the next read of an object asks its own API.
    pub fn clear(&self) {
        self.by_arn.lock().expect("tag cache").clear();
        self.regions.lock().expect("tag cache").clear();
    }

    /// The tags the bulk read found on `arn`.
    pub fn tags(&self, arn: &str) -> Option<Vec<(String, String)>> {
        self.by_arn
            .lock()
            .expect("tag cache")
            .get(bare_arn(arn))
            .cloned()
    }

    /// What the bulk read of `region` found, or why it failed; `None` when
    /// it was not read.
    pub fn region(&self, region: &str) -> Option<Result<Vec<Tagged>, String>> {
        self.regions.lock().expect("tag cache").get(region).cloned()
    }
}

/// One running bulk read, counted while it lives.
struct Running<'a>(&'a tokio::sync::watch::Sender<usize>);

impl<'a> Running<'a> {
    fn start(count: &'a tokio::sync::watch::Sender<usize>) -> Running<'a> {
        count.send_modify(|n| *n += 1);
        Running(count)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n -= 1);
    }
}

/// Every object in `region` tagged `hcprov:lineage = lineage`, with its tags.
pub async fn tagged(aws: &Aws, region: &str, lineage: &str) -> Result<Vec<Tagged>, ResourceError> {
    let client = &aws.region(region).tagging;
    let filter = TagFilter::builder()
        .key(LINEAGE_TAG)
        .values(lineage)
        .build();
    let mut out = vec![];
    let mut token: Option<String> = None;
    loop {
        let page = client
            .get_resources()
            .tag_filters(filter.clone())
            .set_pagination_token(token.clone())
            .send()
            .await
            .ctx(&format!(
                "listing the objects tagged with this environment's lineage in {region}"
            ))?;
        for m in page.resource_tag_mapping_list() {
            let Some(arn) = m.resource_arn() else {
                continue;
            };
            let tags = m
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            out.push((arn.to_string(), tags));
        }
        // The last page answers an empty token.
        token = page
            .pagination_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// `arn` as the state records it: a log group's ARN without the `:*` its
/// APIs may add (once: a group's name holds no `:`). Any other ARN stays
/// whole, so an object named `NAME:*` (alarm names may hold `:` and `*`)
/// is never taken for `NAME`, nor its tags for `NAME`'s.
pub fn bare_arn(arn: &str) -> &str {
    let mut parts = arn.split(':');
    let group = parts.nth(2) == Some("logs") && parts.nth(2) == Some("log-group");
    match arn.strip_suffix(":*") {
        Some(bare) if group => bare,
        _ => arn,
    }
}

/// True when `arn` is the object `id`/`known_arn` of the state names.
pub fn is_object(arn: &str, id: &str, known_arn: Option<&str>) -> bool {
    let arn = bare_arn(arn);
    if known_arn.map(bare_arn) == Some(arn) || arn == id {
        return true;
    }
    if id.is_empty() {
        return false;
    }
    if arn.ends_with(&format!("/{id}")) || arn.ends_with(&format!(":{id}")) {
        return true;
    }
    // Composite ids (`api/stage`): every part is a segment of the ARN, in order.
    let segments: Vec<&str> = arn.split([':', '/']).collect();
    let parts: Vec<&str> = id
        .split(['/', ':', '|'])
        .filter(|p| !p.is_empty())
        .collect();
    let mut at = 0;
    parts.len() > 1
        && parts
            .iter()
            .all(|p| match segments[at..].iter().position(|s| s == p) {
                Some(i) => {
                    at += i + 1;
                    true
                }
                None => false,
            })
}

/// True for the copies AWS makes of managed objects, with their tags:
/// RDS and ElastiCache snapshots (automated, or kept before a replacement),
/// AWS Backup recovery points, DynamoDB backups. They are the data's
/// history, not untracked infrastructure.
fn is_copy(arn: &str) -> bool {
    [
        ":cluster-snapshot:",
        ":snapshot:",
        ":recovery-point:",
        "/backup/",
    ]
    .iter()
    .any(|p| arn.contains(p))
}

/// True when `arn` is a member AWS made for the object `id` and tagged
/// like it: an ElastiCache replication group's node clusters
/// (`cluster:<group>-001`).
fn is_member(arn: &str, id: &str) -> bool {
    !id.is_empty()
        && arn.starts_with("arn:")
        && arn.split(':').nth(2) == Some("elasticache")
        && arn
            .rsplit(':')
            .next()
            .and_then(|name| name.strip_prefix(&format!("{id}-")))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Drops the candidates that are on their way out: the tagging API lists a
/// KMS key pending deletion and a secret in its recovery window (both keep
/// their tags), and lags deletions by minutes to hours. Each is confirmed
/// with its own describe call; only candidates cost calls.
pub async fn confirmed(aws: &Aws, found: Vec<Untracked>) -> Vec<Untracked> {
    let mut out = vec![];
    for u in found {
        let service = u.arn.split(':').nth(2).unwrap_or_default();
        let alive = match service {
            "kms" => aws
                .region(&u.region)
                .kms
                .describe_key()
                .key_id(&u.arn)
                .send()
                .await
                .ok()
                .and_then(|o| o.key_metadata().and_then(|m| m.key_state()).cloned())
                .is_some_and(|s| {
                    !matches!(
                        s,
                        aws_sdk_kms::types::KeyState::PendingDeletion
                            | aws_sdk_kms::types::KeyState::PendingReplicaDeletion
                    )
                }),
            "secretsmanager" => aws
                .region(&u.region)
                .secretsmanager
                .describe_secret()
                .secret_id(&u.arn)
                .send()
                .await
                .is_ok_and(|s| s.deleted_date().is_none()),
            _ => true,
        };
        if alive {
            out.push(u);
        }
    }
    out
}

/// The objects of `found` (read in `region`) that no resource of `state`
/// is, in any region: some services (S3) list an object in every region.
pub fn untracked(state: &State, region: &str, found: Vec<Tagged>) -> Vec<Untracked> {
    let mine: Vec<(&str, Option<String>)> = state
        .resources
        .values()
        .map(|r| {
            let arn = r.outputs.get("arn");
            (
                r.id.as_str(),
                arn.and_then(|a| a.as_str().map(String::from)),
            )
        })
        .collect();
    found
        .into_iter()
        .filter(|(arn, _)| !is_copy(arn))
        .filter(|(arn, _)| {
            !mine
                .iter()
                .any(|(id, known)| is_object(arn, id, known.as_deref()) || is_member(arn, id))
        })
        .map(|(arn, tags)| Untracked {
            address: tags
                .iter()
                .find(|(k, _)| k == ADDRESS_TAG)
                .map(|(_, v)| v.clone()),
            arn,
            region: region.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{bare_arn, is_object};

    #[test]
    fn only_a_log_groups_arn_loses_its_star_and_only_once() {
        let group = "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/f";
        assert_eq!(bare_arn(&format!("{group}:*")), group);
        assert_eq!(bare_arn(group), group);
        // An alarm may be named `NAME:*`: a decoy so named is not `NAME`,
        // neither for its tags nor as the state's object.
        let alarm = "arn:aws:cloudwatch:us-east-1:1:alarm:errors";
        let decoy = format!("{alarm}:*");
        assert_eq!(bare_arn(&decoy), decoy);
        assert_eq!(bare_arn(&format!("{alarm}:*:*")), format!("{alarm}:*:*"));
        assert!(!is_object(&decoy, "errors", Some(alarm)));
        assert!(is_object(alarm, "errors", Some(alarm)));
    }

    #[test]
    fn arns_match_the_ids_they_end_with_or_spell_in_order() {
        let vpc = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1";
        assert!(is_object(vpc, "vpc-1", None));
        assert!(!is_object(vpc, "vpc-12", None));
        assert!(!is_object(vpc, "vpc", None));
        assert!(is_object("arn:aws:s3:::b-1", "b-1", None));
        assert!(is_object("arn:aws:logs:r:1:log-group:/a/b:*", "/a/b", None));
        assert!(is_object(
            "arn:aws:sns:r:1:t",
            "x",
            Some("arn:aws:sns:r:1:t")
        ));
        let stage = "arn:aws:apigateway:us-east-1::/restapis/abc/stages/prod";
        assert!(is_object(stage, "abc/prod", None));
        assert!(!is_object(stage, "prod/abc", None));
        assert!(!is_object(stage, "", None));
        assert!(super::is_copy(
            "arn:aws:rds:us-east-1:1:cluster-snapshot:rds:db-2026-12-01-21-57"
        ));
        assert!(!super::is_copy("arn:aws:rds:us-east-1:1:cluster:db"));
        let node = "arn:aws:elasticache:us-east-1:1:cluster:hc-redis-e2e-001";
        assert!(super::is_member(node, "hc-redis-e2e"));
        assert!(!super::is_member(node, "hc-redis"));
        assert!(!super::is_member(
            "arn:aws:rds:us-east-1:1:cluster:hc-redis-e2e-001",
            "hc-redis-e2e"
        ));
    }
}
