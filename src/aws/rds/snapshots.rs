//! The cluster's manual snapshots shared beyond the account. A snapshot
//! another account may restore (or everyone: `all`) hands that account the
//! whole database; with a grant on the key it can read it. The stack
//! shares none, so `shared_snapshots` is held at none: drift reports each
//! shared snapshot with who may restore it, and apply withdraws the share
//! (the snapshot itself stays: it may be someone's restore point).

use aws_sdk_rds::Client;

use crate::aws::all_pages;
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The manual snapshots of `cluster` that others may restore, each as
/// `SNAPSHOT: ACCOUNT,...`, sorted.
pub async fn shared(rds: &Client, cluster: &str) -> Result<Vec<String>, ResourceError> {
    let snapshots = all_pages!(
        rds.describe_db_cluster_snapshots()
            .db_cluster_identifier(cluster)
            .snapshot_type("manual"),
        db_cluster_snapshots,
        &format!("reading the manual snapshots of RDS cluster ({cluster})")
    );
    let ids = snapshots
        .iter()
        .filter_map(|s| s.db_cluster_snapshot_identifier().map(str::to_string));
    let mut out = vec![];
    for id in ids {
        let r = rds
            .describe_db_cluster_snapshot_attributes()
            .db_cluster_snapshot_identifier(&id)
            .send()
            .await
            .ctx(&format!(
                "reading who may restore RDS cluster snapshot ({id})"
            ));
        // Deleted between the two calls: nothing is shared.
        let Some(r) = crate::aws::error::not_found_to_none(r)? else {
            continue;
        };
        let who: Vec<&str> = r
            .db_cluster_snapshot_attributes_result()
            .map(|a| a.db_cluster_snapshot_attributes())
            .unwrap_or_default()
            .iter()
            .filter(|a| a.attribute_name() == Some("restore"))
            .flat_map(|a| a.attribute_values().iter().map(String::as_str))
            .collect();
        if !who.is_empty() {
            out.push(format!("{id}: {}", who.join(",")));
        }
    }
    out.sort();
    Ok(out)
}

/// Withdraws the shares `from` holds beyond `to`.
pub async fn unshare_extras(rds: &Client, from: &Attrs, to: &Attrs) -> Result<(), ResourceError> {
    for s in attrs::extras(from, to, "shared_snapshots") {
        let Some((id, who)) = s.split_once(": ") else {
            continue;
        };
        let r = rds
            .modify_db_cluster_snapshot_attribute()
            .db_cluster_snapshot_identifier(id)
            .attribute_name("restore")
            .set_values_to_remove(Some(who.split(',').map(str::to_string).collect()))
            .send()
            .await
            .ctx(&format!(
                "withdrawing the share of RDS cluster snapshot ({id}) with {who}, made outside hcprov"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}
