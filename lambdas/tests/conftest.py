import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))


@pytest.fixture(autouse=True)
def aws_env(monkeypatch):
    """Dummy credentials and a region: moto intercepts every call in-process."""
    for k, v in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "ENVIRONMENT": "test",
        "DATA_BUCKET": "healthcare-data-test",
        "DYNAMODB_TABLE": "healthcare-patient-records-test",
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
