"""Patient-records API (platform aurora-redis-api), behind an HTTP API with
payload format 2.0.

POST /patients        stores a JSON record in PostgreSQL (Aurora) and
                      answers 201 with its id.
GET  /patients/{id}   answers the record, read through a Redis cache
                      (5 minutes); the `x-cache` header says hit or miss.

Credentials never live in the code or the environment: the database user
and password come from the RDS-managed secret (DB_SECRET_ARN), the Redis
AUTH token from its secret (REDIS_AUTH_SECRET_ARN), both read from
Secrets Manager (through the VPC's interface endpoint) on a cold start.
Both connections use TLS: certificates are verified against DB_CA_FILE /
REDIS_CA_FILE when set (RDS certificates chain to Amazon's RDS CAs, which
are not in the default trust store), against the default store otherwise
for Redis (ElastiCache's chain to a public CA).
"""

import json
import os
import ssl
import uuid

import boto3
import pg8000.native
import redis

CACHE_SECONDS = 300
MAX_BODY = 64 * 1024

_secrets = {}
_db = None
_cache = None


def _secret(arn):
    if arn not in _secrets:
        _secrets[arn] = boto3.client("secretsmanager").get_secret_value(SecretId=arn)["SecretString"]
    return _secrets[arn]


def _tls(ca_env):
    ctx = ssl.create_default_context(cafile=os.environ.get(ca_env) or None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def _database():
    global _db
    if _db is None:
        creds = json.loads(_secret(os.environ["DB_SECRET_ARN"]))
        _db = pg8000.native.Connection(
            user=creds["username"],
            password=creds["password"],
            host=os.environ["DB_HOST"],
            port=int(os.environ.get("DB_PORT", "5432")),
            database=os.environ["DB_NAME"],
            ssl_context=_tls("DB_CA_FILE"),
            timeout=10,
        )
        _db.run(
            "CREATE TABLE IF NOT EXISTS patients ("
            " id uuid PRIMARY KEY,"
            " record jsonb NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
    return _db


def _redis():
    global _cache
    if _cache is None:
        ca = os.environ.get("REDIS_CA_FILE")
        _cache = redis.Redis(
            host=os.environ["REDIS_HOST"],
            port=int(os.environ.get("REDIS_PORT", "6379")),
            password=_secret(os.environ["REDIS_AUTH_SECRET_ARN"]),
            ssl=True,
            ssl_cert_reqs="required",
            ssl_ca_certs=ca or None,
            ssl_min_version=ssl.TLSVersion.TLSv1_2,
            socket_timeout=5,
        )
    return _cache


def _answer(status, body, headers=None):
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def _create(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        import base64

        raw = base64.b64decode(raw).decode("utf-8", "replace")
    if len(raw) > MAX_BODY:
        return _answer(413, {"error": f"the record is larger than {MAX_BODY} bytes"})
    try:
        record = json.loads(raw)
    except ValueError:
        return _answer(400, {"error": "the body must be a JSON object"})
    if not isinstance(record, dict) or not record:
        return _answer(400, {"error": "the body must be a non-empty JSON object"})
    pid = str(uuid.uuid4())
    _database().run("INSERT INTO patients (id, record) VALUES (CAST(:id AS uuid), CAST(:record AS jsonb))", id=pid, record=json.dumps(record))
    return _answer(201, {"id": pid})


def _read(event):
    pid = (event.get("pathParameters") or {}).get("id", "")
    try:
        pid = str(uuid.UUID(pid))
    except ValueError:
        return _answer(400, {"error": "the patient id must be a UUID"})
    key = f"patient:{pid}"
    try:
        cached = _redis().get(key)
    except redis.RedisError:
        cached = None  # The database is the source of truth.
    if cached is not None:
        return _answer(200, {"id": pid, "record": json.loads(cached)}, {"x-cache": "hit"})
    rows = _database().run("SELECT record::text FROM patients WHERE id = CAST(:id AS uuid)", id=pid)
    if not rows:
        return _answer(404, {"error": "no such patient"})
    text = rows[0][0]
    try:
        _redis().setex(key, CACHE_SECONDS, text)
    except redis.RedisError:
        pass
    return _answer(200, {"id": pid, "record": json.loads(text)}, {"x-cache": "miss"})


def handler(event, context):
    route = event.get("routeKey", "")
    if route == "POST /patients":
        return _create(event)
    if route == "GET /patients/{id}":
        return _read(event)
    return _answer(404, {"error": f"no route {route!r}"})
