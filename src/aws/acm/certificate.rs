//! ACM certificate with DNS validation. The domain names force
//! replacement; tags update in place. Outputs the CNAME ACM wants for each
//! name (`validation_records`), which `route53_record` nodes create; an
//! `acm_certificate_validation` node waits for the certificate to be
//! issued. Its id is the certificate ARN.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_acm::types::{CertificateDetail, Tag, ValidationMethod};
use serde_json::{json, Value};

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::retry::{retry_when, wait_until, Budget, Poll, Waiter};
use crate::engine::value::Attrs;

/// ACM fills in the validation records a few seconds after the request.
const RECORDS: Waiter = Waiter {
    name: "ACM to publish the certificate's validation records",
    timeout: Duration::from_secs(300),
    interval: Duration::from_secs(2),
};

/// A certificate still attached to an API Gateway domain being deleted is
/// `ResourceInUseException` for a while.
const IN_USE: Budget = Budget {
    name: "acm-certificate-in-use",
    max_elapsed: Duration::from_secs(600),
    initial: Duration::from_secs(5),
    max_delay: Duration::from_secs(30),
};

/// `acm_certificate`.
pub struct Certificate(pub Arc<Aws>);

fn invalid(e: impl std::fmt::Display) -> ResourceError {
    ResourceError::new(ErrorClass::Invalid, "building ACM tags", e.to_string())
}

/// The validation CNAME of each name of `c` (the domain name first, then
/// the alternative names in order), once ACM has them all: as a list, and
/// flat (`validation_record_<i>_name`, `_type`, `_value`) for references.
fn records(c: &CertificateDetail) -> Option<Attrs> {
    let opts = c.domain_validation_options();
    if opts.is_empty() {
        return None;
    }
    let mut names = vec![c.domain_name().unwrap_or_default().to_string()];
    names.extend(
        c.subject_alternative_names()
            .iter()
            .filter(|n| Some(n.as_str()) != c.domain_name())
            .cloned(),
    );
    let mut out = Attrs::new();
    let mut list = vec![];
    for (i, n) in names.iter().enumerate() {
        let r = opts
            .iter()
            .find(|o| o.domain_name() == n)?
            .resource_record()?;
        let (name, kind, value) = (
            r.name().trim_end_matches('.').to_string(),
            r.r#type().as_str().to_string(),
            r.value().to_string(),
        );
        out.insert(format!("validation_record_{i}_name"), json!(name));
        out.insert(format!("validation_record_{i}_type"), json!(kind));
        out.insert(format!("validation_record_{i}_value"), json!(value));
        list.push(json!({"domain": n, "name": name, "type": kind, "value": value}));
    }
    out.insert("validation_records".into(), Value::Array(list));
    Some(out)
}

impl Certificate {
    async fn describe(
        &self,
        ctx: &Ctx,
        arn: &str,
    ) -> Result<Option<CertificateDetail>, ResourceError> {
        let out = not_found_to_none(
            self.0
                .region(&ctx.region)
                .acm
                .describe_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .ctx(&format!("reading ACM certificate ({arn})")),
        )?;
        Ok(out.and_then(|o| o.certificate().cloned()))
    }
}

