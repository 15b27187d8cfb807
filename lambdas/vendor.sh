#!/usr/bin/env bash
# Installs the patient API handler's pinned dependencies (requirements.txt,
# hash-checked, pure-Python wheels for Lambda's python3.12) into
# lambdas/vendor/, which hcprov packages with the handler. Idempotent: does
# nothing when vendor/ was made from the same requirements.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
reqs="$here/requirements.txt"
out="$here/vendor"
stamp="$out/.requirements"
if [ -f "$stamp" ] && cmp -s "$reqs" "$stamp"; then
  exit 0
fi
python="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
  --only-binary=:all: --platform manylinux2014_x86_64 --python-version 3.12 --implementation cp \
  --no-compile --target "$tmp/vendor" -r "$reqs"
# pip records where it ran; nothing machine-specific goes into the package.
find "$tmp/vendor" -name '__pycache__' -prune -exec rm -rf {} +
find "$tmp/vendor" -name 'direct_url.json' -delete
rm -rf "$out"
mv "$tmp/vendor" "$out"
cp "$reqs" "$stamp"
