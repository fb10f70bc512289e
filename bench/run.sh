#!/usr/bin/env bash
# The benchmarks of docs/BENCHMARKS.md: handover next to the physical floor
# (psql \copy, sqlite3 .import, DuckDB) and its peers (pgloader, rclone),
# each scenario timed as whole processes, several runs, medians reported.
#
#   bench/run.sh                  # 1M contacts, 3 runs each, writes docs/BENCHMARKS.md
#   bench/run.sh --rss-10m        # the same, plus the peak RSS of an import of 10M contacts
#   bench/run.sh --fixup          # the same, plus BenchmarkFixup (internal/engine) at --rows, --runs times:
#                                 # an import without and with a fix-up rule linking every row,
#                                 # SQLite and PostgreSQL, back to back (docs/BENCHMARKS.md section 13)
#   bench/run.sh --scale-10m      # plus 10M contacts + 5M sales → PostgreSQL (peak RSS ≤ 512 MB; ~15 min)
#   bench/run.sh --scale-100m     # plus a 100M-row delivery (20M contacts + 80M sales): import
#                                 # → PostgreSQL and check, each peak RSS < 1 GB (hours, ~25 GB of disk)
#   bench/run.sh --quick          # 10k contacts, 1 run: the smoke test (bench/out/BENCHMARKS.quick.md)
#   bench/run.sh --rows N --runs R [--pgloader-runs R] [--out FILE] [--work DIR] [--only check,pg,sqlite,delta,files,mysql]
#   bench/run.sh --report         # only rewrite the report from the last run's measurements
#                                 # (after editing bench/NOTES.md, the analysis it appends)
#
# Needs Go, PostgreSQL on $PGHOST:$PGPORT (default 127.0.0.1:5432, user
# postgres, allowed to create databases) with psql/createdb, and sqlite3;
# for the MySQL scenario a MySQL / MariaDB server on $MYHOST:$MYPORT
# (default 127.0.0.1:3306, user root, no password) and its client.
# DuckDB (npm ci in bench/), pgloader, rclone and versitygw (the S3 server)
# are used when present; a missing one is skipped with a note in the report
# (and is an error in a full run unless --allow-missing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all="check,pg,sqlite,delta,files,mysql"
rows=1000000 runs=3 pgl_runs="" quick=0 big=0 fix=0 scale10=0 scale100=0 out="" work=bench/out only=$all
allow_missing=0 report_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift ;;
    --runs) runs=$2; shift ;;
    --pgloader-runs) pgl_runs=$2; shift ;;
    --report) report_only=1 ;;
    --quick) quick=1 ;;
    --rss-10m) big=1 ;;
    --fixup) fix=1 ;;
    --scale-10m) scale10=1 ;;
    --scale-100m) scale100=1 ;;
    --out) out=$2; shift ;;
    --work) work=$2; shift ;;
    --only) only=$2; shift ;;
    --allow-missing) allow_missing=1 ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ $quick = 1 ]; then
  rows=10000 runs=1 allow_missing=1
  out=${out:-$work/BENCHMARKS.quick.md}
fi
out=${out:-docs/BENCHMARKS.md}
pgl_runs=${pgl_runs:-$runs}
structures=$(( rows / 10 > 0 ? rows / 10 : 1 ))
total=$(( rows + structures ))

export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
mkdir -p "$work"
work=$(cd "$work" && pwd)
bin=$work/bin results=$work/results.jsonl meta=$work/meta.env logs=$work/logs
notes=""
[ $quick = 0 ] && [ -f bench/NOTES.md ] && notes=bench/NOTES.md
if [ $report_only = 1 ]; then
  [ -s "$results" ] || { echo "bench/run.sh: no measurements in $results: run the benchmark first" >&2; exit 1; }
  go build -o "$bin/report" ./bench/report
  "$bin/report" -results "$results" -meta "$meta" ${notes:+-notes "$notes"} -o "$out"
  echo "bench: wrote $out" >&2
  exit 0
fi
rm -rf "$logs" && mkdir -p "$bin" "$logs"
: > "$results"
: > "$meta"
say() { echo "bench: $*" >&2; }
note() { echo "$1=$2" >> "$meta"; }
want() { [[ ",$only," == *",$1,"* ]]; }

