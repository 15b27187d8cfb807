"""Acts on CloudWatch alarm state changes delivered by EventBridge and
publishes a remediation metric (Healthcare/Remediation RemediationActions)."""

import json
import logging
import os

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

ACTIONS = (
    ("lambda-errors", "Lambda errors detected: restart function or scale resources"),
    ("lambda-throttles", "Lambda throttles detected: raise concurrency limits"),
    ("api-5xx", "API 5xx errors detected: check backend health"),
    ("api-4xx", "API 4xx errors detected: review client traffic"),
    ("dynamodb-read-throttle", "DynamoDB throttles detected: review capacity and queries"),
)


def plan_actions(alarm_name):
    """The remediation actions for an alarm name."""
    for marker, action in ACTIONS:
        if marker in alarm_name:
            return [action]
    return [f"Unknown alarm type: {alarm_name}"]


def handler(event, context, cloudwatch_client=None):
    """EventBridge handler for 'CloudWatch Alarm State Change' events."""
    detail = event.get("detail") or {}
    alarm = detail.get("alarmName", "Unknown")
    state = (detail.get("state") or {}).get("value", "UNKNOWN")
    if state != "ALARM":
        return {"statusCode": 200, "body": json.dumps({"message": "No remediation needed", "alarm": alarm})}
    actions = plan_actions(alarm)
    for a in actions:
        logger.info("remediation for %s: %s", alarm, a)
    try:
        (cloudwatch_client or boto3.client("cloudwatch")).put_metric_data(
            Namespace="Healthcare/Remediation",
            MetricData=[{
                "MetricName": "RemediationActions",
                "Value": len(actions),
                "Unit": "Count",
                "Dimensions": [
                    {"Name": "Environment", "Value": os.environ.get("ENVIRONMENT", "dev")},
                    {"Name": "AlarmName", "Value": alarm},
                ],
            }],
        )
    except Exception:  # noqa: BLE001
        logger.exception("publishing the remediation metric failed")
        return {"statusCode": 500, "body": json.dumps({"error": "Remediation failed"})}
    return {"statusCode": 200, "body": json.dumps({"message": "Remediation completed", "alarm": alarm, "actions": actions})}
