"""Tests of the DR API handler with boto3 against moto, in-process."""

import json
import os
import uuid

import boto3
import pytest
from moto import mock_aws

import dr_api


@pytest.fixture
def dr(monkeypatch):
    for k, v in {"RECORDS_TABLE": "records-t", "AUDIT_TABLE": "audit-t", "DOCUMENTS_BUCKET": "docs-t", "REGION_ROLE": "secondary"}.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        monkeypatch.setenv("DOCUMENTS_KEY_ARN", boto3.client("kms").create_key()["KeyMetadata"]["Arn"])
        ddb = boto3.client("dynamodb")
        for name, key in [("records-t", "patient_id"), ("audit-t", "audit_id")]:
            ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                             KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
        boto3.client("s3").create_bucket(Bucket="docs-t")
        yield ddb


def call(method, path, body=None, user="arn:aws:iam::123456789012:user/doc"):
    route = "GET /health" if path == "/health" else "ANY /{proxy+}"
    return dr_api.handler({
        "routeKey": route, "rawPath": path, "body": body, "isBase64Encoded": False,
        "pathParameters": {"proxy": path.lstrip("/")},
        "requestContext": {"http": {"method": method}, "authorizer": {"iam": {"userArn": user}}},
    }, None)


def audit(ddb):
    return [{k: list(v.values())[0] for k, v in i.items()} for i in ddb.scan(TableName="audit-t")["Items"]]


def test_health_reports_the_region_and_dynamodb(dr, monkeypatch):
    r = call("GET", "/health")
    assert r["statusCode"] == 200 and json.loads(r["body"]) == {"region_role": "secondary", "dynamodb": "reachable"}
    monkeypatch.setenv("RECORDS_TABLE", "missing")
    r = call("GET", "/health")
    assert r["statusCode"] == 503 and json.loads(r["body"])["dynamodb"] == "unreachable"


def test_records_are_stored_read_and_audited(dr):
    r = call("POST", "/records", json.dumps({"name": "Ada"}))
    assert r["statusCode"] == 201
    pid = json.loads(r["body"])["id"]
    got = call("GET", f"/records/{pid}")
    assert got["statusCode"] == 200 and json.loads(got["body"])["record"] == {"name": "Ada"}
    actions = sorted((a["action"], a["subject"], a["caller"], a["region_role"]) for a in audit(dr))
    assert actions == [("create_record", pid, "arn:aws:iam::123456789012:user/doc", "secondary"),
                       ("read_record", pid, "arn:aws:iam::123456789012:user/doc", "secondary")]


def test_documents_go_to_the_bucket_encrypted(dr):
    r = call("PUT", "/documents/scan-1.pdf", "PDFDATA")
    assert r["statusCode"] == 201
    obj = boto3.client("s3").get_object(Bucket="docs-t", Key="documents/scan-1.pdf")
    assert obj["Body"].read() == b"PDFDATA" and obj["ServerSideEncryption"] == "aws:kms"
    assert obj["SSEKMSKeyId"] == os.environ["DOCUMENTS_KEY_ARN"], "the stack's key, not AWS's"
    assert call("PUT", "/documents/../etc", "x")["statusCode"] == 400
    assert call("PUT", "/documents/scan-2.pdf\n", "x")["statusCode"] == 400


def test_bad_requests_get_clear_answers(dr):
    assert call("POST", "/records", "{nope")["statusCode"] == 400
    assert call("POST", "/records", "[1]")["statusCode"] == 400
    assert call("GET", "/records/not-a-uuid")["statusCode"] == 400
    assert call("GET", f"/records/{uuid.uuid4()}")["statusCode"] == 404
    assert call("DELETE", "/records/x")["statusCode"] == 404
    assert audit(dr) == [], "nothing refused is audited as done"
