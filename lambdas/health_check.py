"""Reports whether the platform's DynamoDB table is reachable: 200 or 503."""

import json
import os

import boto3


def handler(event, context, dynamodb_client=None):
    """Health check handler."""
    client = dynamodb_client or boto3.client("dynamodb")
    status = {"environment": os.environ.get("ENVIRONMENT", "dev"), "status": "healthy", "checks": {}}
    try:
        table = client.describe_table(TableName=os.environ["DYNAMODB_TABLE"])["Table"]
        status["checks"]["dynamodb"] = "healthy" if table.get("TableStatus") == "ACTIVE" else "unhealthy"
    except Exception:  # noqa: BLE001 - any failure means unhealthy
        status["checks"]["dynamodb"] = "unhealthy"
    if status["checks"]["dynamodb"] != "healthy":
        status["status"] = "degraded"
    return {
        "statusCode": 200 if status["status"] == "healthy" else 503,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(status),
    }