# A missing peer is skipped with its reason in the report; in a full run
# that is an error unless --allow-missing.
skip() {
  say "skipping $1: $2"
  note "skip_$1" "$2"
  if [ $allow_missing = 0 ]; then
    say "a full run needs every peer (install it, or pass --allow-missing)"; exit 1
  fi
}

say "building handover and the harness"
go build -o "$bin/handover" ./cmd/handover
for t in gen measure report; do go build -o "$bin/$t" "./bench/$t"; done
H=$bin/handover

# measure SCENARIO TOOL ROWS RUN CMD...: one timed run.
measure() {
  local scenario=$1 tool=$2 n=$3 run=$4; shift 4
  say "$scenario / $tool / run $run"
  "$bin/measure" -o "$results" -scenario "$scenario" -tool "$tool" -rows "$n" -run "$run" \
    -stdout "$logs/$scenario-$tool-$run.out" -- "$@" 2> "$logs/$scenario-$tool-$run.err" || {
    say "$scenario / $tool failed: see $logs/$scenario-$tool-$run.err"; tail -5 "$logs/$scenario-$tool-$run.err" >&2; return 1; }
}

# generate DIR ROWS [ARGS]: the data, reused while the generator is unchanged.
generate() {
  local dir=$1 n=$2; shift 2
  local stamp
  stamp="$(sha256sum "$bin/gen" | cut -c1-16) $n $*"
  if [ -f "$dir/manifest.json" ] && [ "$(cat "$dir/.stamp" 2>/dev/null)" = "$stamp" ]; then return; fi
  rm -rf "$dir"
  "$bin/gen" -rows "$n" -out "$dir" "$@" >&2
  echo "$stamp" > "$dir/.stamp"
}

# The databases this run creates, dropped on exit.
dbs=()
cleanup() { for d in "${dbs[@]}"; do dropdb --if-exists "$d" 2>/dev/null || true; done; }
trap cleanup EXIT
# freshdb NAME: an empty database with the target tables, checkpointed.
freshdb() {
  dropdb --if-exists "$1" 2>/dev/null
  createdb "$1"
  dbs+=("$1")
  psql -q -X -v ON_ERROR_STOP=1 -d "$1" -f bench/sql/postgres.sql
  psql -q -X -d "$1" -c CHECKPOINT
}
dsn() { echo "postgres://$PGUSER@$PGHOST:$PGPORT/$1?sslmode=disable"; }
db=hobench_$$

args="--rows $rows --runs $runs"
[ "$pgl_runs" != "$runs" ] && args+=" --pgloader-runs $pgl_runs"
[ $big = 1 ] && args+=" --rss-10m"
[ $fix = 1 ] && args+=" --fixup"
[ $scale10 = 1 ] && args+=" --scale-10m"
[ $scale100 = 1 ] && args+=" --scale-100m"
[ "$only" != "$all" ] && args+=" --only $only"
[ $quick = 1 ] && args="--quick"
note command "bench/run.sh $args"
note date "$(date -u '+%Y-%m-%d %H:%M UTC')"
note rows "$rows"
note structures "$structures"
note runs "$runs"
note cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
note cores "$(nproc)"
note memory "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
note load_before "$(cut -d' ' -f1-3 /proc/loadavg)"
note go "$(go version | cut -d' ' -f3)"
note psql "$(psql --version | awk '{print $3}')"
note postgres "$(psql -X -tAc 'show server_version' -d postgres | awk '{print $1}')"
note sqlite "$(sqlite3 --version | awk '{print $1}')"

say "generating $rows contacts"
data=$work/data-$rows
generate "$data/x1" "$rows"
generate "$data/x2" "$rows" -extraction 2 -change 0.01
x1=$data/x1 x2=$data/x2

# One project with both extractions received (receiving is not timed).
proj=$work/project-$rows
rm -rf "$proj" && cp -R "$x1/project" "$proj"
export HOBENCH_DB=sqlite://unused.db
"$H" -C "$proj" receive "$x1/delivery" > /dev/null
"$H" -C "$proj" receive "$x2/delivery" > /dev/null

