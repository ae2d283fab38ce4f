# Shared functions of the load scripts (benches/http.sh, benches/compare.sh); sourced, not run.
# Everything they start is recorded in $BENCH_WORK/run/*.pid and stopped by stop_all on exit.

BENCH_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_WORK=${BENCH_WORK:-/tmp/abstract-search-bench}
QUERIES=${QUERIES:-$BENCH_REPO/../shared/bench/queries.txt}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-"1 8 64"}
RUNS=${RUNS:-3}
mkdir -p "$BENCH_WORK/run" "$BENCH_WORK/logs"

say() { printf '[%s %s] %s\n' "$(basename "$0" .sh)" "$(date +%H:%M:%S)" "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ensure_wrk -> installs the wrk load generator from Debian when missing
ensure_wrk() {
  command -v wrk >/dev/null && return 0
  say "installing wrk (apt)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null
}

# build_release -> the release server and the HTTP floor; paths in $OURS_BIN and $FLOOR_BIN
build_release() {
  say "building the release server and the http floor"
  (cd "$BENCH_REPO" && cargo build --release --locked --bin abstract-search --example http-floor) >&2
  OURS_BIN="${CARGO_TARGET_DIR:-$BENCH_REPO/target}/release/abstract-search"
  FLOOR_BIN="${CARGO_TARGET_DIR:-$BENCH_REPO/target}/release/examples/http-floor"
}

# start_server NAME PORT CMD... -> background process, pid in $BENCH_WORK/run/NAME.pid
start_server() {
  local name=$1 port=$2; shift 2
  "$@" > "$BENCH_WORK/logs/$name.log" 2>&1 &
  echo $! > "$BENCH_WORK/run/$name.pid"
  wait_port "$port" || die "$name did not start on port $port (log: $BENCH_WORK/logs/$name.log)"
}

# stop_server NAME -> TERM, then KILL after 10 s, the recorded pid only
stop_server() {
  local pid_file="$BENCH_WORK/run/$1.pid" pid
  [ -f "$pid_file" ] || return 0
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  rm -f "$pid_file"
}

stop_all() {
  local pid_file
  for pid_file in "$BENCH_WORK"/run/*.pid; do
    [ -e "$pid_file" ] && stop_server "$(basename "$pid_file" .pid)"
  done
  return 0
}

# wait_port PORT [tries] -> polls until something answers HTTP on 127.0.0.1:PORT
wait_port() {
  local tries=${2:-1500}
  for _ in $(seq "$tries"); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.2
  done
  return 1
}

pid_of() { cat "$BENCH_WORK/run/$1.pid"; }

# tree_pids PID... -> the pids and all their descendants
tree_pids() {
  local pid
  for pid in "$@"; do
    echo "$pid"
    tree_pids $(pgrep -P "$pid" 2>/dev/null || true)
  done
}

# memory_kb PID... -> proportional set size (shared pages split among sharers) summed over
# the processes and their children, in kB; equals RSS for a single process
memory_kb() {
  local total=0 pid pss
  for pid in $(tree_pids "$@"); do
    pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)
    total=$((total + ${pss:-0}))
  done
  echo "$total"
}

# sample_memory OUT PID... -> background sampler writing the peak memory_kb to OUT every 0.5 s;
# kill it with stop_sampler
sample_memory() {
  local out=$1; shift
  (
    peak=0
    while true; do
      now=$(memory_kb "$@")
      [ "$now" -gt "$peak" ] && peak=$now && echo "$peak" > "$out"
      sleep 0.5
    done
  ) &
  SAMPLER_PID=$!
}
stop_sampler() { kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true; }

# load_run LABEL TARGET URL_TEMPLATE CONNECTIONS PIDS [HEADER] -> one wrk run of the query mix;
# appends "LABEL target=... connections=... RESULT ... peak_kb=..." to $RESULTS/load.txt and
# prints it. URL_TEMPLATE is http://HOST:PORT/PATH?...{q}...
load_run() {
  local label=$1 target=$2 template=$3 connections=$4 pids=$5 header=${6:-}
  local base path threads=2 memory_file line
  base=$(printf '%s' "$template" | sed -E 's#^(https?://[^/]+).*#\1#')
  path=${template#"$base"}
  [ "$connections" -lt 2 ] && threads=1
  memory_file=$(mktemp)
  echo 0 > "$memory_file"
  # shellcheck disable=SC2086
  sample_memory "$memory_file" $pids
  local args=(-t "$threads" -c "$connections" -d "$DURATION" --timeout 5s -s "$BENCH_REPO/benches/wrk-mix.lua")
  [ -n "$header" ] && args+=(-H "$header")
  line=$(wrk "${args[@]}" "$base" -- "$QUERIES" "$path" | grep '^RESULT' || echo "RESULT failed=1")
  stop_sampler
  line="$label target=$target connections=$connections ${line#RESULT } peak_kb=$(cat "$memory_file")"
  rm -f "$memory_file"
  echo "$line" >> "$RESULTS/load.txt"
  say "$line"
}

# body_of URL OUT -> saves one answer (for the floor body, and as a sanity check of each target)
body_of() { curl -sf "$1" -o "$2" -H "X-TYPESENSE-API-KEY: peers" || die "no answer from $1"; }

# machine_info OUT -> what ran where: CPU, memory, kernel, tool versions, load average
machine_info() {
  {
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "cpu: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
    echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
    echo "kernel: $(uname -sr)"
    echo "rustc: $(rustc --version 2>/dev/null)"
    echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "commit: $(git -C "$BENCH_REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$BENCH_REPO" diff --quiet 2>/dev/null || echo ' (modified)')"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "settings: DURATION=$DURATION RUNS=$RUNS CONNECTIONS='$CONNECTIONS' wrk threads: 1 at 1 connection, else 2"
  } > "$1"
}

# corpus_folder NAME INPUT -> a corpus folder under $BENCH_WORK holding INPUT (symlinked) and the
# repository's labs.toml and synonyms.toml, so the served engine is configured as in production
corpus_folder() {
  local dir="$BENCH_WORK/corpus-$1" input=$2
  rm -rf "$dir"; mkdir -p "$dir"
  if [ -d "$input" ]; then
    for file in "$input"/*; do ln -s "$(realpath "$file")" "$dir/"; done
  else
    ln -s "$(realpath "$input")" "$dir/"
  fi
  for config in labs.toml synonyms.toml; do
    [ -e "$dir/$config" ] || cp "$BENCH_REPO/corpus/$config" "$dir/"
  done
  echo "$dir"
}

# ingest_ours LABEL CORPUS_DIR INDEX_DIR -> timed `abstract-search ingest`; appends to ingest.txt
ingest_ours() {
  local label=$1 corpus=$2 index=$3 started ended records bytes
  rm -rf "$index"
  started=$(date +%s.%N)
  "$OURS_BIN" ingest --corpus "$corpus" --index "$index" --json > "$BENCH_WORK/logs/ingest-$label.json" \
    2> "$BENCH_WORK/logs/ingest-$label.log" || [ $? = 2 ] || die "ingest of $corpus failed (log: $BENCH_WORK/logs/ingest-$label.log)"
  ended=$(date +%s.%N)
  records=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$BENCH_WORK/logs/ingest-$label.json")
  bytes=$(find -L "$corpus" -maxdepth 1 -type f ! -name '*.toml' -printf '%s\n' | awk '{s += $1} END {print s}')
  echo "ingest label=$label target=ours seconds=$(awk "BEGIN {print $ended - $started}") records=$records input_bytes=$bytes index_kb=$(du -sk -L "$index/current" | cut -f1)" >> "$RESULTS/ingest.txt"
  tail -1 "$RESULTS/ingest.txt" >&2
}

# wait_port_url URL [tries] -> polls until URL answers 2xx
wait_port_url() {
  local tries=${2:-300}
  for _ in $(seq "$tries"); do
    curl -sf -o /dev/null -H "X-TYPESENSE-API-KEY: peers" "$1" && return 0
    sleep 0.2
  done
  return 1
}
