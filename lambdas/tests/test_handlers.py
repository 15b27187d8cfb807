"""Tests of the Lambda handlers with boto3 against moto, in-process."""

import json

import boto3
import pytest
from moto import mock_aws

import auto_remediation
import data_processor
import health_check


@pytest.fixture
def aws():
    with mock_aws():
        ddb = boto3.client("dynamodb")
        ddb.create_table(
            TableName="healthcare-patient-records-test",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "patient_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "patient_id", "AttributeType": "S"}],
        )
        boto3.client("s3").create_bucket(Bucket="healthcare-data-test")
        yield


def post(body):
    return {"body": json.dumps(body)}


def test_stores_record_and_archives_it_encrypted(aws):
    r = data_processor.handler(post({"patient_id": "p-1", "patient_name": "Ada", "medical_record": "ok"}), None)
    assert r["statusCode"] == 200
    body = json.loads(r["body"])
    item = boto3.resource("dynamodb").Table("healthcare-patient-records-test").get_item(Key={"patient_id": "p-1"})["Item"]
    assert item["patient_name"] == "Ada" and item["medical_record"] == "ok"
    key = body["s3_key"]
    assert key.startswith("patient-records/p-1/") and key.endswith(".json")
    obj = boto3.client("s3").get_object(Bucket="healthcare-data-test", Key=key)
    assert obj["ServerSideEncryption"] == "aws:kms"
    assert json.loads(obj["Body"].read())["patient_id"] == "p-1"


def test_an_existing_record_is_never_overwritten(aws):
    first = {"patient_id": "p-2", "patient_name": "Ada", "medical_record": "original"}
    assert data_processor.handler(post(first), None)["statusCode"] == 200
    again = dict(first, medical_record="tampered")
    r = data_processor.handler(post(again), None)
    assert r["statusCode"] == 409
    assert "already exists" in json.loads(r["body"])["error"]
    item = boto3.resource("dynamodb").Table("healthcare-patient-records-test").get_item(Key={"patient_id": "p-2"})["Item"]
    assert item["medical_record"] == "original"
    objs = boto3.client("s3").list_objects_v2(Bucket="healthcare-data-test", Prefix="patient-records/p-2/")
    assert objs["KeyCount"] == 1, "the refused write archived nothing"


@pytest.mark.parametrize("body", [{}, {"patient_id": "p"}, {"patient_id": "p", "patient_name": "n"}, {"patient_name": "n", "medical_record": "m"}])
def test_missing_fields_are_400_and_named(aws, body):
    r = data_processor.handler(post(body), None)
    assert r["statusCode"] == 400
    err = json.loads(r["body"])["error"]
    for f in data_processor.REQUIRED:
        assert (f in err) == (not body.get(f))


def test_malformed_body_is_400(aws):
    assert data_processor.handler({"body": "not json"}, None)["statusCode"] == 400
    assert data_processor.handler({"body": "[1]"}, None)["statusCode"] == 400


def test_failure_is_500_without_internals(aws, monkeypatch):
    monkeypatch.setenv("DYNAMODB_TABLE", "no-such-table-secret-name")
    r = data_processor.handler(post({"patient_id": "p", "patient_name": "n", "medical_record": "m"}), None)
    assert r["statusCode"] == 500
    assert json.loads(r["body"]) == {"error": "Internal server error"}
    assert "secret" not in r["body"]


def test_health_check_reports_200_then_503(aws, monkeypatch):
    r = health_check.handler({}, None)
    assert r["statusCode"] == 200
    assert json.loads(r["body"])["checks"]["dynamodb"] == "healthy"
    monkeypatch.setenv("DYNAMODB_TABLE", "missing")
    r = health_check.handler({}, None)
    assert r["statusCode"] == 503
    assert json.loads(r["body"])["status"] == "degraded"


def alarm_event(name, state="ALARM"):
    return {"detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch", "detail": {"alarmName": name, "state": {"value": state}}}


def test_remediation_acts_on_alarm_and_publishes_metric():
    with mock_aws():
        calls = []

        class Recorder:
            def put_metric_data(self, **kw):
                calls.append(kw)

        r = auto_remediation.handler(alarm_event("healthcare-lambda-errors-test"), None, Recorder())
        assert r["statusCode"] == 200
        assert "restart" in json.loads(r["body"])["actions"][0]
        (call,) = calls
        assert call["Namespace"] == "Healthcare/Remediation"
        datum = call["MetricData"][0]
        assert datum["MetricName"] == "RemediationActions" and datum["Value"] == 1
        assert {"Name": "AlarmName", "Value": "healthcare-lambda-errors-test"} in datum["Dimensions"]
        # The real client against moto accepts the same call.
        assert auto_remediation.handler(alarm_event("healthcare-api-5xx-test"), None)["statusCode"] == 200


def test_remediation_ignores_non_alarm_states():
    calls = []

    class Recorder:
        def put_metric_data(self, **kw):
            calls.append(kw)

    r = auto_remediation.handler(alarm_event("healthcare-api-5xx-test", "OK"), None, Recorder())
    assert r["statusCode"] == 200 and calls == []
    assert auto_remediation.plan_actions("something-else") == ["Unknown alarm type: something-else"]
