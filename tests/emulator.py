"""The test emulator: moto's standalone server (pinned in
tests/requirements.txt) with what it gets wrong for hcprov filled in, each
fill shaped after AWS's documented behaviour. Run through `tests/emulator
PORT`; the e2e harness and tests/demo.sh start it the same way. Serves only
127.0.0.1.

Fills (each is listed in the README's emulator table):

- S3 bucket policies, `aws:SecureTransport`: moto ignores a Deny's
  Condition, so a TLS-only bucket policy (Deny when aws:SecureTransport is
  false) blocks every object call. The emulator stands in for AWS's HTTPS
  endpoints on loopback, so requests count as secure transport: a statement
  conditioned only on `aws:SecureTransport = false` never matches, and every
  other statement is evaluated as moto does.
- AWS Backup `ListRecoveryPointsByBackupVault`: not routed by moto. moto runs
  no backup jobs, so a vault holds no recovery points: the fill answers an
  existing vault's list as AWS does with none (`{"RecoveryPoints": []}`) and
  a missing vault with ResourceNotFoundException (through moto's own
  describe).
- ElastiCache `NumCacheClusters`: moto makes only the primary; AWS makes
  that many member clusters (cluster mode off), each visible through
  `DescribeCacheClusters` with its subnet group and security groups (moto
  lists none).
- ElastiCache `ModifyReplicationGroup`: not implemented by moto. The fill
  applies description, node type, failover, Multi-AZ (refused without
  failover, as AWS does), snapshot retention and window, security groups,
  the transit-encryption mode, user groups and minor-version upgrades,
  and AUTH token changes: `ROTATE` adds a token and keeps the newest
  other one valid, `SET` is refused unless a `ROTATE` came first and then
  leaves only its token; either sets `AuthTokenLastModifiedDate`. Tokens
  need in-transit encryption and 16 to 128 characters, as on AWS.
- ElastiCache `DeleteReplicationGroup`: moto leaves the group `deleting`
  forever. AWS answers `deleting`, then the group and its members are gone.
- ElastiCache `DeleteCacheSubnetGroup`: not implemented by moto. The fill
  deletes the group, refuses one a replication group still uses
  (`CacheSubnetGroupInUse`) and a missing one
  (`CacheSubnetGroupNotFoundFault`), as AWS does.
- API Gateway v2 `UpdateStage`: not implemented by moto. The fill updates
  auto-deploy, default route settings, per-route settings, access logs,
  description and stage variables, and answers the stage as GetStage does.
- API Gateway v2 `DeleteRouteSettings`: not routed by moto. The fill removes
  a route's override from the stage (204), `NotFoundException` when it has
  none.
- DynamoDB `UpdateTable` `ReplicaUpdates` (global tables 2019.11.21):
  moto accepts and ignores them. The fill creates (or deletes) the replica
  table in the other region with the given KMS key and the table's stream,
  and lists the replicas in DescribeTable, as AWS does.
- S3 `GetBucketReplication`: moto drops the encryption, selection, time
  control and metrics settings and hard-codes others. The fill answers the
  configuration as it was put.
- API Gateway v2 domain names: moto answers no regional target. The fill
  gives each configuration a `d-….execute-api.<region>.amazonaws.com` target,
  the region's API Gateway hosted zone and status AVAILABLE.
- Route 53 health checks: moto answers booleans as `True`/`False` and a
  missing IP address as `None`, which no SDK parses. The fill answers
  `true`/`false` and leaves the absent address out.
- Route 53 record values: moto answers them inside CDATA sections, which
  the Rust SDK reads as empty; Route 53 answers escaped text, and so does
  the fill.
- ACM DNS validation: moto issues a certificate after 60 s; the emulator
  resolves no DNS, so the fill issues it at once.
- DynamoDB `DescribeBackup`: moto leaves out SourceTableFeatureDetails,
  where AWS names the KMS key that encrypts the backup
  (SSEDescription.KMSMasterKeyArn). The fill moves the source table's
  SSEDescription there, as AWS answers it.
- CloudWatch `DisableAlarmActions` / `EnableAlarmActions`: not
  implemented by moto. The fill turns the named alarms' actions off or on
  (`ActionsEnabled` in DescribeAlarms), as AWS does; unknown names are
  ignored, as AWS ignores them.
- S3 `GetBucketNotificationConfiguration`: moto answers a bucket without
  notifications with an empty body, which no SDK parses, and leaves out
  `EventBridgeConfiguration`. AWS answers an empty
  `<NotificationConfiguration/>`, and so does the fill; it adds
  `<EventBridgeConfiguration/>` when the bucket sends events to
  EventBridge.
- S3 `DeleteBucketInventoryConfiguration`: not routed by moto (its DELETE
  falls through to deleting the bucket). The fill removes the named
  configuration (204), `NoSuchConfiguration` when there is none, as AWS
  answers.
- DynamoDB Kinesis streaming destinations (`Enable…`, `Disable…`,
  `DescribeKinesisStreamingDestination`): not implemented by moto. The
  fill keeps each table's destinations: enable answers `ENABLING` and the
  destination then reads `ACTIVE`, disable answers `DISABLING` and it then
  reads `DISABLED`, as AWS does; a missing table is
  ResourceNotFoundException.
- S3 object ownership: moto makes a bucket without ownership controls
  unless CreateBucket names one. Since April 2023 AWS gives every new
  bucket `BucketOwnerEnforced` (ACLs off); so does the fill.
- SNS message data protection (`GetDataProtectionPolicy`,
  `PutDataProtectionPolicy`): not implemented by moto. The fill keeps each
  topic's policy: an empty string when it has none (AWS answers the same,
  and an empty put removes it), a policy that is not JSON refused with
  InvalidParameter, a missing topic NotFound.
- Secrets Manager `UpdateSecretVersionStage`: moto moves the
  `AWSCURRENT` label but keeps answering `GetSecretValue` with the version
  that had it before. AWS answers the version labelled `AWSCURRENT`, and so
  does the fill.
- RDS managed master password: moto stores the fixed value
  `P@55w0rd!` under user `admin`. AWS generates a random password for the
  cluster's master user; so does the fill.
"""

