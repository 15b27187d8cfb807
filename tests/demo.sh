#!/usr/bin/env bash
# hcprov's main job end to end on a local AWS emulator: plan, apply, a
# no-change plan, drift, outputs, destroy. Uses ./hcprov.toml (platform
# serverless-api), or examples/PLATFORM.toml when a platform is named
# (`tests/demo.sh aurora-redis-api`, `tests/demo.sh multi-region-dr`), and a
# state file under a scratch
# directory; starts and stops its own moto server.
set -euo pipefail
platform="${1:-serverless-api}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tests/setup.sh
cargo build --locked --quiet
bin="${CARGO_TARGET_DIR:-$root/target}/debug/hcprov"
work="$(mktemp -d)"
# Port 0: the emulator binds a free port itself and prints it once listening.
tests/emulator 0 >"$work/port" 2>"$work/moto.log" &
moto=$!
trap 'kill $moto 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 600); do [ -s "$work/port" ] && break; sleep 0.1; done
port="$(head -n 1 "$work/port")"
[ -n "$port" ] || { echo "demo: the emulator did not start:" >&2; cat "$work/moto.log" >&2; exit 1; }

mkdir -p "$work/state"
# The demo environment is disposable: destroy may delete buckets that still
# hold objects, and the database has no deletion protection or final
# snapshot.
case "$platform" in
  serverless-api)
    # The repository's hcprov.toml, with the one setting the emulator cannot
    # serve turned off (moto does not implement AWS Backup selections).
    { printf 'disposable = true\n'; cat "$root/hcprov.toml"; printf '\n[compute]\nlambda_source = "%s/lambdas"\n\n[backup]\nselect_resources = false\n' "$root"; } >"$work/hcprov.toml"
    ;;
  aurora-redis-api|multi-region-dr)
    { printf 'disposable = true\n'; sed "s|^lambda_source = .*|lambda_source = \"$root/lambdas\"|; s|^environment = .*|environment = \"demo\"|" "$root/examples/$platform.toml"; } >"$work/hcprov.toml"
    ;;
  *)
    echo "usage: tests/demo.sh [serverless-api|aurora-redis-api|multi-region-dr]" >&2
    exit 2
    ;;
esac

export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
hc() { echo; echo "\$ hcprov $*"; "$bin" --config "$work/hcprov.toml" --state "$work/state/demo.json" "$@"; }

hc check --sarif "$work/findings.sarif" | tail -n 3
hc plan --detailed-exitcode || [ $? -eq 2 ]
hc apply
hc plan --detailed-exitcode
hc drift
hc report --out "$work/evidence.md"
sed -n '1,30p' "$work/evidence.md"
hc output
hc destroy --force
echo; echo "demo: $platform done (emulator at $AWS_ENDPOINT_URL, now stopped)"