#[async_trait]
impl ResourceType for Certificate {
    fn kind(&self) -> &'static str {
        "acm_certificate"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["domain_name", "subject_alternative_names"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let acm = &self.0.region(&ctx.region).acm;
        let domain = attrs::str(a, "domain_name")?;
        let tags: Result<Vec<Tag>, _> = tags::desired(a)
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        // The idempotency token makes a re-sent request the same certificate.
        let token: String = ctx
            .token()
            .unwrap_or_default()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .take(32)
            .collect();
        let out = acm
            .request_certificate()
            .domain_name(domain)
            .set_subject_alternative_names(
                Some(attrs::strs(a, "subject_alternative_names")).filter(|v| !v.is_empty()),
            )
            .validation_method(ValidationMethod::Dns)
            .set_idempotency_token((!token.is_empty()).then_some(token))
            .set_tags(Some(tags.map_err(invalid)?))
            .send()
            .await
            .ctx(&format!("requesting ACM certificate ({domain})"))?;
        let arn = out.certificate_arn().unwrap_or_default().to_string();
        let mut outputs = wait_until(ctx, &RECORDS, || async {
            Ok(
                match self.describe(ctx, &arn).await?.as_ref().and_then(records) {
                    Some(r) => Poll::Ready(r),
                    None => Poll::Pending("no validation records yet".into()),
                },
            )
        })
        .await?;
        outputs.insert("arn".into(), json!(arn));
        Ok(Created { outputs, id: arn })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        let acm = &self.0.region(&ctx.region).acm;
        let domain = attrs::str(a, "domain_name")?;
        let want = tags::identity(a);
        let mut found = vec![];
        let mut pages = acm.list_certificates().into_paginator().send();
        while let Some(page) = pages.next().await {
            for c in page
                .ctx("looking for ACM certificates")?
                .certificate_summary_list()
            {
                let Some(arn) = c
                    .certificate_arn()
                    .filter(|_| c.domain_name() == Some(domain))
                else {
                    continue;
                };
                let t = acm
                    .list_tags_for_certificate()
                    .certificate_arn(arn)
                    .send()
                    .await
                    .ctx("reading ACM certificate tags")?;
                let have: Vec<(String, String)> = t
                    .tags()
                    .iter()
                    .map(|t| {
                        (
                            t.key().to_string(),
                            t.value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect();
                if want.iter().all(|w| have.contains(w)) && !want.is_empty() {
                    found.push(arn.to_string());
                }
            }
        }
        Ok(found)
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let Some(c) = self.describe(ctx, id).await? else {
            return Ok(None);
        };
        let t = self
            .0
            .region(&ctx.region)
            .acm
            .list_tags_for_certificate()
            .certificate_arn(id)
            .send()
            .await
            .ctx(&format!("reading tags of ACM certificate ({id})"))?;
        let domain = c.domain_name().unwrap_or_default();
        let mut sans: Vec<String> = c
            .subject_alternative_names()
            .iter()
            .filter(|n| n.as_str() != domain)
            .cloned()
            .collect();
        sans.sort();
        Ok(Some(Observed {
            attrs: obj(json!({
                "domain_name": domain,
                "subject_alternative_names": sans,
                "tags": tags::live(t.tags().iter().map(|t| (t.key(), t.value().unwrap_or_default()))),
            })),
            outputs: {
                let mut o = records(&c).unwrap_or_default();
                o.insert("arn".into(), json!(id));
                o
            },
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let acm = &self.0.region(&ctx.region).acm;
        tags::sync(
            from,
            to,
            |remove| async move {
                let keys: Result<Vec<Tag>, _> = remove
                    .into_iter()
                    .map(|k| Tag::builder().key(k).build())
                    .collect();
                acm.remove_tags_from_certificate()
                    .certificate_arn(id)
                    .set_tags(Some(keys.map_err(invalid)?))
                    .send()
                    .await
                    .ctx(&format!("untagging ACM certificate ({id})"))
                    .map(|_| ())
            },
            |set| async move {
                let tags: Result<Vec<Tag>, _> = set
                    .into_iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect();
                acm.add_tags_to_certificate()
                    .certificate_arn(id)
                    .set_tags(Some(tags.map_err(invalid)?))
                    .send()
                    .await
                    .ctx(&format!("tagging ACM certificate ({id})"))
                    .map(|_| ())
            },
        )
        .await?;
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let acm = &self.0.region(&ctx.region).acm;
        ignore_not_found(
            retry_when(
                ctx,
                &IN_USE,
                |e| e.code.as_deref() == Some("ResourceInUseException"),
                || async {
                    acm.delete_certificate()
                        .certificate_arn(id)
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!("deleting ACM certificate ({id})"))
                },
            )
            .await,
        )
    }
}
