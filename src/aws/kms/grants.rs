//! A key's grants to other accounts. The key policy lets this account's
//! IAM policies grant use of the key, so a grant to a principal of this
//! account (and the grants AWS services make for themselves: DynamoDB,
//! RDS, Lambda, EBS) gives nothing IAM could not. A grant to another
//! account does: with a snapshot shared to that account, it reads every
//! store the key encrypts. Those are `foreign_grants`, held at none: drift
//! reports each, and apply revokes it.

use aws_sdk_kms::types::GrantListEntry;
use aws_sdk_kms::Client;

use crate::aws::all_pages;
use crate::aws::attrs;
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::engine::resource::ResourceError;
use crate::engine::value::Attrs;

/// The grants of key `id` to principals outside `account`, each as
/// `GRANT_ID: GRANTEE may OPERATIONS`, sorted.
pub async fn foreign(kms: &Client, id: &str, account: &str) -> Result<Vec<String>, ResourceError> {
    let grants = all_pages!(
        kms.list_grants().key_id(id),
        grants,
        &format!("reading the grants of KMS key ({id})")
    );
    let mut out: Vec<String> = grants
        .iter()
        .filter(|g| outside(grantee(g), account))
        .map(describe)
        .collect();
    out.sort();
    Ok(out)
}

/// True when `principal` (an ARN, or an account id) names an account
/// other than `account`. Service principals (`dynamodb.amazonaws.com`)
/// and anything else that names no account are not: a grant is revoked
/// only when it certainly reaches outside.
pub fn outside(principal: &str, account: &str) -> bool {
    let owner = if principal.starts_with("arn:") {
        principal.split(':').nth(4).unwrap_or_default()
    } else {
        principal
    };
    owner.len() == 12 && owner.bytes().all(|b| b.is_ascii_digit()) && owner != account
}

/// Who the grant is to: a principal, or a service (grants AWS services
/// make for themselves may name only the service).
fn grantee(g: &GrantListEntry) -> &str {
    g.grantee_principal()
        .or(g.grantee_service_principal())
        .unwrap_or_default()
}

fn describe(g: &GrantListEntry) -> String {
    let ops: Vec<&str> = g.operations().iter().map(|o| o.as_str()).collect();
    format!(
        "{}: {} may {}",
        g.grant_id().unwrap_or_default(),
        grantee(g),
        ops.join(",")
    )
}

/// Revokes the foreign grants `from` holds beyond `to`.
pub async fn revoke_extras(
    kms: &Client,
    id: &str,
    from: &Attrs,
    to: &Attrs,
) -> Result<(), ResourceError> {
    for grant in attrs::extras(from, to, "foreign_grants") {
        let grant_id = grant.split_once(':').map_or(grant.as_str(), |(g, _)| g);
        let r = kms
            .revoke_grant()
            .key_id(id)
            .grant_id(grant_id)
            .send()
            .await
            .ctx(&format!(
                "revoking grant {grant}, made outside hcprov, on KMS key ({id})"
            ));
        ignore_not_found(r.map(|_| ()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::outside;

    #[test]
    fn only_principals_of_another_account_are_outside() {
        let me = "111122223333";
        assert!(outside("arn:aws:iam::444455556666:root", me));
        assert!(outside("arn:aws:iam::444455556666:role/x", me));
        assert!(outside("444455556666", me));
        assert!(!outside("arn:aws:iam::111122223333:role/fn-role", me));
        assert!(!outside("dynamodb.us-east-1.amazonaws.com", me));
        assert!(!outside("rds.cn-north-1.amazonaws.com.cn", me));
        assert!(!outside(me, me));
        assert!(!outside("", me));
        // A role named like a service is still another account's role.
        assert!(outside(
            "arn:aws:iam::999988887777:role/x.amazonaws.com",
            me
        ));
        assert!(!outside("arn:aws:iam::aws:policy/x", me));
    }
}
