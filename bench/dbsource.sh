#!/usr/bin/env bash
# A database table as a source: `handover receive --databases` snapshotting
# a PostgreSQL table of N rows into an extraction (canonical CSV + metadata,
# hashed) next to the floor, `psql -c "\copy (select …) to FILE csv header"`
# of the same table. Both are timed as whole processes (bench/measure),
# back to back, R runs each; prints a Markdown section for docs/BENCHMARKS.md.
#
#   bench/dbsource.sh                 # 1M rows, 3 runs
#   bench/dbsource.sh --rows 10000 --runs 1
#
# Needs Go, psql and createdb/dropdb on $PGHOST:$PGPORT (default
# 127.0.0.1:5432, user postgres). The database it creates (hodbsrc_PID)
# is dropped when it exits; everything else goes to bench/out/dbsource.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000 runs=3
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift ;;
    --runs) runs=$2; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench/dbsource.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
work=bench/out/dbsource
rm -rf "$work" && mkdir -p "$work"
db=hodbsrc_$$
trap 'dropdb --if-exists "$db" >/dev/null 2>&1 || true' EXIT

go build -o "$work/handover" ./cmd/handover
go build -o "$work/measure" ./bench/measure
createdb "$db"
psql -q -v ON_ERROR_STOP=1 -d "$db" <<SQL
CREATE TABLE kunden (id bigint PRIMARY KEY, name text, email text, geboren date, betrag numeric(12,2),
  notiz text, seit timestamptz, aktiv bool);
INSERT INTO kunden
SELECT i, 'Name ' || i, 'kunde' || i || '@example.ch', date '1950-01-01' + (i % 20000),
  (i % 100000) / 100.0, CASE WHEN i % 7 = 0 THEN NULL ELSE 'Notiz, mit "Anführung" ' || i END,
  timestamptz '2020-01-01 00:00:00+00' + i * interval '1 minute', i % 2 = 0
FROM generate_series(1, $rows) AS i;
ANALYZE kunden;
SQL

# A project whose structures come from the table (the other recipe keeps
# its file: receive --databases reads only the database sources).
proj=$work/project
"$work/handover" init "$proj" >/dev/null
cat > "$proj/recipes/structures.yaml" <<'YAML'
entity: structures
source:
  database: ${BENCH_DB_URL}
  query: select * from kunden
fields:
  external_id: id
  name: name
YAML
export BENCH_DB_URL="postgres://$PGUSER@$PGHOST:$PGPORT/$db?sslmode=disable"

uptime_before=$(uptime)
results=$work/results.jsonl
for run in $(seq 1 "$runs"); do
  rm -rf "$proj/.handover/extractions"
  "$work/measure" -o "$results" -scenario dbsource -tool handover -rows "$rows" -run "$run" -- \
    "$work/handover" -C "$proj" receive --databases
  "$work/measure" -o "$results" -scenario dbsource -tool psql -rows "$rows" -run "$run" -- \
    psql -q -d "$db" -c "\\copy (select * from kunden) to '$work/psql.csv' csv header"
done
uptime_after=$(uptime)
snapshot=$(ls "$proj"/.handover/extractions/*/databases/structures.csv)
[ "$(($(wc -l < "$snapshot") - 1))" -ge "$rows" ] || { echo "bench/dbsource.sh: the snapshot has too few lines" >&2; exit 1; }

# The median of each tool's wall, CPU and peak RSS, and of the per-run ratios.
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
field() { grep "\"tool\":\"$1\"" "$results" | sed -E "s/.*\"$2\":([0-9.e+-]+).*/\\1/"; }
cpu() { paste <(field "$1" user_s) <(field "$1" sys_s) | awk '{print $1+$2}'; }
hw=$(field handover wall_s | median); pw=$(field psql wall_s | median)
hc=$(cpu handover | median); pc=$(cpu psql | median)
hr=$(field handover max_rss_kb | median); pr=$(field psql max_rss_kb | median)
ratio=$(paste <(field handover wall_s) <(field psql wall_s) | awk '{print $1/$2}' | median)
size=$(du -m "$snapshot" | cut -f1)

cat <<MD
## 7. A database table as a source: receive --databases

Written by \`bench/dbsource.sh --rows $rows --runs $runs\` on $(date -u '+%Y-%m-%d %H:%M UTC').
A PostgreSQL table of $(printf "%'d" "$rows") rows (bigint, text, email, date, numeric, text with quotes
and 1/7 NULL, timestamptz, bool; $size MB as CSV) read by \`handover receive --databases\`
(one REPEATABLE READ snapshot, text protocol, canonical CSV written and hashed into a
new extraction, plus its metadata) and by \`psql -c "\\copy (select * from kunden) to FILE csv header"\`,
back to back, $runs run(s), medians; ratio = median of the per-run wall ratios.

| tool | wall | CPU (user + sys) | peak RSS |
|---|---|---|---|
| handover receive --databases | $(printf %.2f "$hw") s | $(printf %.2f "$hc") s | $((hr / 1024)) MB |
| psql \\copy … to (floor) | $(printf %.2f "$pw") s | $(printf %.2f "$pc") s | $((pr / 1024)) MB |

ratio handover / psql: **$(printf '%.2f' "$ratio")×**. The server's CPU is in neither column.
Load before: \`$uptime_before\`; after: \`$uptime_after\`.
MD
