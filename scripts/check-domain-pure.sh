#!/usr/bin/env bash
# Architecture invariant: the domain crate is a pure leaf (no database, HTTP, async runtime or files).
set -euo pipefail
cd "$(dirname "$0")/.."
impure=$(cargo tree -p zhenxing-domain -e normal --prefix none \
  | grep -oE '^(sqlx|axum|tokio|hyper|reqwest|datafusion|calamine|rust_xlsxwriter|rusqlite|tower|csv|encoding_rs)[^ ]*' | sort -u || true)
if [ -n "$impure" ]; then
  echo "zhenxing-domain must not depend on IO crates, found: $impure" >&2
  exit 1
fi
echo "zhenxing-domain is pure"
