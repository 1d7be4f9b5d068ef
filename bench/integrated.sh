#!/usr/bin/env bash
# Integrated screening benchmark (department screening issue): a demo registry of PERSONS people in
# SQLite or PostgreSQL (`zhenxing demo`), a year of synthetic feeds imported file by file
# (`zhenxing import feed`, as a department clerk would), then `zhenxing screen --period P` (a recorded
# run: snapshot, engine, warnings written) timed; then one more month imported and screened again
# (the incremental run). Release build. Goals: a district (1,000,000 people) < 2 s, a township
# (43,000) < 100 ms. Times are of the whole process (start, connect, run, record), and the
# line's own 读取/筛查 split.
#
#   bench/integrated.sh sqlite|postgres [PERSONS] [PERIOD]     (default 1000000 2026-10)
#
# The database is built once and kept: bench/out/integrated-PERSONS.db, or the PostgreSQL database
# bench_zhenxing_PERSONS on postgres://postgres@127.0.0.1:5432 (trust auth). Delete it to rebuild.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/zhenxing-target}"
backend="${1:?sqlite or postgres}"
persons="${2:-1000000}"
period="${3:-2026-10}"
out=bench/out
mkdir -p "$out"
cargo build --release --locked --bin zhenxing --quiet
bin="${ZHENXING_BIN:-$CARGO_TARGET_DIR/release/zhenxing}"
next=$(python3 -c "y,m=map(int,'$period'.split('-'));m+=1;y+=m>12;m=(m-1)%12+1;print(f'{y:04d}-{m:02d}')")

case "$backend" in
  sqlite) db="sqlite://$out/integrated-$persons.db"; marker="$out/integrated-$persons.db.done-$period" ;;
  postgres)
    # Not zhenxing_…: scripts/test.sh drops those (test databases) on every run.
    name="bench_zhenxing_$persons"
    db="postgres://postgres@127.0.0.1:5432/$name"
    marker="$out/integrated-$persons.pg.done-$period"
    if ! psql -q "postgres://postgres@127.0.0.1:5432/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
      psql -q "postgres://postgres@127.0.0.1:5432/postgres" -c "CREATE DATABASE $name"
      rm -f "$marker"
    fi ;;
  *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac

feeds="$out/integrated-feeds-$persons-$period"
feeds_next="$out/integrated-feeds-$persons-$next"
[ -d "$feeds" ] || "$bin" demo --persons "$persons" --feeds "$feeds" --period "$period" >/dev/null
[ -d "$feeds_next" ] || "$bin" demo --persons "$persons" --feeds "$feeds_next" --period "$next" >/dev/null

import_month_files() { # dir, month (YYYY-MM) or "all"
  local f base kind month
  for f in "$1"/*.csv; do
    base=$(basename "$f" .csv); kind=${base%%-*}; month=${base#*-}
    [ "$2" = all ] || [ "$month" = "$2" ] || continue
    "$bin" import feed "$kind" "$f" --period "$month" --db "$db" >/dev/null
  done
}

if [ ! -f "$marker" ]; then
  started=$(date +%s)
  "$bin" demo --persons "$persons" --db "$db" >/dev/null
  loaded=$(date +%s)
  import_month_files "$feeds" all
  echo "loaded $persons people in $((loaded - started)) s, a year of feeds in $(($(date +%s) - loaded)) s"
  touch "$marker"
fi

measure() { # label, command… → prints wall time, peak memory and the command's own timing line
  local t; t=$(mktemp)
  /usr/bin/time -f '%e %M' -o "$t" "$@" >/dev/null 2>"$t.err" || { cat "$t.err" >&2; exit 1; }
  read -r s kb <"$t"
  printf '%-34s %7.3f s  peak %6.0f MiB  (%s)\n' "$label" "$s" "$((kb / 1024))" \
    "$(grep -o '读取.*' "$t.err" | tail -n 1)"
  rm -f "$t" "$t.err"
}

label="screen $period (recorded run)";  measure "$bin" screen --period "$period" --db "$db"
label="screen $period again";            measure "$bin" screen --period "$period" --db "$db"
# As after any change to the registry (an edit, a case approval that changes a household's kind):
# the run reads the tables and rewrites the screening cache. `serve` rebuilds it in the background
# within a minute, and a roster import rebuilds it at once, so users seldom meet this case.
bump="UPDATE registry_version SET version = version + 1 WHERE id = 1"
case "$backend" in
  sqlite) python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$out/integrated-$persons.db" "$bump" ;;
  postgres) psql -q "$db" -c "$bump" ;;
esac
label="screen $period (registry changed)"; measure "$bin" screen --period "$period" --db "$db"
if [ ! -f "$marker.next" ]; then
  started=$(date +%s.%N)
  import_month_files "$feeds_next" "$next"
  printf 'imported the %s files (9 kinds) in %.1f s\n' "$next" "$(echo "$(date +%s.%N) - $started" | bc)"
  touch "$marker.next"
fi
label="screen $next (one more month)";   measure "$bin" screen --period "$next" --db "$db"
