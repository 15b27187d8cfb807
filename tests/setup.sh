#!/usr/bin/env bash
# Creates .venv with the pinned AWS emulator (moto's standalone server) and
# the lambdas' test dependencies. Idempotent: does nothing when up to date.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Graphviz renders `hcprov graph` in the tests; util-linux `script` gives
# them a pseudo-terminal (Debian's bsdutils, present on every machine).
if ! command -v dot >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: installing graphviz" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq graphviz >/dev/null
  else
    echo "setup: graphviz is missing; install it (apt-get install graphviz)" >&2
    exit 1
  fi
fi
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
