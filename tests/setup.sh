#!/usr/bin/env bash
# Creates .venv with the pinned AWS emulator (moto's standalone server) and
# the lambdas' test dependencies. Idempotent: does nothing when up to date.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Debian packages the tests use: Graphviz renders `hcprov graph`; a real
# PostgreSQL and Redis serve the patient API handler's tests; openssl makes
# their certificates. util-linux `script` gives tests a pseudo-terminal
# (Debian's bsdutils, present on every machine).
missing=()
command -v dot >/dev/null || missing+=(graphviz)
compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "setup: missing Debian packages: ${missing[*]}; install them (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
# The patient API handler's pinned dependencies, packaged with it.
"$root/lambdas/vendor.sh"
venv="$root/.venv"
reqs="$root/tests/requirements.txt"
stamp="$venv/.hcprov-requirements"
if [ -x "$venv/bin/moto_server" ] && [ -f "$stamp" ] && cmp -s "$reqs" "$stamp"; then
  exit 0
fi
python="${PYTHON:-python3}"
command -v "$python" >/dev/null || { echo "setup: $python not found; install Python 3.9+ (or set PYTHON)" >&2; exit 1; }
echo "setup: creating $venv with $(tr '\n' ' ' < "$reqs")"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$reqs"
cp "$reqs" "$stamp"