if want check; then
  duck=""
  if command -v node > /dev/null; then
    if [ ! -d bench/node_modules/@duckdb/node-api ] && [ $quick = 0 ] && command -v npm > /dev/null; then
      (cd bench && npm ci --no-audit --no-fund > /dev/null)
    fi
    [ -d bench/node_modules/@duckdb/node-api ] && duck=1
  fi
  if [ -n "$duck" ]; then
    note duckdb "$(node -p "require('./bench/node_modules/@duckdb/node-api/package.json').version")"
    note node "$(node --version)"
  else
    skip duckdb "DuckDB is not installed (cd bench && npm ci)"
  fi
  for i in $(seq "$runs"); do
    measure check handover "$total" "$i" "$H" -C "$proj" --json check --extraction 1
    if [ -n "$duck" ]; then
      measure check duckdb "$total" "$i" node bench/duckdb/check.mjs "$x1/delivery" "$x1/project/lookups"
    fi
  done
fi

if want pg; then
  pgl=""
  if command -v pgloader > /dev/null; then
    pgl=1
    note pgloader "$(pgloader --version | head -1 | awk '{print $3}' | tr -d '"')"
  else
    skip pgloader "pgloader is not installed (apt-get install pgloader)"
  fi
  for i in $(seq "$runs"); do
    freshdb "$db"
    HOBENCH_DB=$(dsn "$db") measure pg-import handover "$total" "$i" "$H" -C "$proj" --json import --env bench --extraction 1
    freshdb "$db"
    measure pg-import psql "$total" "$i" psql -X -1 -v ON_ERROR_STOP=1 -d "$db" \
      -c "\\copy structures from '$x1/clean/structures.csv' csv header" \
      -c "\\copy contacts from '$x1/clean/contacts.csv' csv header"
    if [ -n "$pgl" ] && [ "$i" -le "$pgl_runs" ]; then
      freshdb "$db"
      sed -e "s|@DIR@|$x1|g" -e "s|@DSN@|postgresql://$PGUSER@$PGHOST:$PGPORT/$db|g" \
        bench/pgloader/delivery.load > "$work/delivery.load"
      rm -rf "$work/pgloader"
      measure pg-import pgloader "$total" "$i" pgloader --root-dir "$work/pgloader" \
        --load-lisp-file bench/pgloader/transforms.lisp "$work/delivery.load"
    fi
  done
fi

