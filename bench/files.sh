#!/usr/bin/env bash
# Scenario 6 of bench/run.sh: 10,000 files (200 with --quick) to a local
# S3 server (versitygw on loopback), `handover files sync` next to
# `rclone copy`, both with 4 transfers at a time, each run into a fresh
# prefix of the same bucket.
#   bench/files.sh WORK RUNS HANDOVER MEASURE RESULTS META QUICK PROJECT
# Exit 4: skipped (the reason is in META as skip_files or skip_rclone).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$1 runs=$2 H=$3 M=$4 results=$5 meta=$6 quick=$7 template=$8
say() { echo "bench: $*" >&2; }
skip() { say "skipping files: $2"; echo "skip_$1=$2" >> "$meta"; exit 4; }

"$H" files sync --help > /dev/null 2>&1 || skip files "not yet: files sync not built"
command -v rclone > /dev/null || skip rclone "rclone is not installed (apt-get install rclone)"
gw=$(command -v versitygw || true)
for d in "${GOPATH:-}/bin" "$HOME/go/bin"; do
  [ -z "$gw" ] && [ -x "$d/versitygw" ] && gw=$d/versitygw
done
[ -n "$gw" ] || skip files "no local S3 server (go install github.com/versity/versitygw/cmd/versitygw)"
echo "rclone=$(rclone version | head -1 | awk '{print $2}')" >> "$meta"

n=10000
[ "$quick" = 1 ] && n=200
data=$work/files-$n
if [ ! -d "$data/attachments/files" ]; then
  rm -rf "$data"
  "$work/bin/gen" -files "$n" -out "$data" >&2
fi

# A free loopback port: nothing answers on it.
port=""
for p in $(seq 19100 19199); do
  if ! (exec 3<> "/dev/tcp/127.0.0.1/$p") 2> /dev/null; then port=$p; break; fi
done
[ -n "$port" ] || { say "no free port in 19100-19199"; exit 1; }
key=hobench$$ secret=hobench-secret-$$-$RANDOM
store=$work/s3 && rm -rf "$store" && mkdir -p "$store"
"$gw" --access "$key" --secret "$secret" --port "127.0.0.1:$port" --quiet posix "$store" > "$work/logs/versitygw.log" 2>&1 &
gwpid=$!
trap 'kill $gwpid 2> /dev/null || true; wait $gwpid 2> /dev/null || true; rm -rf "$store"' EXIT
export RCLONE_CONFIG_HOBENCH_TYPE=s3 RCLONE_CONFIG_HOBENCH_PROVIDER=Other \
  RCLONE_CONFIG_HOBENCH_ENDPOINT=http://127.0.0.1:$port RCLONE_CONFIG_HOBENCH_ACCESS_KEY_ID=$key \
  RCLONE_CONFIG_HOBENCH_SECRET_ACCESS_KEY=$secret RCLONE_CONFIG_HOBENCH_REGION=us-east-1
# Both talk plain HTTP to loopback; a CA bundle from the environment only
# makes rclone's S3 client refuse its own transport.
unset AWS_CA_BUNDLE
export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret
for _ in $(seq 50); do rclone lsd hobench: > /dev/null 2>&1 && break; sleep 0.2; done
rclone mkdir hobench:hobench

# A project whose only environment ships files to the server.
proj=$work/project-files
rm -rf "$proj" && cp -R "$template" "$proj"
sed -i '/^environments:/,$d' "$proj/handover.yaml"
cat >> "$proj/handover.yaml" <<YAML
environments:
  s3:
    database: sqlite://s3.db
    files: \${HOBENCH_FILES}
YAML
HOBENCH_FILES=dir://unused "$H" -C "$proj" receive "$data/attachments" > /dev/null

for i in $(seq "$runs"); do
  say "files / handover / run $i"
  HOBENCH_FILES="s3://hobench/ho-$i?endpoint=127.0.0.1:$port&secure=false" \
    "$M" -o "$results" -scenario files -tool handover -rows "$n" -run "$i" -stdout "$work/logs/files-handover-$i.out" -- \
    "$H" -C "$proj" --json files sync --env s3 --parallel 4 2> "$work/logs/files-handover-$i.err"
  say "files / rclone / run $i"
  "$M" -o "$results" -scenario files -tool rclone -rows "$n" -run "$i" -- \
    rclone copy --transfers 4 "$data/attachments/files" "hobench:hobench/rc-$i" 2> "$work/logs/files-rclone-$i.err"
done
