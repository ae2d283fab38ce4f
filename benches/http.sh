#!/usr/bin/env bash
# HTTP load bench of our server against the HTTP floor, in one run.
#   benches/http.sh [CORPUS]          CORPUS: a corpus folder or one input file (default: corpus/)
# Builds the release server and the floor (benches/floor.rs), ingests CORPUS into an index under
# $BENCH_WORK (/tmp/abstract-search-bench), serves it on 127.0.0.1:$PORT_OURS (3101), saves one real
# /api/search answer as the floor's fixed body, serves the floor on $PORT_FLOOR (3102), then for each
# of $RUNS repetitions drives both with wrk at every level of $CONNECTIONS ("1 8 64") for $DURATION
# (10s): the query mix $QUERIES (../shared/bench/queries.txt) with snippets and every facet on, as
# the API computes them by default. Prints req/s, p50, p99, p99.9, peak memory and the ratio to
# the floor; tables and raw lines go to $RESULTS (bench-results/http-DATE/). Stops what it started.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
CORPUS=${1:-$BENCH_REPO/corpus}
PORT_OURS=${PORT_OURS:-3101} PORT_FLOOR=${PORT_FLOOR:-3102}
RESULTS=${RESULTS:-$BENCH_REPO/bench-results/http-$(date +%Y%m%d-%H%M%S)}
LABEL=${LABEL:-$(basename "$CORPUS" | sed 's/\.[^.]*$//')}
mkdir -p "$RESULTS"
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
[ -f "$QUERIES" ] || die "query mix $QUERIES is absent"

ensure_wrk
build_release
machine_info "$RESULTS/machine.txt"
corpus=$(corpus_folder "$LABEL" "$CORPUS")
index="$BENCH_WORK/index-$LABEL"
ingest_ours "$LABEL" "$corpus" "$index"
start_server ours "$PORT_OURS" "$OURS_BIN" serve --addr "127.0.0.1:$PORT_OURS" --corpus "$corpus" --index "$index"
OURS_URL="http://127.0.0.1:$PORT_OURS/api/search?q={q}"
first_query=$(head -1 "$QUERIES" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read().strip()))')
body_of "http://127.0.0.1:$PORT_OURS/api/search?q=$first_query" "$RESULTS/floor-body.json"
start_server floor "$PORT_FLOOR" "$FLOOR_BIN" "127.0.0.1:$PORT_FLOOR" "$RESULTS/floor-body.json"

for run in $(seq "$RUNS"); do
  for connections in $CONNECTIONS; do
    load_run "$LABEL" floor "http://127.0.0.1:$PORT_FLOOR/api/search?q={q}" "$connections" "$(pid_of floor)"
    load_run "$LABEL" ours "$OURS_URL" "$connections" "$(pid_of ours)"
  done
  say "run $run of $RUNS done"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
python3 "$BENCH_REPO/benches/report.py" "$RESULTS"
