"""The healthcare DR API (platform multi-region-dr), one per region behind an
HTTP API (payload format 2.0).

GET  /health              unauthenticated: this region's role and whether its
                          DynamoDB replica answers (200, or 503 when not),
                          what Route 53's health checks call.
POST /records             stores a patient record in the global table (IAM).
GET  /records/{id}        reads one from this region's replica (IAM).
PUT  /documents/{id}      stores a document in this region's bucket under
                          documents/, SSE-KMS (IAM).

Every write is also written to the audit table. Nothing here names a region
or sets an AWS_* variable: Lambda provides the region.
"""

import base64
import json
import os
import re
import time
import uuid

import boto3
from botocore.config import Config

AWS_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})
MAX_BODY = 256 * 1024
DOCUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def _answer(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _ddb():
    return boto3.client("dynamodb", config=AWS_CONFIG)


def _audit(action, subject, event):
    caller = ((event.get("requestContext") or {}).get("authorizer") or {}).get("iam", {}).get("userArn", "unknown")
    _ddb().put_item(
        TableName=os.environ["AUDIT_TABLE"],
        Item={
            "audit_id": {"S": str(uuid.uuid4())},
            "action": {"S": action},
            "subject": {"S": subject},
            "caller": {"S": caller},
            "region_role": {"S": os.environ.get("REGION_ROLE", "?")},
            "at": {"N": str(int(time.time()))},
        },
    )


def _body(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw)
    else:
        raw = raw.encode()
    return raw


def health(event):
    try:
        _ddb().describe_table(TableName=os.environ["RECORDS_TABLE"])
        ok = True
    except Exception:
        ok = False
    return _answer(200 if ok else 503, {"region_role": os.environ.get("REGION_ROLE"), "dynamodb": "reachable" if ok else "unreachable"})


def create_record(event):
    raw = _body(event)
    if len(raw) > MAX_BODY:
        return _answer(413, {"error": "the record is too large"})
    try:
        record = json.loads(raw)
    except ValueError:
        return _answer(400, {"error": "the body must be a JSON object"})
    if not isinstance(record, dict) or not record:
        return _answer(400, {"error": "the body must be a non-empty JSON object"})
    pid = str(uuid.uuid4())
    _ddb().put_item(
        TableName=os.environ["RECORDS_TABLE"],
        Item={"patient_id": {"S": pid}, "record": {"S": json.dumps(record)}},
        ConditionExpression="attribute_not_exists(patient_id)",
    )
    _audit("create_record", pid, event)
    return _answer(201, {"id": pid})


def read_record(event):
    pid = (event.get("pathParameters") or {}).get("id", "")
    try:
        pid = str(uuid.UUID(pid))
    except ValueError:
        return _answer(400, {"error": "the record id must be a UUID"})
    item = _ddb().get_item(TableName=os.environ["RECORDS_TABLE"], Key={"patient_id": {"S": pid}}).get("Item")
    if not item:
        return _answer(404, {"error": "no such record"})
    _audit("read_record", pid, event)
    return _answer(200, {"id": pid, "record": json.loads(item["record"]["S"])})


def put_document(event):
    doc = (event.get("pathParameters") or {}).get("proxy", "").removeprefix("documents/")
    if not DOCUMENT_ID.fullmatch(doc):
        return _answer(400, {"error": "the document id must be 1-128 letters, digits, dots, dashes or underscores"})
    raw = _body(event)
    if not raw or len(raw) > MAX_BODY:
        return _answer(400, {"error": f"the document must be 1-{MAX_BODY} bytes"})
    key = f"documents/{doc}"
    boto3.client("s3", config=AWS_CONFIG).put_object(
        Bucket=os.environ["DOCUMENTS_BUCKET"], Key=key, Body=raw,
        # The stack's key, named: `aws:kms` alone would mean AWS's own S3 key.
        ServerSideEncryption="aws:kms", SSEKMSKeyId=os.environ["DOCUMENTS_KEY_ARN"],
    )
    _audit("put_document", key, event)
    return _answer(201, {"key": key})


def handler(event, context):
    route = event.get("routeKey", "")
    method = (event.get("requestContext") or {}).get("http", {}).get("method", "")
    path = event.get("rawPath", "")
    if route == "GET /health":
        return health(event)
    if route == "ANY /{proxy+}":
        if method == "POST" and path == "/records":
            return create_record(event)
        if method == "GET" and path.startswith("/records/"):
            event = {**event, "pathParameters": {"id": path.removeprefix("/records/")}}
            return read_record(event)
        if method == "PUT" and path.startswith("/documents/"):
            return put_document(event)
    return _answer(404, {"error": f"no route {method} {path}"})
