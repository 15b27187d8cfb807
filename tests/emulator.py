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


def main(argv):
    if len(argv) != 1 or not argv[0].isdigit():
        sys.exit("usage: tests/emulator PORT   (serves on 127.0.0.1:PORT)")
    patch_s3_secure_transport()
    fill_backup_recovery_points()
    from moto.server import main as moto_main

    moto_main(["-H", "127.0.0.1", "-p", argv[0]])


if __name__ == "__main__":
    main(sys.argv[1:])
