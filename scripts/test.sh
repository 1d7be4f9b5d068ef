#!/usr/bin/env bash
# The whole test suite: unit and integration tests of every crate on SQLite and on a real
# PostgreSQL, then the browser tests in Debian's chromium. Sets up what it needs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhenxing-target}"

# crates/web/build.rs installs ECharts and htmx with npm: make sure npm is there before cargo runs.
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not installed: installing Node.js and npm from Debian's packages" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi

scripts/ensure-postgres.sh
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# Databases left by earlier runs (each test makes its own).
psql "$TEST_DATABASE_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'zhenxing\_%'" \
  | while read -r db; do psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null; done

cargo test --workspace --locked
cargo build --release --locked --bin zhenxing
scripts/e2e.sh
