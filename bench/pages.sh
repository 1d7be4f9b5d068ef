#!/usr/bin/env bash
# Household page and village list latency with PERSONS people loaded (issue 2 goal: p95 < 20 ms at
# 10 million). Builds the database once with `zhenxing demo --persons`, serves it, measures.
#
#   bench/pages.sh [PERSONS] [DB_URL]      (defaults: 10000000, sqlite://bench/out/pages-PERSONS.db)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhenxing-target}"
persons="${1:-10000000}"
mkdir -p bench/out
db="${2:-sqlite://bench/out/pages-$persons.db}"
cargo build --release --locked --bin zhenxing >/dev/null
bin="$CARGO_TARGET_DIR/release/zhenxing"
if [ ! -f bench/out/pages-$persons.loaded ] || [[ "$db" != sqlite://bench/out/pages-* ]]; then
  /usr/bin/time -f 'loaded in %e s, peak %M KiB' "$bin" demo --db "$db" --persons "$persons" >/dev/null
  touch bench/out/pages-$persons.loaded
fi
port=$((20000 + RANDOM % 10000))
"$bin" serve --db "$db" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/login" >/dev/null && break; sleep 0.2; done
python3 bench/pages.py "http://127.0.0.1:$port" 200
