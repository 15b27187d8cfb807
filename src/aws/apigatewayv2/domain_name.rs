//! API Gateway v2 custom domain name (regional, with an ACM certificate and
//! a TLS 1.2 policy). The name forces replacement; the certificate, the
//! security policy and tags update in place. Outputs the regional target
//! name and zone id that Route 53 aliases point at. Its id is the name.

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_apigatewayv2::types::{DomainNameConfiguration, EndpointType, SecurityPolicy};
use serde_json::json;

use super::{arn, sync_tags};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `apigatewayv2_domain_name`.
pub struct DomainName(pub Arc<Aws>);

fn configuration(a: &Attrs) -> Result<DomainNameConfiguration, ResourceError> {
    Ok(DomainNameConfiguration::builder()
        .certificate_arn(attrs::str(a, "certificate_arn")?)
        .endpoint_type(EndpointType::from(attrs::str(a, "endpoint_type")?))
        .security_policy(SecurityPolicy::from(attrs::str(a, "security_policy")?))
        .set_ip_address_type(attrs::opt_str(a, "ip_address_type").map(Into::into))
        .build())
}

fn outputs(c: Option<&DomainNameConfiguration>) -> Attrs {
    obj(json!({
        "target_domain_name": c.and_then(|c| c.api_gateway_domain_name()),
        "hosted_zone_id": c.and_then(|c| c.hosted_zone_id()),
    }))
}

#[async_trait]
impl ResourceType for DomainName {
    fn kind(&self) -> &'static str {
        "apigatewayv2_domain_name"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["domain_name", "endpoint_type"]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let name = attrs::str(a, "domain_name")?;
        let out = self
            .0
            .region(&ctx.region)
            .apigatewayv2
            .create_domain_name()
            .domain_name(name)
            .domain_name_configurations(configuration(a)?)
            .set_tags(Some(tags::desired(a).into_iter().collect()))
            .send()
            .await
            .ctx(&format!("creating API Gateway domain name ({name})"))?;
        Ok(Created {
            id: name.to_string(),
            outputs: outputs(out.domain_name_configurations().first()),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "domain_name")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        _: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let Some(d) = not_found_to_none(
            client
                .get_domain_name()
                .domain_name(id)
                .send()
                .await
                .ctx(&format!("reading API Gateway domain name ({id})")),
        )?
        else {
            return Ok(None);
        };
        let c = d.domain_name_configurations().first();
        Ok(Some(Observed {
            attrs: obj(json!({
                "domain_name": d.domain_name(),
                "certificate_arn": c.and_then(|c| c.certificate_arn()),
                "endpoint_type": c.and_then(|c| c.endpoint_type()).map(|e| e.as_str()),
                "security_policy": c.and_then(|c| c.security_policy()).map(|p| p.as_str()),
                "ip_address_type": c.and_then(|c| c.ip_address_type()).map_or("ipv4", |t| t.as_str()),
                // A truststore makes every client present a certificate;
                // routing rules decide instead of the declared mappings.
                "mutual_tls_authentication": d.mutual_tls_authentication()
                    .and_then(|m| m.truststore_uri())
                    .map(|u| json!({"truststore_uri": u, "truststore_version": d.mutual_tls_authentication().and_then(|m| m.truststore_version())})),
                "routing_mode": d.routing_mode().map_or("API_MAPPING_ONLY", |r| r.as_str()),
                "tags": tags::live(d.tags().into_iter().flatten()),
            })),
            outputs: outputs(c),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let client = &self.0.region(&ctx.region).apigatewayv2;
        let differs = |k: &str| attrs::differs(from, to, k);
        if from.get("certificate_arn") != to.get("certificate_arn")
            || from.get("security_policy") != to.get("security_policy")
            || differs("ip_address_type")
            || differs("mutual_tls_authentication")
            || differs("routing_mode")
        {
            // An empty truststore URI takes mutual TLS off.
            let mtls = differs("mutual_tls_authentication").then(|| {
                let m = to.get("mutual_tls_authentication");
                aws_sdk_apigatewayv2::types::MutualTlsAuthenticationInput::builder()
                    .truststore_uri(
                        m.and_then(|m| m["truststore_uri"].as_str())
                            .unwrap_or_default(),
                    )
                    .set_truststore_version(
                        m.and_then(|m| m["truststore_version"].as_str())
                            .map(str::to_string),
                    )
                    .build()
            });
            client
                .update_domain_name()
                .domain_name(id)
                .domain_name_configurations(configuration(to)?)
                .set_mutual_tls_authentication(mtls)
                .set_routing_mode(attrs::opt_str(to, "routing_mode").map(Into::into))
                .send()
                .await
                .ctx(&format!("updating API Gateway domain name ({id})"))?;
        }
        if tags::changed(from, to) {
            let arn = arn(&self.0, &ctx.region, &format!("/domainnames/{id}")).await?;
            sync_tags(
                client,
                &arn,
                from,
                to,
                &format!("API Gateway domain name ({id})"),
            )
            .await?;
        }
        Ok(self
            .read(ctx, id, to)
            .await?
            .map(|o| o.outputs)
            .unwrap_or_default())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let client = &self.0.region(&ctx.region).apigatewayv2;
        ignore_not_found(
            client
                .delete_domain_name()
                .domain_name(id)
                .send()
                .await
                .map(|_| ())
                .ctx(&format!("deleting API Gateway domain name ({id})")),
        )
    }
}
