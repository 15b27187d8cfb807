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

import base64
import json
import logging
import os
import ssl
import uuid

import time

import boto3
import pg8000.native
import redis
from botocore.config import Config

CACHE_SECONDS = 300
MAX_BODY = 64 * 1024
# Credentials are read again after this long, and at once when the
# database refuses them (RDS rotates its managed password).
SECRET_SECONDS = 900
# Well inside the HTTP API's 29-second integration timeout.
AWS_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})

log = logging.getLogger()
log.setLevel(logging.INFO)

_secrets = {}
_db = None
_cache = None


def _secret(arn):
    value, read_at = _secrets.get(arn, (None, 0.0))
    if value is None or time.monotonic() - read_at > SECRET_SECONDS:
        value = boto3.client("secretsmanager", config=AWS_CONFIG).get_secret_value(SecretId=arn)["SecretString"]
        _secrets[arn] = (value, time.monotonic())
    return value


def _forget_database():
    """Drops the connection and the database credentials: the next call
    reconnects with credentials read afresh."""
    global _db
    if _db is not None:
        try:
            _db.close()
        except Exception:
            pass
    _db = None
    _secrets.pop(os.environ.get("DB_SECRET_ARN"), None)


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
        try:
            _db.run(
                "CREATE TABLE IF NOT EXISTS patients ("
                " id uuid PRIMARY KEY,"
                " record jsonb NOT NULL,"
                " created_at timestamptz NOT NULL DEFAULT now())"
            )
        except pg8000.native.DatabaseError as e:
            # Two cold starts at once: the other one made it.
            if _code(e) not in ("23505", "42P07"):
                raise
    return _db


def _code(e):
    """The SQLSTATE of a pg8000 database error."""
    return e.args[0].get("C", "?") if e.args and isinstance(e.args[0], dict) else "?"


def _with_database(op):
    """Runs `op(connection)`, reconnecting once (with credentials read
    afresh) when the connection broke or the password was rotated."""
    try:
        return op(_database())
    except pg8000.native.InterfaceError:
        _forget_database()
    except pg8000.native.DatabaseError as e:
        if _code(e) != "28P01":
            raise
        _forget_database()
    return op(_database())


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
            ssl_check_hostname=True,
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


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def _create(event):
    raw = event.get("body") or ""
    if event.get("isBase64Encoded"):
        raw = base64.b64decode(raw).decode("utf-8", "replace")
    if len(raw) > MAX_BODY:
        return _answer(413, {"error": f"the record is larger than {MAX_BODY} bytes"})
    try:
        # PostgreSQL's jsonb takes neither NaN/Infinity nor NUL characters,
        # and its error would quote the record: refuse them here.
        record = json.loads(raw, parse_constant=_no_constants)
        text = json.dumps(record, allow_nan=False)
    except ValueError:
        return _answer(400, {"error": "the body must be a JSON object"})
    if not isinstance(record, dict) or not record:
        return _answer(400, {"error": "the body must be a non-empty JSON object"})
    if "\\u0000" in text:
        return _answer(400, {"error": "the record must not contain NUL characters"})
    pid = str(uuid.uuid4())
    _with_database(lambda db: db.run("INSERT INTO patients (id, record) VALUES (CAST(:id AS uuid), CAST(:record AS jsonb))", id=pid, record=text))
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
    rows = _with_database(lambda db: db.run("SELECT record::text FROM patients WHERE id = CAST(:id AS uuid)", id=pid))
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
    try:
        if route == "POST /patients":
            return _create(event)
        if route == "GET /patients/{id}":
            return _read(event)
    except pg8000.native.InterfaceError:
        _forget_database()
        log.error("database unreachable on %s", route)
        return _answer(503, {"error": "the record store is unavailable; try again"})
    except pg8000.native.DatabaseError as e:
        # The server's message can quote the record: log only its code.
        log.error("database error %s on %s", _code(e), route)
        return _answer(500, {"error": "the record store failed; try again"})
    return _answer(404, {"error": f"no route {route!r}"})
