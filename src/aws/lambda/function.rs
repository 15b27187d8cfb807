//! Lambda function: the name forces replacement; code (by hash), role,
//! handler, runtime, memory, timeout, environment, VPC config and tags
//! update in place. Creating a function right after its role retries the
//! "role cannot be assumed" class of error within a named budget.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Environment, FunctionCode, LastUpdateStatus, Runtime, State, VpcConfig,
};
use serde_json::{json, Map, Value};

use super::package::{package_with, Package};
use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, not_found_to_none, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::transient;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::retry::{wait_until, Poll, Waiter};
use crate::engine::value::Attrs;

/// Waiting for a function to become Active or finish an update.
pub const READY: Waiter = Waiter {
    name: "Lambda function to be ready",
    timeout: Duration::from_secs(600),
    interval: Duration::from_secs(2),
};

/// `lambda_function`.
pub struct Function(pub Arc<Aws>);

/// Config attributes updated by UpdateFunctionConfiguration.
const CONFIG: &[&str] = &[
    "role",
    "handler",
    "runtime",
    "timeout",
    "memory_size",
    "environment",
    "vpc_config",
];

fn load(aws: &Aws, a: &Attrs) -> Result<Package, ResourceError> {
    let files: Vec<PathBuf> = attrs::strs(a, "source_files")
        .into_iter()
        .map(PathBuf::from)
        .collect();
    let dir = files
        .first()
        .and_then(|f| f.parent())
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let root = aws.lambda_source.as_deref().ok_or_else(|| {
        ResourceError::new(
            ErrorClass::Invalid,
            format!("packaging Lambda source {dir}"),
            "no Lambda handler directory is configured (`[compute] lambda_source`)",
        )
    })?;
    let deps = attrs::opt_str(a, "source_deps").map(PathBuf::from);
    let p = package_with(root, &files, deps.as_deref()).map_err(|e| {
        ResourceError::new(
            ErrorClass::Invalid,
            format!("packaging Lambda source {dir}"),
            e.to_string(),
        )
    })?;
    let want = attrs::str(a, "source_code_hash")?;
    if p.sha256 != want {
        return Err(ResourceError::new(
            ErrorClass::Invalid,
            format!("packaging Lambda source {dir}"),
            format!("the source changed since the plan was made (hash {} now, {want} planned); run `hcprov plan` again", p.sha256),
        ));
    }
    Ok(p)
}

fn env(a: &Attrs) -> Environment {
    let vars = a.get("environment").and_then(Value::as_object).map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect()
    });
    Environment::builder().set_variables(vars).build()
}

fn vpc(a: &Attrs) -> VpcConfig {
    let v = a
        .get("vpc_config")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    VpcConfig::builder()
        .set_subnet_ids(Some(attrs::strs(&v, "subnet_ids")))
        .set_security_group_ids(Some(attrs::strs(&v, "security_group_ids")))
        .set_ipv6_allowed_for_dual_stack(
            v.get("ipv6_allowed_for_dual_stack")
                .and_then(Value::as_bool),
        )
        .build()
}

fn outputs(region: &str, arn: &str) -> Attrs {
    obj(json!({
        "arn": arn,
        "invoke_arn": format!(
            "arn:{}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
            crate::aws::partition_of_region(region)
        ),
    }))
}

async fn wait_ready(
    ctx: &Ctx,
    lambda: &aws_sdk_lambda::Client,
    name: &str,
) -> Result<(), ResourceError> {
    wait_until(ctx, &READY, || async {
        let c = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .ctx(&format!("reading Lambda function ({name})"))?;
        Ok(match (c.state(), c.last_update_status()) {
            (Some(State::Failed), _) | (_, Some(LastUpdateStatus::Failed)) => {
                return Err(ResourceError::new(
                    ErrorClass::Other,
                    format!("waiting for Lambda function ({name})"),
                    c.state_reason().unwrap_or("failed").to_string(),
                ))
            }
            (Some(State::Pending), _) | (_, Some(LastUpdateStatus::InProgress)) => {
                Poll::Pending("pending".into())
            }
            _ => Poll::Ready(()),
        })
    })
    .await
}

