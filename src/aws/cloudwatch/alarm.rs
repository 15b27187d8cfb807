//! CloudWatch metric alarm: the name forces replacement; everything else
//! updates in place (PutMetricAlarm overwrites). Reads are batched: one
//! DescribeAlarms call reads up to 100 alarms.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_cloudwatch::types::{
    ComparisonOperator, Dimension, MetricAlarm, StandardUnit, Statistic, Tag,
};
use futures::StreamExt;
use serde_json::{json, Map, Value};

use crate::aws::attrs::{self, obj};
use crate::aws::error::{ignore_not_found, SdkResultExt};
use crate::aws::find;
use crate::aws::tags;
use crate::aws::Aws;
use crate::engine::resource::{Created, Ctx, ErrorClass, Observed, ResourceError, ResourceType};
use crate::engine::value::Attrs;

/// Most alarm names one DescribeAlarms call accepts.
pub const DESCRIBE_BATCH: usize = 100;

/// `cloudwatch_metric_alarm`.
pub struct Alarm(pub Arc<Aws>);

fn invalid(e: impl std::fmt::Display) -> ResourceError {
    ResourceError::new(
        ErrorClass::Invalid,
        "building CloudWatch alarm",
        e.to_string(),
    )
}

impl Alarm {
    async fn put(&self, ctx: &Ctx, a: &Attrs) -> Result<(), ResourceError> {
        let name = attrs::str(a, "alarm_name")?;
        let dims: Vec<Dimension> = a
            .get("dimensions")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                Dimension::builder()
                    .name(k)
                    .value(v.as_str().unwrap_or_default())
                    .build()
            })
            .collect();
        let tag_list: Vec<Tag> = tags::desired(a)
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect();
        self.0
            .region(&ctx.region)
            .cloudwatch
            .put_metric_alarm()
            .alarm_name(name)
            .alarm_description(attrs::str(a, "alarm_description")?)
            .comparison_operator(ComparisonOperator::from(attrs::str(
                a,
                "comparison_operator",
            )?))
            .evaluation_periods(attrs::int(a, "evaluation_periods")? as i32)
            .metric_name(attrs::str(a, "metric_name")?)
            .namespace(attrs::str(a, "namespace")?)
            .period(attrs::int(a, "period")? as i32)
            .statistic(Statistic::from(attrs::str(a, "statistic")?))
            .threshold(
                a.get("threshold")
                    .and_then(Value::as_f64)
                    .ok_or_else(|| invalid("attribute `threshold` must be a number"))?,
            )
            .set_dimensions(Some(dims))
            .set_alarm_actions(Some(attrs::strs(a, "alarm_actions")))
            // PutMetricAlarm replaces the whole alarm: what is not declared
            // goes back to CloudWatch's defaults.
            .actions_enabled(
                a.get("actions_enabled")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            )
            .set_ok_actions(Some(attrs::strs(a, "ok_actions")))
            .set_insufficient_data_actions(Some(attrs::strs(a, "insufficient_data_actions")))
            .set_unit(attrs::opt_str(a, "unit").map(StandardUnit::from))
            .set_datapoints_to_alarm(attrs::opt_int(a, "datapoints_to_alarm").map(|n| n as i32))
            .set_treat_missing_data(attrs::opt_str(a, "treat_missing_data").map(str::to_string))
            .set_tags(Some(tag_list))
            .send()
            .await
            .ctx(&format!("putting CloudWatch alarm ({name})"))?;
        Ok(())
    }

    /// The alarm `m` (none: not found) read with its tags.
    async fn tagged(
        &self,
        ctx: &Ctx,
        m: Option<&MetricAlarm>,
        recorded: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        let Some(m) = m else {
            return Ok(None);
        };
        let arn = m.alarm_arn().unwrap_or_default();
        let t = tags::cached_or(&self.0, arn, recorded, self.live_tags(ctx, arn)).await?;
        Ok(Some(observed(m, t)))
    }

    async fn live_tags(&self, ctx: &Ctx, arn: &str) -> Result<Value, ResourceError> {
        let t = self
            .0
            .region(&ctx.region)
            .cloudwatch
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .ctx(&format!("reading tags of CloudWatch alarm ({arn})"))?;
        Ok(tags::live(t.tags().iter().map(|t| {
            (t.key().unwrap_or_default(), t.value().unwrap_or_default())
        })))
    }
}

