#!/usr/bin/env bash
# The customer portal's upload + validation (issue 14): a delivery of N
# contacts (bench/gen, about 200 MB at 1M) POSTed to `handover serve` as a
# customer — multipart, streamed — until its queued check has finished,
# next to `handover check` of the same files from the command line. Prints
# a Markdown table for docs/BENCHMARKS.md: wall times, the ratio (target
# ≤ 1.3×), the server's peak RSS over the whole session (VmHWM of the serve
# process, which runs the check on its in-process worker; target < 300 MB)
# and the load average next to every figure.
#
#   bench/portal.sh                  # 1M contacts, 3 runs each
#   bench/portal.sh --rows 10000 --runs 1
#
# Needs Go, curl and jq. Everything goes to bench/out/portal; the server
# it starts is stopped when it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000 runs=3 port=18473
while [ $# -gt 0 ]; do
  case $1 in
    --rows) rows=$2; shift ;;
    --runs) runs=$2; shift ;;
    --port) port=$2; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench/portal.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
work=bench/out/portal
rm -rf "$work" && mkdir -p "$work"
work=$(cd "$work" && pwd)
say() { echo "bench/portal: $*" >&2; }
load1() { cut -d' ' -f1 /proc/loadavg; }
now() { date +%s.%N; }
# cpu PID: user + system CPU seconds of a process so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$1/stat"; }

go build -o "$work/handover" ./cmd/handover
go build -o "$work/gen" ./bench/gen
go build -o "$work/measure" ./bench/measure
say "generating $rows contacts"
"$work/gen" -rows "$rows" -out "$work/data" >&2
project=$work/data/project
files=("$work"/data/delivery/*.csv)
bytes=$(cat "${files[@]}" | wc -c)
H="$work/handover"
export HOBENCH_DB=sqlite://$work/unused.db HANDOVER_USER=bench

"$H" -C "$project" receive "$work/data/delivery" >&2
printf 'a long benchmark password\n' | "$H" -C "$project" users add ann@bench.example --name Ann --role customer --migration bench --password-stdin >&2
token=$("$H" -C "$project" users token ann@bench.example)

"$H" -C "$project" serve --addr "127.0.0.1:$port" --workers 1 2>"$work/serve.log" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

results=$work/results.jsonl
: > "$results"
declare -a cli portal cli_load portal_load cli_cpu portal_cpu
cli_run() {
  say "run $1: handover check (CLI)"
  "$work/measure" -o "$results" -scenario portal -tool cli-check -rows "$rows" -run "$1" -- \
    "$H" -C "$project" check --extraction 1 >&2 || true
  cli[$1]=$(tail -1 "$results" | jq -r .wall_s)
  cli_load[$1]=$(tail -1 "$results" | jq -r .load1)
  cli_cpu[$1]=$(tail -1 "$results" | jq -r '.user_s + .sys_s')
}
portal_run() {
  say "run $1: upload + queued check through the server"
  portal_load[$1]=$(load1)
  local c0 t0 t1 resp n st form=()
  c0=$(cpu "$server")
  t0=$(now)
  for f in "${files[@]}"; do form+=(-F "file=@$f"); done
  resp=$(curl -fsS -H "Authorization: Bearer $token" "${form[@]}" "$base/api/v1/migrations/bench/deliveries")
  n=$(jq -r .run <<<"$resp")
  while :; do
    st=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/migrations/bench/runs/$n" | jq -r .status)
    case $st in queued|running|null|"") sleep 0.25 ;; *) break ;; esac
  done
  t1=$(now)
  portal[$1]=$(echo "$t1 - $t0" | bc)
  portal_cpu[$1]=$(echo "$(cpu "$server") - $c0" | bc)
  say "run $1: portal ${portal[$1]} s (CPU ${portal_cpu[$1]} s; check run $n: $st)"
}
# Odd runs measure the command line first, even runs the server first:
# neither always follows the other on a shared machine.
for run in $(seq "$runs"); do
  if [ $((run % 2)) = 1 ]; then cli_run "$run"; portal_run "$run"; else portal_run "$run"; cli_run "$run"; fi
done
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratios() { local -n num=$1 den=$2; for r in $(seq "$runs"); do echo "scale=3; ${num[$r]} / ${den[$r]}" | bc; done; }
mc=$(median "${cli[@]}") mp=$(median "${portal[@]}") ccpu=$(median "${cli_cpu[@]}") pcpu=$(median "${portal_cpu[@]}")
wr=$(median $(ratios portal cli)) cr=$(median $(ratios portal_cpu cli_cpu))
echo "| run | \`handover check\` (CLI): wall (CPU) | load | upload + queued check (server): wall (CPU) | load | ratio: wall (CPU) |"
echo "|---|---|---|---|---|---|"
for run in $(seq "$runs"); do
  printf '| %s | %.2f s (%.2f s) | %s | %.2f s (%.2f s) | %s | %.2f× (%.2f×) |\n' "$run" "${cli[$run]}" "${cli_cpu[$run]}" "${cli_load[$run]}" \
    "${portal[$run]}" "${portal_cpu[$run]}" "${portal_load[$run]}" \
    "$(echo "scale=3; ${portal[$run]} / ${cli[$run]}" | bc)" "$(echo "scale=3; ${portal_cpu[$run]} / ${cli_cpu[$run]}" | bc)"
done
printf '| median | %.2f s (%.2f s) | | %.2f s (%.2f s) | | **%.2f× (%.2f×)** |\n' "$mc" "$ccpu" "$mp" "$pcpu" "$wr" "$cr"
echo
echo "$rows contacts + $((rows / 10)) structures, $((bytes / 1000000)) MB in ${#files[@]} files; server peak RSS (VmHWM, the whole session): $((hwm / 1024)) MiB"