import json
import sys


def _secure_transport_only_false(statement):
    cond = statement.get("Condition") or {}
    if set(cond) != {"Bool"}:
        return False
    bool_cond = {k.lower(): v for k, v in cond["Bool"].items()}
    if set(bool_cond) != {"aws:securetransport"}:
        return False
    value = bool_cond["aws:securetransport"]
    values = value if isinstance(value, list) else [value]
    return all(str(v).lower() == "false" for v in values)


def patch_s3_secure_transport():
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(self.policy.decode())
        statements = doc.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        kept = [s for s in statements if not _secure_transport_only_false(s)]
        if not kept:
            return PermissionResult.NEUTRAL
        doc["Statement"] = kept
        return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


def fill_backup_recovery_points():
    from urllib.parse import unquote

    from moto.backup import urls
    from moto.backup.responses import BackupResponse

    def list_recovery_points_by_backup_vault(self):
        # /backup-vaults/{backupVaultName}/recovery-points/
        name = unquote(self.path.split("?")[0].strip("/").split("/")[1])
        self.backup_backend.describe_backup_vault(name)
        return json.dumps({"RecoveryPoints": []})

    BackupResponse.list_recovery_points_by_backup_vault = list_recovery_points_by_backup_vault
    urls.url_paths["{0}/backup-vaults/(?P<name>[^/]+)/recovery-points/?$"] = urls.response.dispatch