#[async_trait]
impl ResourceType for Function {
    fn kind(&self) -> &'static str {
        "lambda_function"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        // Lambda has no way back off managed instances or durable
        // execution in place: a function moved there is made again.
        &[
            "function_name",
            "capacity_provider_config",
            "durable_config",
        ]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let lambda = &self.0.region(&ctx.region).lambda;
        let name = attrs::str(a, "function_name")?;
        let code = load(&self.0, a)?;
        let out = transient::call(ctx, "lambda", "CreateFunction", || async {
            let mut req = lambda
                .create_function()
                .function_name(name)
                .role(attrs::str(a, "role")?)
                .handler(attrs::str(a, "handler")?)
                .runtime(Runtime::from(attrs::str(a, "runtime")?))
                .timeout(attrs::int(a, "timeout")? as i32)
                .memory_size(attrs::int(a, "memory_size")? as i32)
                .environment(env(a))
                .code(
                    FunctionCode::builder()
                        .zip_file(Blob::new(code.bytes.clone()))
                        .build(),
                )
                .set_tags(Some(tags::desired(a).into_iter().collect()));
            if a.get("vpc_config").is_some_and(Value::is_object) {
                req = req.vpc_config(vpc(a));
            }
            req.send()
                .await
                .ctx(&format!("creating Lambda function ({name})"))
        })
        .await?;
        wait_ready(ctx, lambda, name).await?;
        Ok(Created {
            id: name.to_string(),
            outputs: outputs(&ctx.region, out.function_arn().unwrap_or_default()),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(self, ctx, attrs::str(a, "function_name")?, a).await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let lambda = &self.0.region(&ctx.region).lambda;
        let Some(f) = not_found_to_none(
            lambda
                .get_function()
                .function_name(id)
                .send()
                .await
                .ctx(&format!("reading Lambda function ({id})")),
        )?
        else {
            return Ok(None);
        };
        let Some(c) = f.configuration() else {
            return Ok(None);
        };
        // The policy, versions, aliases and URL at once: one round trip.
        let (policy, qualifiers) = tokio::join!(
            super::policy::get(&self.0, &ctx.region, id),
            super::qualifiers::observe(lambda, id, prior),
        );
        let sids = super::policy::sids(&policy?);
        let vars: Map<String, Value> = c
            .environment()
            .and_then(|e| e.variables())
            .map(|m| m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
            .unwrap_or_default();
        let prior_vpc = prior.get("vpc_config");
        let vpc = c.vpc_config().filter(|v| !v.subnet_ids().is_empty()).map_or(Value::Null, |v| {
            json!({
                "subnet_ids": attrs::as_set(v.subnet_ids().to_vec(), prior_vpc.and_then(|p| p.get("subnet_ids"))),
                "security_group_ids": attrs::as_set(v.security_group_ids().to_vec(), prior_vpc.and_then(|p| p.get("security_group_ids"))),
                "ipv6_allowed_for_dual_stack": v.ipv6_allowed_for_dual_stack().unwrap_or(false),
            })
        });
        let arn = c.function_arn().unwrap_or_default().to_string();
        let mut attrs = obj(super::function_extras::observe(&f, id));
        attrs.extend(obj(qualifiers?));
        attrs.extend(obj(json!({
                "function_name": id,
                "role": c.role(),
                "handler": c.handler(),
                "runtime": c.runtime().map(|r| r.as_str()),
                "timeout": c.timeout(),
                "memory_size": c.memory_size(),
                "environment": vars,
                "vpc_config": vpc,
                // Where the source lives is hcprov's business, not Lambda's.
                "source_files": prior.get("source_files").cloned().unwrap_or(Value::Null),
                "source_deps": prior.get("source_deps").cloned().unwrap_or(Value::Null),
                "source_code_hash": c.code_sha256(),
                "permission_sids": attrs::owned_set(sids, prior.get("permission_sids")),
                "tags": tags::live(f.tags().into_iter().flatten()),
        })));
        Ok(Some(Observed {
            attrs,
            outputs: outputs(&ctx.region, &arn),
        }))
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let lambda = &self.0.region(&ctx.region).lambda;
        super::policy::remove_extras(lambda, id, from, to).await?;
        // The package is uploaded again to change the key it is kept with.
        if from.get("source_code_hash") != to.get("source_code_hash")
            || (to.contains_key("source_kms_key_arn")
                && from.get("source_kms_key_arn") != to.get("source_kms_key_arn"))
        {
            let code = load(&self.0, to)?;
            lambda
                .update_function_code()
                .function_name(id)
                .set_source_kms_key_arn(
                    attrs::opt_str(to, "source_kms_key_arn").map(str::to_string),
                )
                .zip_file(Blob::new(code.bytes))
                .send()
                .await
                .ctx(&format!("updating code of Lambda function ({id})"))?;
            wait_ready(ctx, lambda, id).await?;
        }
        if CONFIG.iter().any(|k| from.get(*k) != to.get(*k))
            || super::function_extras::config_changed(from, to)
        {
            transient::call(ctx, "lambda", "UpdateFunctionConfiguration", || async {
                let req = lambda.update_function_configuration().function_name(id);
                super::function_extras::with_config(req, to)
                    .role(attrs::str(to, "role")?)
                    .handler(attrs::str(to, "handler")?)
                    .runtime(Runtime::from(attrs::str(to, "runtime")?))
                    .timeout(attrs::int(to, "timeout")? as i32)
                    .memory_size(attrs::int(to, "memory_size")? as i32)
                    .environment(env(to))
                    .vpc_config(vpc(to))
                    .send()
                    .await
                    .ctx(&format!("updating configuration of Lambda function ({id})"))
            })
            .await?;
            wait_ready(ctx, lambda, id).await?;
        }
        super::function_extras::restore_concurrency(ctx, lambda, id, from, to).await?;
        super::qualifiers::restore(lambda, id, from, to).await?;
        if tags::changed(from, to) {
            let arn = lambda
                .get_function_configuration()
                .function_name(id)
                .send()
                .await
                .ctx(&format!("reading Lambda function ({id})"))?;
            let arn = arn.function_arn().unwrap_or_default();
            tags::sync(
                from,
                to,
                |remove| async move {
                    lambda
                        .untag_resource()
                        .resource(arn)
                        .set_tag_keys(Some(remove))
                        .send()
                        .await
                        .ctx(&format!("untagging Lambda function ({id})"))
                        .map(|_| ())
                },
                |set| async move {
                    lambda
                        .tag_resource()
                        .resource(arn)
                        .set_tags(Some(set.into_iter().collect()))
                        .send()
                        .await
                        .ctx(&format!("tagging Lambda function ({id})"))
                        .map(|_| ())
                },
            )
            .await?;
        }
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let r = self
            .0
            .region(&ctx.region)
            .lambda
            .delete_function()
            .function_name(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting Lambda function ({id})")),
        )
    }
}
