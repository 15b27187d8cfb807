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
        patient_api._forget_database()
        patient_api._secrets.clear()
        patient_api._cache = None
        yield servers
        patient_api._forget_database()


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


def test_redis_certificates_must_name_the_host(api, monkeypatch):
    ca, pg, rd = api
    d = os.path.dirname(ca)
    # A certificate from the trusted CA, but for another name.
    certs = make_certs(os.path.join(d, "other"), names="DNS:cache.other.example", ca=(ca, os.path.join(d, "ca.key")))
    other = Redis(certs, REDIS_TOKEN)
    try:
        monkeypatch.setenv("REDIS_PORT", str(other.port))
        pid = json.loads(patient_api.handler(post({"name": "Mallory"}), None)["body"])["id"]
        for _ in range(2):
            got = patient_api.handler(get(pid), None)
            assert got["statusCode"] == 200 and got["headers"]["x-cache"] == "miss"
        plain = redis.Redis(host="127.0.0.1", port=other.port, password=REDIS_TOKEN, ssl=True, ssl_ca_certs=ca)
        assert plain.dbsize() == 0, "nothing was sent to a server with the wrong name"
    finally:
        other.stop()


def test_records_postgres_would_quote_in_an_error_are_refused(api):
    for body in ['{"ssn": "123", "x": NaN}', '{"x": Infinity}', '{"note": "a\\u0000b"}']:
        r = patient_api.handler({"routeKey": "POST /patients", "body": body}, None)
        assert r["statusCode"] == 400, (body, r)
        assert "123" not in r["body"]


def test_a_rotated_password_and_a_dropped_connection_are_survived(api):
    ca, pg, rd = api
    pid = json.loads(patient_api.handler(post({"name": "Ada"}), None)["body"])["id"]
    # RDS rotates the password: the database and the secret change, the
    # warm function still holds the old password and an open connection.
    new = "pg-" + uuid.uuid4().hex
    admin = pg8000.native.Connection(user="hcadmin", password=DB_PASSWORD, host="127.0.0.1", port=pg.port, database="patients", ssl_context=ssl.create_default_context(cafile=ca))
    admin.run(f"ALTER USER hcadmin PASSWORD '{new}'")
    admin.run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = 'patients'")
    boto3.client("secretsmanager").put_secret_value(SecretId=os.environ["DB_SECRET_ARN"], SecretString=json.dumps({"username": "hcadmin", "password": new}))
    try:
        r = patient_api.handler(post({"name": "Grace"}), None)
        assert r["statusCode"] == 201, r
        patient_api._redis().delete(f"patient:{pid}")
        assert patient_api.handler(get(pid), None)["statusCode"] == 200
    finally:
        admin.run(f"ALTER USER hcadmin PASSWORD '{DB_PASSWORD}'")
        admin.close()


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