def fill_elasticache():
    from moto.core.responses import ActionResult, EmptyResult
    from moto.core.utils import utcnow
    from moto.elasticache.exceptions import (
        CacheSubnetGroupNotFound,
        ElastiCacheException,
        InvalidParameterCombinationException,
        InvalidParameterValueException,
    )
    from moto.elasticache.models import CacheCluster, ElastiCacheBackend
    from moto.elasticache.responses import ElastiCacheResponse

    class CacheSubnetGroupInUse(ElastiCacheException):
        code = "CacheSubnetGroupInUse"

    def set_security_groups(cluster, ids):
        cluster.security_group_ids = list(ids or [])
        cluster.security_groups = [{"SecurityGroupId": g, "Status": "active"} for g in cluster.security_group_ids]

    create = ElastiCacheBackend.create_replication_group

    def create_replication_group(self, **kw):
        n = kw.get("num_cache_clusters")
        if n and not kw.get("replicas_per_node_group") and not kw.get("num_node_groups") and (kw.get("cluster_mode") or "disabled") == "disabled":
            kw["replicas_per_node_group"] = int(n) - 1
        group = create(self, **kw)
        group.hc_tokens = [kw["auth_token"]] if kw.get("auth_token") else []
        for ng in group.node_groups:
            for m in ng["node_group_members"]:
                c = CacheCluster(
                    account_id=self.account_id, region_name=self.region_name, cache_cluster_id=m["cache_cluster_id"],
                    cache_node_type=group.cache_node_type, replication_group_id=group.replication_group_id, az_mode=None,
                    preferred_availability_zone=m.get("preferred_availability_zone"), num_cache_nodes=1, engine=group.engine,
                    engine_version=kw.get("engine_version"), cache_parameter_group_name=kw.get("cache_parameter_group_name"),
                    cache_subnet_group_name=kw.get("cache_subnet_group_name"), transit_encryption_enabled=group.transit_encryption_enabled,
                    network_type=None, ip_discovery=None, snapshot_name=None, preferred_maintenance_window=kw.get("preferred_maintenance_window"),
                    port=group.port, notification_topic_arn=None, auto_minor_version_upgrade=kw.get("auto_minor_version_upgrade"),
                    snapshot_retention_limit=group.snapshot_retention_limit, snapshot_window=group.snapshot_window, auth_token=None,
                    outpost_mode=None, preferred_outpost_arn=None, preferred_availability_zones=None, cache_security_group_names=None,
                    security_group_ids=None, tags=None, snapshot_arns=None, preferred_outpost_arns=None, log_delivery_configurations=[],
                    cache_node_ids_to_remove=None, cache_node_ids_to_reboot=None,
                )
                c.auth_token_enabled = group.auth_token_enabled
                c.at_rest_encryption_enabled = group.at_rest_encryption_enabled
                set_security_groups(c, kw.get("security_group_ids"))
                self.cache_clusters[c.cache_cluster_id] = c
        return group

    ElastiCacheBackend.create_replication_group = create_replication_group

    def modify_replication_group(self):
        backend = self.elasticache_backend
        group = backend.describe_replication_groups(self._get_param("ReplicationGroupId"))[0]
        params = self._get_params()
        failover = self._get_bool_param("AutomaticFailoverEnabled")
        multi_az = self._get_bool_param("MultiAZEnabled")
        will_fail_over = group.automatic_failover == "enabled" if failover is None else failover
        will_multi_az = group.multi_az == "enabled" if multi_az is None else multi_az
        if will_multi_az and not will_fail_over:
            raise InvalidParameterCombinationException("Multi-AZ can only be enabled with automatic failover.")
        members = [backend.cache_clusters[m] for m in group.member_clusters if m in backend.cache_clusters]
        if "ReplicationGroupDescription" in params:
            group.description = params["ReplicationGroupDescription"]
        if "CacheNodeType" in params:
            group.cache_node_type = params["CacheNodeType"]
            for m in members:
                m.cache_node_type = params["CacheNodeType"]
        if failover is not None:
            group.automatic_failover = "enabled" if failover else "disabled"
        if multi_az is not None:
            group.multi_az = "enabled" if multi_az else "disabled"
        if "SnapshotRetentionLimit" in params:
            group.snapshot_retention_limit = int(params["SnapshotRetentionLimit"])
        if "SnapshotWindow" in params:
            group.snapshot_window = params["SnapshotWindow"]
        if "SecurityGroupIds" in params:
            group.security_group_ids = params["SecurityGroupIds"]
            for m in members:
                set_security_groups(m, params["SecurityGroupIds"])
        if "TransitEncryptionMode" in params:
            if not group.transit_encryption_enabled and self._get_bool_param("TransitEncryptionEnabled") is not True:
                raise InvalidParameterCombinationException("TransitEncryptionMode requires TransitEncryptionEnabled.")
            group.transit_encryption_enabled = True
            group.transit_encryption_mode = params["TransitEncryptionMode"]
        for g in params.get("UserGroupIdsToAdd", []):
            if g not in group.user_group_ids:
                group.user_group_ids.append(g)
        for g in params.get("UserGroupIdsToRemove", []):
            if g in group.user_group_ids:
                group.user_group_ids.remove(g)
        if self._get_bool_param("AutoMinorVersionUpgrade") is not None:
            group.auto_minor_version_upgrade = self._get_bool_param("AutoMinorVersionUpgrade")
        if "AuthToken" in params:
            change_token(group, params["AuthToken"], params.get("AuthTokenUpdateStrategy") or "ROTATE")
        return ActionResult({"ReplicationGroup": group})

    def change_token(group, token, strategy):
        # ROTATE adds a token and keeps the newest other one valid; SET
        # (allowed only after a ROTATE) leaves that one token alone.
        if not group.transit_encryption_enabled:
            raise InvalidParameterCombinationException("AUTH tokens require in-transit encryption.")
        if len(token) < 16 or len(token) > 128:
            raise InvalidParameterValueException("The AUTH token must be 16 to 128 printable characters.")
        tokens = getattr(group, "hc_tokens", [])
        if strategy == "ROTATE":
            group.hc_tokens = tokens[-1:] + [token]
        elif strategy == "SET":
            if len(tokens) < 2:
                raise InvalidParameterValueException("SET is allowed only after ROTATE.")
            group.hc_tokens = [token]
        else:
            raise InvalidParameterValueException(f"Unsupported AuthTokenUpdateStrategy {strategy}.")
        group.auth_token_enabled = True
        group.auth_token_last_modified_date = utcnow()

    ElastiCacheResponse.modify_replication_group = modify_replication_group

    delete = ElastiCacheBackend.delete_replication_group

    def delete_replication_group(self, replication_group_id, retain_primary_cluster):
        group = self.replication_groups[replication_group_id] if replication_group_id in self.replication_groups else None
        members = list(group.member_clusters) if group else []
        answer = delete(self, replication_group_id, retain_primary_cluster)
        # AWS shows `deleting` in the answer, then the group is gone.
        self.replication_groups.pop(replication_group_id, None)
        for m in members:
            self.cache_clusters.pop(m, None)
        return answer

    ElastiCacheBackend.delete_replication_group = delete_replication_group

    def delete_cache_subnet_group(self):
        backend = self.elasticache_backend
        name = self._get_param("CacheSubnetGroupName")
        if name not in backend.cache_subnet_groups:
            raise CacheSubnetGroupNotFound(name)
        if any(g.cache_subnet_group_name == name for g in backend.replication_groups.values()):
            raise CacheSubnetGroupInUse(f"Cache subnet group {name} is currently in use by a cache cluster.")
        del backend.cache_subnet_groups[name]
        return EmptyResult()

    ElastiCacheResponse.delete_cache_subnet_group = delete_cache_subnet_group


