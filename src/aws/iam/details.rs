//! Every role of the account with its policies, in one paged
//! `GetAccountAuthorizationDetails` (roles only) per refresh, in place of
//! two lists per role and a read per inline policy. A role's own settings
//! that the answer leaves out (its session length) still come from GetRole.
//!
//! Only within a refresh (apply's reads after a change ask per role), and
//! only when the caller may ask: without
//! `iam:GetAccountAuthorizationDetails`, or for a role the answer does not
//! hold yet (IAM is eventually consistent), the reads ask per role.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_iam::types::{EntityType, RoleDetail};

use crate::aws::error::SdkResultExt;
use crate::aws::Aws;

/// The account's roles by name, as this refresh read them; `None` outside a
/// refresh, or when the account-wide read was refused.
async fn roles(aws: &Aws, region: &str) -> Option<Arc<HashMap<String, RoleDetail>>> {
    if !aws.memo.active() {
        return None;
    }
    let iam = &aws.region(region).iam;
    // IAM is global: one read serves every region's roles.
    let key = "iam:GetAccountAuthorizationDetails".to_string();
    let read = aws.memo.get(key, || async {
        let mut found = HashMap::new();
        let mut pages = iam
            .get_account_authorization_details()
            .filter(EntityType::Role)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page.ctx("reading the account's IAM roles") {
                Ok(p) => {
                    for r in p.role_detail_list() {
                        if let Some(name) = r.role_name() {
                            found.insert(name.to_string(), r.clone());
                        }
                    }
                }
                Err(e) => {
                    tracing::info!("{e}; reading each role on its own");
                    return Ok(None);
                }
            }
        }
        Ok(Some(Arc::new(found)))
    });
    read.await.ok().flatten()
}

/// The role `name` as this refresh read it, when it did.
pub async fn role(aws: &Aws, region: &str, name: &str) -> Option<RoleDetail> {
    roles(aws, region).await?.get(name).cloned()
}
