//! EventBridge resource types: rules and their targets.

#[cfg(test)]
pub mod audit;
mod rule;
mod target;

use std::sync::Arc;

use aws_sdk_eventbridge::operation::remove_targets::RemoveTargetsOutput;
use aws_sdk_eventbridge::types::Target;

use super::error::{ignore_not_found, SdkResultExt};
use super::Aws;
use crate::engine::resource::{ErrorClass, Registry, ResourceError};

/// Registers the EventBridge resource types.
pub fn register(r: &mut Registry, aws: &Arc<Aws>) {
    r.register(Arc::new(rule::Rule(aws.clone())));
    r.register(Arc::new(target::Target(aws.clone())));
}

/// RemoveTargets answers 200 with the targets it could not remove: the
/// first of them as an error. A rule already gone is fine.
pub(super) fn removed(
    r: Result<RemoveTargetsOutput, ResourceError>,
    rule: &str,
) -> Result<(), ResourceError> {
    let out = match r {
        Ok(out) => out,
        Err(e) => return ignore_not_found(Err(e)),
    };
    match out.failed_entries().first() {
        None => Ok(()),
        Some(f) => Err(ResourceError::new(
            ErrorClass::Other,
            format!(
                "removing target {} from EventBridge rule ({rule})",
                f.target_id().unwrap_or("?")
            ),
            f.error_message().unwrap_or("failed").to_string(),
        )),
    }
}

/// Every target of `rule` (`None`: no such rule), asked once per refresh:
/// the rule and its targets both read them.
pub(super) async fn targets(
    aws: &Aws,
    region: &str,
    rule: &str,
) -> Result<Option<Vec<Target>>, ResourceError> {
    let ev = &aws.region(region).events;
    let key = format!("{region}:events:ListTargetsByRule:{rule}");
    aws.memo
        .get(key, || async {
            let mut all = vec![];
            let mut token = None;
            loop {
                let page = ev
                    .list_targets_by_rule()
                    .rule(rule)
                    .set_next_token(token)
                    .send()
                    .await
                    .ctx(&format!("reading the targets of EventBridge rule ({rule})"));
                let page = match page {
                    Ok(p) => p,
                    Err(e) if e.is_not_found() => return Ok(None),
                    Err(e) => return Err(e),
                };
                all.extend(page.targets().iter().cloned());
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    return Ok(Some(all));
                }
            }
        })
        .await
}