def fill_apigatewayv2_update_stage():
    from urllib.parse import unquote

    from moto.apigatewayv2.responses import ApiGatewayV2Response

    fields = {
        "autoDeploy": "auto_deploy",
        "defaultRouteSettings": "default_route_settings",
        "accessLogSettings": "access_log_settings",
        "description": "description",
        "stageVariables": "stage_variables",
        "routeSettings": "route_settings",
    }

    def update_stage(self):
        # PATCH /v2/apis/{apiId}/stages/{stageName}
        parts = self.path.split("?")[0].split("/")
        api_id, stage_name = parts[-3], unquote(parts[-1])
        stage = self.apigatewayv2_backend.get_stage(api_id, stage_name)
        body = json.loads(self.body or "{}")
        for key, attr in fields.items():
            if key in body:
                if key == "routeSettings":
                    # AWS merges route overrides; DeleteRouteSettings removes one.
                    stage.route_settings = {**(stage.route_settings or {}), **body[key]}
                else:
                    setattr(stage, attr, body[key])
        from datetime import datetime

        stage.updated = datetime.now()
        return 200, {}, json.dumps(stage.to_json())

    ApiGatewayV2Response.update_stage = update_stage

    def delete_route_settings(self):
        # DELETE /v2/apis/{apiId}/stages/{stageName}/routesettings/{routeKey}
        # The route key holds slashes ("GET /patients/{id}").
        head, route_key = self.path.split("?")[0].split("/routesettings/", 1)
        parts = head.split("/")
        api_id, stage_name, route_key = parts[-3], unquote(parts[-1]), unquote(route_key)
        stage = self.apigatewayv2_backend.get_stage(api_id, stage_name)
        if route_key not in (stage.route_settings or {}):
            from moto.apigatewayv2.exceptions import APIGatewayV2Error

            class NotFound(APIGatewayV2Error):
                code = 404

                def __init__(self):
                    super().__init__("NotFoundException", f"Unable to find route settings for {route_key}")

            raise NotFound()
        del stage.route_settings[route_key]
        return 204, {}, ""

    ApiGatewayV2Response.delete_route_settings = delete_route_settings
    from moto.apigatewayv2 import urls as v2urls

    v2urls.url_paths["{0}/v2/apis/(?P<api_id>[^/]+)/stages/(?P<stage_name>[^/]+)/routesettings/(?P<route_key>.+)$"] = ApiGatewayV2Response.dispatch