fn observed(m: &MetricAlarm, tags: Value) -> Observed {
    let dims: Map<String, Value> = m
        .dimensions()
        .iter()
        .map(|d| (d.name().unwrap_or_default().to_string(), json!(d.value())))
        .collect();
    let threshold = m.threshold().unwrap_or_default();
    Observed {
        attrs: obj(json!({
            "alarm_name": m.alarm_name(),
            "alarm_description": m.alarm_description().unwrap_or_default(),
            "comparison_operator": m.comparison_operator().map(|c| c.as_str()),
            "evaluation_periods": m.evaluation_periods(),
            "metric_name": m.metric_name(),
            "namespace": m.namespace(),
            "period": m.period(),
            "statistic": m.statistic().map(|s| s.as_str()),
            // Whole thresholds compare equal to the integers written in the blueprint.
            "threshold": if threshold.fract() == 0.0 { json!(threshold as i64) } else { json!(threshold) },
            "dimensions": dims,
            "alarm_actions": m.alarm_actions(),
            // An alarm whose actions are off pages nobody.
            "actions_enabled": m.actions_enabled().unwrap_or(true),
            "ok_actions": m.ok_actions(),
            "insufficient_data_actions": m.insufficient_data_actions(),
            "unit": m.unit().map(|u| u.as_str()),
            "datapoints_to_alarm": m.datapoints_to_alarm(),
            "treat_missing_data": m.treat_missing_data().unwrap_or("missing"),
            "tags": tags,
        })),
        outputs: obj(json!({ "arn": m.alarm_arn() })),
    }
}

#[async_trait]
impl ResourceType for Alarm {
    fn kind(&self) -> &'static str {
        "cloudwatch_metric_alarm"
    }

    fn replace_on(&self) -> &'static [&'static str] {
        &["alarm_name"]
    }

    fn batches_reads(&self) -> bool {
        true
    }

    async fn create(&self, ctx: &Ctx, a: &Attrs) -> Result<Created, ResourceError> {
        self.put(ctx, a).await?;
        let name = attrs::str(a, "alarm_name")?.to_string();
        let o = self
            .read(ctx, &name, a)
            .await?
            .map(|o| o.outputs)
            .unwrap_or_default();
        Ok(Created {
            id: name,
            outputs: o,
        })
    }

    async fn find(&self, _: &Ctx, _: &Attrs) -> Result<Vec<String>, ResourceError> {
        find::idempotent()
    }

    async fn read(
        &self,
        ctx: &Ctx,
        id: &str,
        a: &Attrs,
    ) -> Result<Option<Observed>, ResourceError> {
        self.read_many(ctx, &[(id.to_string(), a.clone())])
            .await
            .pop()
            .unwrap_or(Ok(None))
    }

    async fn read_many(
        &self,
        ctx: &Ctx,
        items: &[(String, Attrs)],
    ) -> Vec<Result<Option<Observed>, ResourceError>> {
        let mut found: HashMap<String, MetricAlarm> = HashMap::new();
        for chunk in items.chunks(DESCRIBE_BATCH) {
            let names: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
            let out = self
                .0
                .region(&ctx.region)
                .cloudwatch
                .describe_alarms()
                .set_alarm_names(Some(names))
                .max_records(100)
                .send()
                .await;
            match out.ctx("reading CloudWatch alarms") {
                Ok(o) => found.extend(
                    o.metric_alarms()
                        .iter()
                        .map(|m| (m.alarm_name().unwrap_or_default().to_string(), m.clone())),
                ),
                Err(e) => return items.iter().map(|_| Err(e.clone())).collect(),
            }
        }
        // Each alarm's tags, eight at a time: from the bulk tag read when
        // it shows what was recorded, else from the alarm's own listing.
        let reads: Vec<_> = items
            .iter()
            .map(|(id, recorded)| self.tagged(ctx, found.get(id), recorded))
            .collect();
        futures::stream::iter(reads).buffered(8).collect().await
    }

    async fn update(
        &self,
        ctx: &Ctx,
        id: &str,
        from: &Attrs,
        to: &Attrs,
    ) -> Result<Attrs, ResourceError> {
        let untagged = |a: &Attrs| {
            let mut a = a.clone();
            a.remove("tags");
            a
        };
        if untagged(from) != untagged(to) {
            self.put(ctx, to).await?;
        }
        // PutMetricAlarm ignores the tags of an existing alarm: they change
        // through TagResource and UntagResource only.
        if tags::changed(from, to) {
            let arn = self
                .0
                .arn("cloudwatch", &ctx.region, &format!("alarm:{id}"))
                .await?;
            let (cw, arn) = (&self.0.region(&ctx.region).cloudwatch, arn.as_str());
            tags::sync(
                from,
                to,
                |remove| async move {
                    cw.untag_resource()
                        .resource_arn(arn)
                        .set_tag_keys(Some(remove))
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!("untagging CloudWatch alarm ({id})"))
                },
                |set| async move {
                    let tags: Vec<Tag> = set
                        .into_iter()
                        .map(|(k, v)| Tag::builder().key(k).value(v).build())
                        .collect();
                    cw.tag_resource()
                        .resource_arn(arn)
                        .set_tags(Some(tags))
                        .send()
                        .await
                        .map(|_| ())
                        .ctx(&format!("tagging CloudWatch alarm ({id})"))
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
            .cloudwatch
            .delete_alarms()
            .alarm_names(id)
            .send()
            .await;
        ignore_not_found(
            r.map(|_| ())
                .ctx(&format!("deleting CloudWatch alarm ({id})")),
        )
    }
}
