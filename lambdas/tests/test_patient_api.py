"""The patient-records handler against a real PostgreSQL and a real Redis,
both requiring TLS and a password (lambdas/tests/servers.py), with its
credentials in Secrets Manager (moto, in-process)."""

import json
import os
import ssl
import sys
import tempfile
import uuid

import boto3
import pytest
from moto import mock_aws

# What hcprov packages with the handler (lambdas/vendor.sh installs it).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "vendor"))

import pg8000.native  # noqa: E402
import redis  # noqa: E402

import patient_api  # noqa: E402
from servers import Postgres, Redis, make_certs  # noqa: E402

DB_PASSWORD = "pg-" + uuid.uuid4().hex
REDIS_TOKEN = "rt" + uuid.uuid4().hex * 2


@pytest.fixture(scope="module")
def servers():
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        certs = make_certs(d)
        pg = Postgres(d, certs, "hcadmin", DB_PASSWORD, "patients")
        rd = Redis(certs, REDIS_TOKEN)
        try:
            yield certs[0], pg, rd
        finally:
            pg.stop()
            rd.stop()


@pytest.fixture
def api(servers, monkeypatch):
    ca, pg, rd = servers
    with mock_aws():
        sm = boto3.client("secretsmanager")
        db_arn = sm.create_secret(Name="rds!cluster-test", SecretString=json.dumps({"username": "hcadmin", "password": DB_PASSWORD}))["ARN"]
        redis_arn = sm.create_secret(Name="healthcare/test/redis-auth", SecretString=REDIS_TOKEN)["ARN"]
        for k, v in {
            "DB_HOST": "127.0.0.1", "DB_PORT": str(pg.port), "DB_NAME": "patients", "DB_SECRET_ARN": db_arn, "DB_CA_FILE": ca,
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(rd.port), "REDIS_AUTH_SECRET_ARN": redis_arn, "REDIS_CA_FILE": ca,
        }.items():
            monkeypatch.setenv(k, v)
        patient_api._secrets.clear()
        patient_api._db = None
        patient_api._cache = None
        yield servers
        if patient_api._db is not None:
            patient_api._db.close()


def post(record):
    return {"routeKey": "POST /patients", "body": json.dumps(record), "isBase64Encoded": False}


def get(pid):
    return {"routeKey": "GET /patients/{id}", "pathParameters": {"id": pid}}


def test_stores_in_postgres_and_caches_reads_in_redis(api):
    ca, pg, rd = api
    r = patient_api.handler(post({"name": "Ada", "dob": "1815-12-10"}), None)
    assert r["statusCode"] == 201, r
    pid = json.loads(r["body"])["id"]
    # The row is in the real database, read over our own TLS connection.
    conn = pg8000.native.Connection(user="hcadmin", password=DB_PASSWORD, host="127.0.0.1", port=pg.port, database="patients", ssl_context=ssl.create_default_context(cafile=ca))
    rows = conn.run("SELECT record::text FROM patients WHERE id = CAST(:id AS uuid)", id=pid)
    conn.close()
    assert json.loads(rows[0][0]) == {"name": "Ada", "dob": "1815-12-10"}
    first = patient_api.handler(get(pid), None)
    assert first["statusCode"] == 200 and first["headers"]["x-cache"] == "miss"
    assert json.loads(first["body"])["record"]["name"] == "Ada"
    second = patient_api.handler(get(pid), None)
    assert second["headers"]["x-cache"] == "hit"
    assert json.loads(second["body"]) == json.loads(first["body"])
    cache = redis.Redis(host="127.0.0.1", port=rd.port, password=REDIS_TOKEN, ssl=True, ssl_ca_certs=ca)
    assert 0 < cache.ttl(f"patient:{pid}") <= patient_api.CACHE_SECONDS


def test_the_servers_refuse_plain_connections_and_wrong_passwords(api):
    ca, pg, rd = api
    with pytest.raises(pg8000.native.DatabaseError, match="no encryption"):
        pg8000.native.Connection(user="hcadmin", password=DB_PASSWORD, host="127.0.0.1", port=pg.port, database="patients", ssl_context=False)
    with pytest.raises(pg8000.native.DatabaseError, match="password authentication failed"):
        pg8000.native.Connection(user="hcadmin", password="wrong", host="127.0.0.1", port=pg.port, database="patients", ssl_context=ssl.create_default_context(cafile=ca))
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=rd.port, password="wrong", ssl=True, ssl_ca_certs=ca).ping()
    with pytest.raises(redis.ConnectionError):
        redis.Redis(host="127.0.0.1", port=rd.port, password=REDIS_TOKEN, socket_timeout=2).ping()


def test_the_handler_verifies_the_servers_certificates(api, monkeypatch):
    monkeypatch.delenv("DB_CA_FILE")
    with pytest.raises(ssl.SSLCertVerificationError):
        patient_api.handler(post({"name": "Eve"}), None)


def test_bad_requests_get_clear_answers(api):
    bad_json = patient_api.handler({"routeKey": "POST /patients", "body": "{nope"}, None)
    assert bad_json["statusCode"] == 400 and "JSON" in json.loads(bad_json["body"])["error"]
    assert patient_api.handler(post([1, 2]), None)["statusCode"] == 400
    assert patient_api.handler(get("not-a-uuid"), None)["statusCode"] == 400
    assert patient_api.handler(get(str(uuid.uuid4())), None)["statusCode"] == 404
    assert patient_api.handler({"routeKey": "DELETE /patients/{id}"}, None)["statusCode"] == 404
    big = patient_api.handler({"routeKey": "POST /patients", "body": json.dumps({"x": "a" * 70000})}, None)
    assert big["statusCode"] == 413


def test_a_cache_outage_still_serves_from_the_database(api):
    r = patient_api.handler(post({"name": "Grace"}), None)
    pid = json.loads(r["body"])["id"]
    patient_api._cache = redis.Redis(host="127.0.0.1", port=1, ssl=True, socket_timeout=1)
    got = patient_api.handler(get(pid), None)
    assert got["statusCode"] == 200 and json.loads(got["body"])["record"] == {"name": "Grace"}