if want sqlite; then
  lite=$work/sqlite
  mkdir -p "$lite"
  for i in $(seq "$runs"); do
    rm -f "$lite"/*.db*
    sqlite3 "$lite/ho.db" < bench/sql/sqlite.sql
    HOBENCH_DB=sqlite://$lite/ho.db measure sqlite-import handover "$total" "$i" "$H" -C "$proj" --json import --env bench --extraction 1
    sqlite3 "$lite/floor.db" < bench/sql/sqlite.sql
    measure sqlite-import sqlite3 "$total" "$i" sqlite3 "$lite/floor.db" \
      ".import --csv --skip 1 '$x1/clean/structures.csv' structures" \
      ".import --csv --skip 1 '$x1/clean/contacts.csv' contacts"
  done
fi

if want mysql; then
  MYHOST=${MYHOST:-127.0.0.1} MYPORT=${MYPORT:-3306} MYUSER=${MYUSER:-root}
  export MYSQL_ARGS="--protocol=tcp -h $MYHOST -P $MYPORT -u $MYUSER"
  myclient=$(command -v mariadb || command -v mysql || true)
  # shellcheck disable=SC2086
  if [ -z "$myclient" ] || ! "$myclient" $MYSQL_ARGS -e 'SELECT 1' > /dev/null 2>&1; then
    skip mysql "no MySQL / MariaDB server on $MYHOST:$MYPORT (or no client)"
  else
    note mysql "$("$myclient" $MYSQL_ARGS -N -e 'SELECT version()')"
    myfresh() {
      "$myclient" $MYSQL_ARGS -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1 CHARACTER SET utf8mb4"
      "$myclient" $MYSQL_ARGS "$1" < bench/sql/mysql.sql
    }
    for i in $(seq "$runs"); do
      myfresh "$db"
      HOBENCH_DB="mysql://$MYUSER@$MYHOST:$MYPORT/$db" measure mysql-import handover "$total" "$i" "$H" -C "$proj" --json import --env bench --extraction 1
      myfresh "$db"
      measure mysql-import mariadb "$total" "$i" bench/sql/mysql-load.sh "$x1/clean" "$db"
    done
    "$myclient" $MYSQL_ARGS -e "DROP DATABASE IF EXISTS $db"
  fi
fi

if want delta; then
  # Extraction 2 changes 1 % of the contacts: the delta imports it into the
  # environment extraction 1 went into (unchanged rows are skipped before
  # the transform), the full import is extraction 1 into a fresh one.
  lite=$work/sqlite
  mkdir -p "$lite"
  for i in $(seq "$runs"); do
    freshdb "$db"
    HOBENCH_DB=$(dsn "$db") measure delta handover-full "$total" "$i" "$H" -C "$proj" --json import --env bench --extraction 1
    psql -q -X -d "$db" -c CHECKPOINT
    HOBENCH_DB=$(dsn "$db") measure delta handover-delta "$total" "$i" "$H" -C "$proj" --json import --env bench --extraction 2
    rm -f "$lite"/*.db*
    sqlite3 "$lite/ho.db" < bench/sql/sqlite.sql
    HOBENCH_DB=sqlite://$lite/ho.db measure delta-sqlite handover-full "$total" "$i" "$H" -C "$proj" --json import --env bench --extraction 1
    HOBENCH_DB=sqlite://$lite/ho.db measure delta-sqlite handover-delta "$total" "$i" "$H" -C "$proj" --json import --env bench --extraction 2
  done
fi

if [ $big = 1 ]; then
  say "generating 10M contacts for the memory scenario"
  generate "$work/data-10000000/x1" 10000000
  bigproj=$work/project-10000000
  rm -rf "$bigproj" && cp -R "$work/data-10000000/x1/project" "$bigproj"
  "$H" -C "$bigproj" receive "$work/data-10000000/x1/delivery" > /dev/null
  freshdb "$db"
  HOBENCH_DB=$(dsn "$db") measure rss-10m handover 11000000 1 "$H" -C "$bigproj" --json import --env bench
  dropdb "$db"
  rm -rf "$bigproj"
fi

if [ $fix = 1 ]; then
  # One pair of imports (without, then with the rule) per run, in the
  # benchmark's process; each import is a sample of results.jsonl.
  say "fix-ups: BenchmarkFixup at $rows rows ($logs/fixup.txt)"
  for i in $(seq "$runs"); do
    HANDOVER_BENCH_ROWS=$rows HANDOVER_BENCH_RUN=$i HANDOVER_BENCH_RESULTS=$results \
      HANDOVER_TEST_POSTGRES=${HANDOVER_TEST_POSTGRES:-$(dsn postgres)} \
      go test ./internal/engine -run '^$' -bench Fixup -benchtime 1x | tee -a "$logs/fixup.txt" >&2
  done
fi

# scale NAME CONTACTS SALES [check]: one import of a big delivery into a
# fresh PostgreSQL database (and, with check, a check of it), measured
# once each; the data is generated on the first run and kept.
scale() {
  local name=$1 n=$2 sales=$3 also=${4:-}
  local dir=$work/data-$name/x1 sproj=$work/project-$name
  say "generating $n contacts + $sales sales for $name"
  generate "$dir" "$n" -sales "$sales"
  rm -rf "$sproj" && cp -R "$dir/project" "$sproj"
  "$H" -C "$sproj" receive "$dir/delivery" > /dev/null
  local total=$(( n + n / 10 + sales ))
  freshdb "$db"
  HOBENCH_DB=$(dsn "$db") measure "$name" handover "$total" 1 "$H" -C "$sproj" --json import --env bench
  dropdb "$db"
  if [ "$also" = check ]; then
    measure "$name-check" handover "$total" 1 "$H" -C "$sproj" --json check
  fi
  rm -rf "$sproj"
}
[ $scale10 = 1 ] && scale scale-10m 10000000 5000000
[ $scale100 = 1 ] && scale scale-100m 20000000 80000000 check

if want files; then
  bench/files.sh "$work" "$runs" "$H" "$bin/measure" "$results" "$meta" "$quick" "$x1/project" || {
    [ $? = 4 ] || exit 1
    grep -q '^skip_files=' "$meta" && [ $allow_missing = 0 ] && { say "files: a full run needs every peer"; exit 1; }
  }
fi

note load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
note handover "$(grep -ho '"version": *"[^"]*"' "$logs"/*handover*-1.out 2>/dev/null | head -1 | cut -d'"' -f4)"
"$bin/report" -results "$results" -meta "$meta" ${notes:+-notes "$notes"} -o "$out"
say "wrote $out"
