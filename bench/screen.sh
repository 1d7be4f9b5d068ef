#!/usr/bin/env bash
# Batch screening benchmark (department screening issue): the synthetic region of PERSONS people
# written as files by `zhenxing demo --roster DIR --feeds DIR` (roster-2024.csv and roster-2025.csv in
# the LAYOUT.md layout, a year of KIND-YYYY-MM.csv feed files), screened by `zhenxing screen` in batch
# mode (release build) and by DuckDB running the 13 default rules in SQL (bench/screen.py) on the same
# files, in the same run, loading included on both sides. Prints both times, the ratio
# zhenxing/DuckDB (goal ≤ 0.5), both peak memories (max RSS from /usr/bin/time; goal: zhenxing's no
# higher), and checks that both outputs agree on (household_no, village, rule_id, risk_type,
# status) — any differing row fails.
# Also printed: the time to read every file once (cat) and to parse it into CSV records and nothing
# else (bench/csvfloor: the csv crate on every core) — the floor under any CSV screening.
#
#   bench/screen.sh [PERSONS] [PERIOD]        (default 1000000 2026-10)
#
# The input is generated once into bench/out/screen-PERSONS/ and reused (10,000,000 people: 7.8 GB,
# about 2.5 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhenxing-target}"
persons="${1:-1000000}"
period="${2:-2026-10}"
out=bench/out
data="$out/screen-$persons"
mkdir -p "$out"
venv="$HOME/.cache/zhenxing-bench-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r bench/requirements.txt
fi
cargo build --release --locked --bin zhenxing --quiet
cargo build --release --locked --quiet --manifest-path bench/csvfloor/Cargo.toml
bin="$CARGO_TARGET_DIR/release/zhenxing"
floor="$CARGO_TARGET_DIR/release/csvfloor"
if [ ! -f "$data/done-$period" ]; then
  rm -rf "$data"
  "$bin" demo --persons "$persons" --roster "$data/roster" --feeds "$data/feeds" --period "$period"
  touch "$data/done-$period"
fi
rosters=("$data"/roster/roster-*.csv)
roster_args=()
for r in "${rosters[@]}"; do roster_args+=(--roster "$r"); done

measure() { # command… → seconds and max RSS (KiB) on stdout
  local t; t=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>"$t.err" || { cat "$t.err" >&2; exit 1; }
  cat "$t"; rm -f "$t" "$t.err"
}

# Warm the page cache, and time one plain read of every file, then parsing every file into CSV
# records and nothing else (bench/csvfloor, the csv crate on every core): the floors.
cat "${rosters[@]}" "$data"/feeds/*.csv >/dev/null
read -r cat_s _ < <(measure sh -c 'cat "$@" >/dev/null' sh "${rosters[@]}" "$data"/feeds/*.csv)
read -r csv_s _ < <(measure "$floor" "$(nproc)" "${rosters[@]}" "$data"/feeds/*.csv)
bytes=$(cat "${rosters[@]}" "$data"/feeds/*.csv | wc -c)

read -r z_s z_kb < <(measure "$bin" screen --period "$period" "${roster_args[@]}" \
  --feeds "$data/feeds" --out "$out/screen-zhenxing.csv")
read -r d_s d_kb < <(measure "$venv/bin/python" bench/screen.py --period "$period" \
  "${roster_args[@]}" --feeds "$data/feeds" --out "$out/screen-duckdb.csv")

"$venv/bin/python" - "$out/screen-zhenxing.csv" "$out/screen-duckdb.csv" "$persons" "$bytes" \
  "$cat_s" "$csv_s" "$z_s" "$z_kb" "$d_s" "$d_kb" <<'PY'
import csv, sys
zf, df, persons, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cat_s, csv_s, z_s, z_kb, d_s, d_kb = map(float, sys.argv[5:])
def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        return [tuple(x[:5]) for x in r]
z, d = rows(zf), rows(df)
zs, ds = set(z), set(d)
differing = len(zs ^ ds) + abs(len(z) - len(zs)) + abs(len(d) - len(ds))
print(f"input: {persons:,} people, {size / 1e9:.2f} GB of CSV; reading it once (cat, page cache): {cat_s:.2f} s; "
      f"parsing it into CSV records (csvfloor): {csv_s:.2f} s")
print(f"zhenxing screen (batch):   {z_s:8.2f} s  peak {z_kb / 1024:7.0f} MiB  {len(z):,} warnings")
print(f"DuckDB (bench/screen.py):  {d_s:8.2f} s  peak {d_kb / 1024:7.0f} MiB  {len(d):,} warnings")
print(f"ratio zhenxing/DuckDB: {z_s / d_s:.2f} (goal <= 0.5: {'met' if z_s / d_s <= 0.5 else 'NOT met'}); "
      f"memory {'no higher' if z_kb <= d_kb else 'HIGHER'} than DuckDB's; {z_s / max(csv_s, 0.01):.1f}x the CSV-parsing floor")
print(f"outputs differ in {differing} rows (household_no, village, rule_id, risk_type, status)")
for row in sorted(zs ^ ds)[:10]:
    print("  only in", "zhenxing" if row in zs else "DuckDB", row)
sys.exit(1 if differing else 0)
PY