def fill_rds_master_password():
    import secrets

    from moto.rds.models import MasterUserSecret

    def generate(self):
        user = getattr(self.resource, "master_username", None) or "admin"
        return json.dumps({"username": user, "password": secrets.token_urlsafe(30)})

    MasterUserSecret._generate_secret_string = generate


def fill_dynamodb_replicas():
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler, dynamo_json_dump

    update = DynamoHandler.update_table

    def update_table(self):
        replica_updates = self.body.get("ReplicaUpdates") or []
        name = self.body["TableName"]
        backend = self.dynamodb_backend
        for u in replica_updates:
            source = backend.get_table(name)
            replicas = getattr(source, "hc_replicas", [])
            if "Create" in u:
                region = u["Create"]["RegionName"]
                key = u["Create"].get("KMSMasterKeyId")
                other = dynamodb_backends[self.current_account][region]
                other.create_table(
                    name=name, schema=source.schema, throughput=None, attr=source.attr, global_indexes=None, indexes=None,
                    streams=source.stream_specification, billing_mode=source.billing_mode,
                    sse_specification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key} if key else None,
                    tags=[], deletion_protection_enabled=False, warm_throughput=None,
                )
                replicas = [r for r in replicas if r["RegionName"] != region]
                entry = {"RegionName": region, "ReplicaStatus": "ACTIVE"}
                if key:
                    entry["KMSMasterKeyId"] = key
                replicas.append(entry)
            elif "Delete" in u:
                region = u["Delete"]["RegionName"]
                dynamodb_backends[self.current_account][region].tables.pop(name, None)
                replicas = [r for r in replicas if r["RegionName"] != region]
            source.hc_replicas = replicas
        rest = {k: v for k, v in self.body.items() if k != "ReplicaUpdates"}
        if set(rest) == {"TableName"}:
            return dynamo_json_dump(backend.get_table(name).describe())
        self.body = rest
        return update(self)

    DynamoHandler.update_table = update_table
    describe = Table.describe

    def describe_with_replicas(self, base_key="TableDescription"):
        out = describe(self, base_key)
        if getattr(self, "hc_replicas", None):
            out[base_key]["Replicas"] = self.hc_replicas
            out[base_key]["GlobalTableVersion"] = "2019.11.21"
        return out

    Table.describe = describe_with_replicas


def fill_dynamodb_backup_encryption():
    """DescribeBackup names the key that encrypts the backup
    (SourceTableFeatureDetails.SSEDescription), as AWS does; moto leaves
    the feature details out."""
    from moto.dynamodb.models.table import Backup

    description = Backup.description.fget

    def described(self):
        out = description(self)
        sse = out["SourceTableDetails"].pop("SSEDescription", None)
        if sse:
            out["SourceTableFeatureDetails"] = {"SSEDescription": sse}
        return out

    Backup.description = property(described)


def fill_s3_replication_echo():
    import xmltodict
    from moto.s3.responses import S3Response

    get = S3Response.get_bucket_replication

    def get_bucket_replication(self):
        replication = self.backend.get_bucket_replication(self.bucket_name)
        if not replication:
            return get(self)
        doc = {k: v for k, v in replication.items() if not k.startswith("@")}
        doc["@xmlns"] = "http://s3.amazonaws.com/doc/2006-03-01/"
        return xmltodict.unparse({"ReplicationConfiguration": doc})

    S3Response.get_bucket_replication = get_bucket_replication


