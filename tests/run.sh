#!/usr/bin/env bash
# The test command: Rust unit and end-to-end tests (against a local moto
# server each test starts on a loopback port), then the Lambda handlers' own
# tests. Installs the emulator first if needed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tests/setup.sh
export HCPROV_EMULATOR_PYTHON="$root/.venv/bin/python"
# The benchmark is built (so it keeps compiling) but not run: timings are
# not tests. Run it with `cargo bench --bench hcprov`.
cargo build --locked --benches
cargo test --locked --lib --bins --test e2e
if compgen -G "lambdas/tests/test_*.py" >/dev/null; then
  .venv/bin/python -m pytest -q lambdas/tests
fi
