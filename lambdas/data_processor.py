"""Processes healthcare records posted to the API.

Validates the body, stores the record in DynamoDB only if no record with
that patient_id exists yet (a conditional write: nobody can overwrite a
patient's record through the API), and archives it to S3 under
patient-records/<patient_id>/<timestamp>.json with KMS encryption.
Answers 400 when fields are missing, 409 when the record exists, and 500
(without internals) on failure. The API requires IAM authorization
(SigV4-signed requests) before the function is invoked.
"""

import json
import logging
import os
from datetime import datetime, timezone

import boto3
from botocore.exceptions import ClientError

logger = logging.getLogger()
logger.setLevel(logging.INFO)

REQUIRED = ("patient_id", "patient_name", "medical_record")


def _response(status, body):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def _clients():
    return boto3.resource("dynamodb"), boto3.client("s3")


def handler(event, context, clients=None):
    """API Gateway proxy handler."""
    try:
        body = json.loads(event.get("body") or "{}")
    except (TypeError, ValueError):
        return _response(400, {"error": "Request body must be a JSON object"})
    if not isinstance(body, dict):
        return _response(400, {"error": "Request body must be a JSON object"})
    missing = [f for f in REQUIRED if not body.get(f)]
    if missing:
        return _response(400, {"error": "Missing required fields: " + ", ".join(missing)})

    patient_id = str(body["patient_id"])
    try:
        dynamodb, s3 = clients or _clients()
        timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        item = {
            "patient_id": patient_id,
            "patient_name": body["patient_name"],
            "medical_record": body["medical_record"],
            "created_at": timestamp,
            "environment": os.environ.get("ENVIRONMENT", "dev"),
        }
        try:
            dynamodb.Table(os.environ["DYNAMODB_TABLE"]).put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(patient_id)",
            )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return _response(409, {"error": "A record for this patient_id already exists"})
            raise
        key = f"patient-records/{patient_id}/{timestamp}.json"
        put = {
            "Bucket": os.environ["DATA_BUCKET"],
            "Key": key,
            "Body": json.dumps(item).encode(),
            "ServerSideEncryption": "aws:kms",
        }
        if os.environ.get("KMS_KEY_ID"):
            put["SSEKMSKeyId"] = os.environ["KMS_KEY_ID"]
        if os.environ.get("DATA_BUCKET_OWNER"):
            # Bucket names are global: never write patient data into a
            # same-named bucket of another account.
            put["ExpectedBucketOwner"] = os.environ["DATA_BUCKET_OWNER"]
        s3.put_object(**put)
    except Exception:  # noqa: BLE001 - never leak internals to the caller
        logger.exception("processing patient record failed")
        return _response(500, {"error": "Internal server error"})
    return _response(200, {"message": "Patient data processed successfully", "patient_id": patient_id, "s3_key": key})
