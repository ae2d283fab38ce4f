#!/usr/bin/env bash
# One command for the side-by-side tables and the scale curve of BENCHMARKS.md: ours and the peers on the same corpus and query
# mix, one after another in one run, then the scale curve.
#   benches/compare.sh                 full run (~16 min on 2 cores, ~25 with the installs)
#   QUICK=1 benches/compare.sh         smoke run: 3 s per load, 1 repetition, no 1M corpus
# Settings (environment): RUNS (3) repetitions of every load, DURATION (10s) per load,
# CONNECTIONS ("1 8 64"), PEERS ("typesense pg tantivy-cli", recipes in ../shared/peers),
# SCALE ("200000 1000000" synthetic sizes; "" to skip), SCALE_RUNS (2), CORPUS (the 50k file),
# BENCH_WORK (/tmp/abstract-search-bench: corpora, indexes, logs), RESULTS (bench-results/compare-DATE).
# SCALE_ONLY=1 runs step 4 alone for the SCALE sizes (e.g. to add a point to an existing RESULTS).
#
# What it does, in order:
#  1. installs what is missing: wrk (apt), the release server and the HTTP floor (cargo), each
#     peer through its own recipe (`PEER.sh install`, which uses apt, PyPI or crates.io);
#  2. converts the corpus to the peers' record shape (benches/peer-corpus.py) and loads it
#     everywhere, timing each load: ours = `abstract-search ingest`, typesense = bulk import,
#     pg = COPY + tsvector + GIN, tantivy-cli = `tantivy index`;
#  3. RUNS times: at each connection level, wrk drives every target for DURATION with the query
#     mix (benches/wrk-mix.lua): the floor (benches/floor.rs serving one real answer of ours),
#     ours with facet_limit=10 (Typesense's default of 10 values per facet), ours with every facet
#     value (the API default), then each peer; memory is sampled during each load;
#  4. for each SCALE size: builds a synthetic corpus by recombining the real abstracts
#     (benches/synth-corpus.py), ingests it, serves it and loads it at 1 and 8 connections;
#  5. writes tables.md and scale.svg into RESULTS (benches/report.py) and stops every server
#     it started, peers included.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ "${QUICK:-0}" = 1 ]; then
  DURATION=${DURATION_QUICK:-3s} RUNS=1 SCALE=${SCALE-200000} SCALE_RUNS=1
fi
CORPUS=${CORPUS:-$BENCH_REPO/../shared/bench/arxiv-physics-50k.jsonl}
PEERS_HOME=${PEERS_HOME:-$BENCH_REPO/../shared/peers}
PEERS=${PEERS-"typesense pg tantivy-cli"}
SCALE=${SCALE-"200000 1000000"}
SCALE_RUNS=${SCALE_RUNS:-2}
PORT_OURS=${PORT_OURS:-3101} PORT_FLOOR=${PORT_FLOOR:-3102} PORT_SCALE=${PORT_SCALE:-3103}
RESULTS=${RESULTS:-$BENCH_REPO/bench-results/compare-$(date +%Y%m%d-%H%M%S)}
PEERS_WORK=${PEERS_DIR:-/tmp/peers}
mkdir -p "$RESULTS"
[ -f "$CORPUS" ] || die "corpus $CORPUS is absent"
[ -f "$QUERIES" ] || die "query mix $QUERIES is absent"
[ -d "$PEERS_HOME" ] || die "peer recipes $PEERS_HOME are absent"

declare -A PEER_URL=(
  [typesense]='http://127.0.0.1:7708/collections/contribs/documents/search?q={q}&query_by=title,abstract,authors,affiliations,speakers&facet_by=theme,day&highlight_fields=abstract&per_page=10'
  [pg]='http://127.0.0.1:7704/search?q={q}'
  [tantivy-cli]='http://127.0.0.1:7701/api/?q={q}&nhits=10'
)
declare -A PEER_HEALTH=(
  [typesense]='http://127.0.0.1:7708/health'
  [pg]='http://127.0.0.1:7704/health'
  [tantivy-cli]='http://127.0.0.1:7701/api/?q=x'
)
# tantivy-cli's iron/hyper-0.10 server stalls on keep-alive (~40 ms per request, delayed ACKs):
# it is driven with a new connection per request, as in the issue's reference figures.
declare -A PEER_HEADER=(
  [typesense]='X-TYPESENSE-API-KEY: peers'
  [pg]=''
  [tantivy-cli]='Connection: close'
)