def fill_s3_notification_xml():
    from moto.s3.responses import S3Response

    get = S3Response.get_bucket_notification
    empty = '<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></NotificationConfiguration>'

    def get_bucket_notification(self):
        config = self.backend.get_bucket_notification_configuration(self.bucket_name)
        body = get(self) or empty
        if config is not None and config.event_bridge is not None:
            body = body.replace("</NotificationConfiguration>", "<EventBridgeConfiguration/></NotificationConfiguration>")
        return body

    S3Response.get_bucket_notification = get_bucket_notification


def fill_dynamodb_kinesis_destinations():
    from moto.dynamodb.responses import DynamoHandler

    def destinations(self):
        table = self.dynamodb_backend.get_table(self.body["TableName"])
        if not hasattr(table, "hc_kinesis"):
            table.hc_kinesis = {}
        return table.hc_kinesis

    def switch(to, answered):
        def handler(self):
            arn = self.body["StreamArn"]
            destinations(self)[arn] = to
            return json.dumps({"TableName": self.body["TableName"], "StreamArn": arn, "DestinationStatus": answered})

        return handler

    def describe(self):
        found = destinations(self)
        return json.dumps({
            "TableName": self.body["TableName"],
            "KinesisDataStreamDestinations": [{"StreamArn": a, "DestinationStatus": s} for a, s in found.items()],
        })

    DynamoHandler.enable_kinesis_streaming_destination = switch("ACTIVE", "ENABLING")
    DynamoHandler.disable_kinesis_streaming_destination = switch("DISABLED", "DISABLING")
    DynamoHandler.describe_kinesis_streaming_destination = describe


def fill_s3_default_ownership():
    from moto.s3.models import FakeBucket

    init = FakeBucket.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.ownership_rule = "BucketOwnerEnforced"

    FakeBucket.__init__ = __init__


def fill_s3_inventory_delete():
    from moto.s3.responses import S3Response

    delete = S3Response._bucket_response_delete

    def _bucket_response_delete(self, bucket_name, querystring):
        if "inventory" not in querystring:
            return delete(self, bucket_name, querystring)
        bucket = self.backend.get_bucket(bucket_name)
        config = querystring.get("id", [""])[0]
        if bucket.inventory_configs.pop(config, None) is None:
            body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchConfiguration</Code><Message>The specified configuration does not exist.</Message><BucketName>{bucket_name}</BucketName></Error>'
            return 404, {"Content-Type": "application/xml"}, body
        return 204, {}, ""

    S3Response._bucket_response_delete = _bucket_response_delete


# API Gateway's regional hosted zones (Route 53 alias targets), by region.
APIGW_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8", "us-east-2": "ZOJJZC49E0EPZ", "us-west-1": "Z2MUQ32089INYE", "us-west-2": "Z2OJLYMUO9EFXC", "eu-west-1": "ZLY8HYME6SFDD", "eu-central-1": "Z1U9ULNL0V5AJ3"}


def fill_apigatewayv2_domain_targets():
    import uuid

    from moto.apigatewayv2.models import DomainName

    init = DomainName.__init__

    def __init__(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags, backend):
        init(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags, backend)
        region = backend.region_name
        for c in self.domain_name_configurations or []:
            c.setdefault("apiGatewayDomainName", f"d-{uuid.uuid4().hex[:10]}.execute-api.{region}.amazonaws.com")
            c.setdefault("hostedZoneId", APIGW_ZONES.get(region, "Z1UJRXOUMOOFQ8"))
            c.setdefault("domainNameStatus", "AVAILABLE")

    DomainName.__init__ = __init__


def fill_route53_health_check_xml():
    import re

    from moto.route53.models import HealthCheck

    to_xml = HealthCheck.to_xml

    def health_check_xml(self):
        # Python's True/False and a missing IP address ("None") are not
        # what Route 53 answers: booleans are lowercase, no IP is no element.
        xml = to_xml(self)
        xml = re.sub(r">(True|False)<", lambda m: f">{m.group(1).lower()}<", xml)
        return re.sub(r"<IPAddress>None</IPAddress>", "", xml)

    HealthCheck.to_xml = health_check_xml


