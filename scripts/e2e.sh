#!/usr/bin/env bash
# Browser tests: Playwright (playwright-core from npm) driving Debian's chromium against the real
# binary on a fresh SQLite database filled with the demo township (see e2e/run.mjs).
# Screenshots of each step land in e2e/screenshots/ and, for the monitoring chain
# (e2e/monitoring.mjs), in e2e/test-results/ (both gitignored).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhenxing-target}"

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# Without a CJK font every Chinese character renders as a box in the screenshots.
fc-list :lang=zh 2>/dev/null | grep -q . || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} for the browser tests" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A no-op when scripts/test.sh has just built it; makes a standalone run test the current code.
cargo build --release --locked --bin zhenxing
(cd e2e && npm ci --silent --no-audit --no-fund)
# Each file starts its own server on a fresh demo database; both run even when the first fails.
export ZHENXING_BIN="$CARGO_TARGET_DIR/release/zhenxing"
status=0
node e2e/run.mjs || status=$?
node e2e/monitoring.mjs || status=$? # the monitoring chain; screenshots in e2e/test-results/
node e2e/lowincome.mjs || status=$? # one assistance roll entry; screenshots in e2e/test-results/
exit "$status"