stop_everything() {
  stop_all
  for peer in $PEERS; do "$PEERS_HOME/$peer.sh" stop >/dev/null 2>&1 || true; done
}
trap stop_everything EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# peer_pids PEER -> the processes whose memory is the peer's
peer_pids() {
  case $1 in
    pg) echo "$(head -1 "$PEERS_WORK/pg/data/postmaster.pid" 2>/dev/null) $(cat "$PEERS_WORK/run/pg-shim.pid" 2>/dev/null)" ;;
    typesense) cat "$PEERS_WORK/run/typesense.pid" ;;
    tantivy-cli) cat "$PEERS_WORK/run/tantivy-cli.pid" ;;
  esac
}

# peer_index_kb PEER -> size of what the peer keeps on disk for the corpus
peer_index_kb() {
  case $1 in
    typesense) du -sk "$PEERS_WORK/typesense-data" | cut -f1 ;;
    tantivy-cli) du -sk "$PEERS_WORK/tantivy-cli/idx" | cut -f1 ;;
    pg) psql -X -qtA -h "$PEERS_WORK/pg" -p 7703 -U postgres -d peers \
          -c "SELECT pg_total_relation_size('contribs') / 1024" 2>/dev/null || echo 0 ;;
  esac
}

# --- 1. install -------------------------------------------------------------------------------
ensure_wrk
build_release
label=$(basename "$CORPUS" .jsonl | sed 's/^arxiv-physics-//')
records=$(grep -c . "$CORPUS")
if [ "${SCALE_ONLY:-0}" = 1 ]; then
  machine_info "$RESULTS/machine-scale.txt"
  PEERS=""
fi
[ "${SCALE_ONLY:-0}" = 1 ] || {
machine_info "$RESULTS/machine.txt"
echo "peers: $PEERS" >> "$RESULTS/machine.txt"
ready_peers=()
for peer in $PEERS; do
  say "installing $peer ($PEERS_HOME/$peer.sh install)"
  if "$PEERS_HOME/$peer.sh" install >> "$BENCH_WORK/logs/peer-$peer.log" 2>&1; then
    ready_peers+=("$peer")
    echo "$peer: $("$PEERS_HOME/$peer.sh" install 2>/dev/null | tail -1)" >> "$RESULTS/machine.txt"
  else
    say "$peer could not be installed (log: $BENCH_WORK/logs/peer-$peer.log); left out"
  fi
done

# --- 2. load the corpus everywhere ------------------------------------------------------------
input_bytes=$(stat -L -c %s "$CORPUS")
corpus=$(corpus_folder "$label" "$CORPUS")
index="$BENCH_WORK/index-$label"
say "ingesting $CORPUS ($records records) into our index"
ingest_ours "$label" "$corpus" "$index"
peer_corpus="$BENCH_WORK/peers-$label.jsonl"
python3 "$BENCH_REPO/benches/peer-corpus.py" "$CORPUS" "$peer_corpus"
loaded_peers=()
for peer in "${ready_peers[@]}"; do
  say "loading $peer"
  started=$(date +%s.%N)
  # typesense and pg load into a running server: start it first, outside the timing.
  if [ "$peer" != tantivy-cli ]; then "$PEERS_HOME/$peer.sh" start >> "$BENCH_WORK/logs/peer-$peer.log" 2>&1 || true; started=$(date +%s.%N); fi
  if "$PEERS_HOME/$peer.sh" load "$peer_corpus" >> "$BENCH_WORK/logs/peer-$peer.log" 2>&1; then
    ended=$(date +%s.%N)
    "$PEERS_HOME/$peer.sh" start >> "$BENCH_WORK/logs/peer-$peer.log" 2>&1
    wait_port_url "${PEER_HEALTH[$peer]}" || { say "$peer does not answer; left out"; continue; }
    echo "ingest label=$label target=$peer seconds=$(awk "BEGIN {print $ended - $started}") records=$records input_bytes=$input_bytes index_kb=$(peer_index_kb "$peer")" >> "$RESULTS/ingest.txt"
    tail -1 "$RESULTS/ingest.txt" >&2
    loaded_peers+=("$peer")
  else
    say "$peer could not load the corpus (log: $BENCH_WORK/logs/peer-$peer.log); left out"
  fi
done

# --- 3. load tests, all targets in every run --------------------------------------------------
start_server ours "$PORT_OURS" "$OURS_BIN" serve --addr "127.0.0.1:$PORT_OURS" --corpus "$corpus" --index "$index"
first_query=$(head -1 "$QUERIES" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.stdin.read().strip()))')
body_of "http://127.0.0.1:$PORT_OURS/api/search?q=$first_query&facet_limit=10" "$RESULTS/floor-body.json"
start_server floor "$PORT_FLOOR" "$FLOOR_BIN" "127.0.0.1:$PORT_FLOOR" "$RESULTS/floor-body.json"
for peer in "${loaded_peers[@]}"; do
  body_of "$(printf '%s' "${PEER_URL[$peer]}" | sed "s/{q}/$first_query/")" "$RESULTS/answer-$peer.json"
