#!/usr/bin/env bash
# Import benchmark (issue 2): a 1,000,000-member roster workbook made by `synth`, imported into a fresh
# SQLite database by zhenxing (read + validate + write, one transaction), side by side with pandas
# merely reading the same file (`pandas.read_excel`, openpyxl engine). Prints rows/s, the ratio and
# peak memory (max RSS from /usr/bin/time).
#
#   bench/import.sh [PERSONS]        (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhenxing-target}"
persons="${1:-1000000}"
out=bench/out
mkdir -p "$out"
venv="$HOME/.cache/zhenxing-bench-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r bench/requirements.txt
fi
cargo build --release --locked --bin zhenxing >/dev/null
bin="$CARGO_TARGET_DIR/release/zhenxing"
roster="$out/roster-$persons.xlsx"
[ -f "$roster" ] || "$bin" demo --persons "$persons" --roster "$roster" >/dev/null

measure() { # label, command… → seconds and max RSS (KiB) on stdout
  local t; t=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>"$t.err" || { cat "$t.err" >&2; exit 1; }
  cat "$t"; rm -f "$t" "$t.err"
}

db="$out/bench.db"
rm -f "$db" "$db-wal" "$db-shm"
read -r z_s z_kb < <(measure "$bin" import households "$roster" --db "sqlite://$db")
members=$("$venv/bin/python" - "$db" <<'PY'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from members").fetchone()[0])
PY
)
read -r p_s p_kb < <(measure "$venv/bin/python" -c "import pandas, sys; df = pandas.read_excel(sys.argv[1], dtype=str, engine='openpyxl'); print(len(df))" "$roster")

python3 - "$members" "$z_s" "$z_kb" "$p_s" "$p_kb" <<'PY'
import sys
members, z_s, z_kb, p_s, p_kb = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"roster: {members:,} member rows")
print(f"zhenxing import (read+validate+write SQLite): {z_s:8.1f} s  {members / z_s:12,.0f} rows/s  peak {z_kb / 1024:7.0f} MiB")
print(f"pandas.read_excel (openpyxl, read only):      {p_s:8.1f} s  {members / p_s:12,.0f} rows/s  peak {p_kb / 1024:7.0f} MiB")
print(f"ratio: zhenxing is {p_s / z_s:.1f}x faster (goal >= 20x; goal >= 100,000 rows/s: {'met' if members / z_s >= 100_000 else 'NOT met'})")
PY
