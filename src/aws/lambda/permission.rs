//! Lambda permission: one statement of a function's resource policy (every
//! attribute forces replacement). Its id is `function/statement_id`.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// `lambda_permission`.
pub struct Permission(pub Arc<Aws>);

fn split(id: &str) -> Result<(&str, &str), ResourceError> {
    id.rsplit_once('/').ok_or_else(|| {
        ResourceError::new(
            ErrorClass::Invalid,
            "reading Lambda permission",
            format!("malformed id {id:?}"),
        )
    })
}

#[async_trait]
impl ResourceType for Permission {
    fn kind(&self) -> &'static str {
        "lambda_permission"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &[
            "function_name",
            "statement_id",
            "action",
            "principal",
            "source_arn",
        ]
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        let (function, sid) = (
            attrs::str(a, "function_name")?,
            attrs::str(a, "statement_id")?,
        );
        self.0
            .region(&ctx.region)
            .lambda
            .add_permission()
            .function_name(function)
            .statement_id(sid)
            .action(attrs::str(a, "action")?)
            .principal(attrs::str(a, "principal")?)
            .source_arn(attrs::str(a, "source_arn")?)
            .send()
            .await
            .ctx(&format!(
                "adding permission {sid} to Lambda function ({function})"
            ))?;
        Ok(Created {
            id: format!("{function}/{sid}"),
            outputs: Attrs::new(),
        })
    }

    async fn find(&self, ctx: &Ctx, a: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::by_id(
            self,
            ctx,
            &find::joined(a, &["function_name", "statement_id"])?,
            a,
        )
        .await
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        prior: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let (function, sid) = split(id)?;
        let policy = super::policy::get(&self.0, &ctx.region, function).await?;
        let stmt = policy["Statement"]
            .as_array()
            .and_then(|s| s.iter().find(|x| x["Sid"] == sid))
            .cloned();
        Ok(stmt.map(|s| {
            let principal = s["Principal"]["Service"]
                .as_str()
                .or(s["Principal"].as_str())
                .unwrap_or_default()
                .to_string();
            let source = s["Condition"]["ArnLike"]["AWS:SourceArn"].clone();
            Observed {
                attrs: obj(json!({
                    "function_name": prior.get("function_name").cloned().unwrap_or(json!(function)),
                    "statement_id": sid,
                    "action": s["Action"],
                    "principal": principal,
                    "source_arn": source,
                })),
                outputs: Attrs::new(),
            }
        }))
    }

    async fn update(&self, _: &Ctx, _: &str, _: &Attrs, _: &Attrs) -> Result<Attrs, ResourceError> {
        Ok(Attrs::new())
    }

    async fn delete(&self, ctx: &Ctx, id: &str, _: &Attrs) -> Result<(), ResourceError> {
        let (function, sid) = split(id)?;
        let r = self
            .0
            .region(&ctx.region)
            .lambda
            .remove_permission()
            .function_name(function)
            .statement_id(sid)
            .send()
            .await;
        ignore_not_found(r.map(|_| ()).ctx(&format!(
            "removing permission {sid} from Lambda function ({function})"
        )))
    }
}