done
body_of "http://127.0.0.1:$PORT_OURS/api/search?q=$first_query&facet_limit=10" "$RESULTS/answer-ours.json"
ours_pid=$(pid_of ours)
for run in $(seq "$RUNS"); do
  for connections in $CONNECTIONS; do
    load_run "$label" floor "http://127.0.0.1:$PORT_FLOOR/api/search?q={q}" "$connections" "$(pid_of floor)"
    load_run "$label" ours "http://127.0.0.1:$PORT_OURS/api/search?q={q}&facet_limit=10" "$connections" "$ours_pid"
    load_run "$label" ours-all-values "http://127.0.0.1:$PORT_OURS/api/search?q={q}" "$connections" "$ours_pid"
    for peer in "${loaded_peers[@]}"; do
      load_run "$label" "$peer" "${PEER_URL[$peer]}" "$connections" "$(peer_pids "$peer")" "${PEER_HEADER[$peer]}"
    done
  done
  say "run $run of $RUNS done"
done
stop_server floor
stop_server ours
for peer in "${loaded_peers[@]}"; do "$PEERS_HOME/$peer.sh" stop >/dev/null 2>&1 || true; done
}

# --- 4. scale curve ---------------------------------------------------------------------------
scale_run() {   # scale_run LABEL CORPUS_FILE
  local scale_label=$1 file=$2 scale_corpus scale_index
  scale_corpus=$(corpus_folder "$scale_label" "$file")
  scale_index="$BENCH_WORK/index-$scale_label"
  ingest_ours "$scale_label" "$scale_corpus" "$scale_index"
  start_server scale "$PORT_SCALE" "$OURS_BIN" serve --addr "127.0.0.1:$PORT_SCALE" --corpus "$scale_corpus" --index "$scale_index"
  for run in $(seq "$SCALE_RUNS"); do
    for connections in 1 8; do
      load_run "$scale_label" ours "http://127.0.0.1:$PORT_SCALE/api/search?q={q}&facet_limit=10" "$connections" "$(pid_of scale)"
    done
  done
  stop_server scale
  rm -rf "$scale_index"
}
if [ -n "$SCALE" ]; then
  [ "${SCALE_ONLY:-0}" = 1 ] || scale_run "scale-$records" "$CORPUS"
  for size in $SCALE; do
    synthetic="$BENCH_WORK/synth-$size.jsonl"
    if [ ! -s "$synthetic" ]; then
      say "making the synthetic corpus of $size records"
      python3 "$BENCH_REPO/benches/synth-corpus.py" "$CORPUS" "$size" "$synthetic.tmp" && mv "$synthetic.tmp" "$synthetic"
    fi
    scale_run "scale-$size" "$synthetic"
  done
fi

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/machine.txt"
python3 "$BENCH_REPO/benches/report.py" "$RESULTS"
say "results in $RESULTS"