def fill_route53_record_values():
    from moto.route53 import responses

    # moto wraps record values in CDATA sections; Route 53 answers them as
    # escaped text, and SDKs that do not read CDATA see an empty value.
    for name in dir(responses):
        value = getattr(responses, name)
        if isinstance(value, str) and "<![CDATA[{{ resource }}]]>" in value:
            setattr(responses, name, value.replace("<![CDATA[{{ resource }}]]>", "{{ resource|e }}"))


def fill_cloudwatch_alarm_actions():
    from moto.cloudwatch.responses import CloudWatchResponse
    from moto.core.responses import EmptyResult

    def switch(on):
        def handler(self):
            for name in self._get_param("AlarmNames", []):
                alarm = self.cloudwatch_backend.alarms.get(name)
                if alarm is not None:
                    alarm.actions_enabled = on
            return EmptyResult()

        return handler

    CloudWatchResponse.disable_alarm_actions = switch(False)
    CloudWatchResponse.enable_alarm_actions = switch(True)


def fill_secret_current_label():
    from moto.secretsmanager.models import SecretsManagerBackend

    move = SecretsManagerBackend.update_secret_version_stage

    def update_secret_version_stage(self, secret_id, version_stage, remove_from_version_id, move_to_version_id):
        answer = move(self, secret_id, version_stage, remove_from_version_id, move_to_version_id)
        # The version labelled AWSCURRENT is the one GetSecretValue answers.
        if version_stage == "AWSCURRENT" and move_to_version_id:
            self.secrets[secret_id].set_default_version_id(move_to_version_id)
        return answer

    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage


def fill_sns_data_protection():
    from moto.core.responses import ActionResult, EmptyResult
    from moto.sns.exceptions import InvalidParameterValue
    from moto.sns.responses import SNSResponse

    def get_policy(self):
        topic = self.backend.get_topic(self._get_param("ResourceArn"))
        return ActionResult({"DataProtectionPolicy": getattr(topic, "hc_data_protection", "")})

    def put_policy(self):
        topic = self.backend.get_topic(self._get_param("ResourceArn"))
        policy = self._get_param("DataProtectionPolicy") or ""
        if policy:
            try:
                json.loads(policy)
            except ValueError:
                raise InvalidParameterValue("DataProtectionPolicy is not valid JSON.")
        topic.hc_data_protection = policy
        return EmptyResult()

    SNSResponse.get_data_protection_policy = get_policy
    SNSResponse.put_data_protection_policy = put_policy


def main(argv):
    if len(argv) != 1 or not argv[0].isdigit():
        sys.exit(
            "usage: tests/emulator PORT   (serves on 127.0.0.1:PORT; with 0, on a\n"
            "       free port it picks, and prints that port on a line first)"
        )
    import os

    # ACM issues a DNS-validated certificate once its records resolve; the
    # emulator resolves nothing, so it issues at once (moto waits 60 s).
    os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", "0")
    patch_s3_secure_transport()
    fill_backup_recovery_points()
    fill_elasticache()
    fill_apigatewayv2_update_stage()
    fill_rds_master_password()
    fill_dynamodb_replicas()
    fill_dynamodb_backup_encryption()
    fill_s3_replication_echo()
    fill_s3_notification_xml()
    fill_s3_inventory_delete()
    fill_s3_default_ownership()
    fill_dynamodb_kinesis_destinations()
    fill_apigatewayv2_domain_targets()
    fill_route53_health_check_xml()
    fill_route53_record_values()
    fill_cloudwatch_alarm_actions()
    fill_sns_data_protection()
    fill_secret_current_label()
    serve(int(argv[0]))


def serve(port):
    """moto's server (as `moto_server -H 127.0.0.1 -p PORT` runs it) on
    127.0.0.1:PORT. With port 0 the socket is bound first, on a port the
    kernel picks, and that port is printed: a caller that probed for a free
    port and passed it on could lose it to another listener in between, and
    then talk to that one instead (the tests start many servers at once)."""
    import os
    import signal

    from moto.server import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    server = make_server("127.0.0.1", port, app, threaded=True)
    # moto builds some URLs (SQS queues, presigned S3) from its port.
    os.environ["MOTO_PORT"] = str(server.server_port)
    if port == 0:
        print(server.server_port, flush=True)
    # Nothing else goes to stdout: a caller that read the port may stop
    # reading it.
    os.dup2(2, 1)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
