#!/usr/bin/env bash
# Sustained load with an index swap (issue 8, item 5): the release server on loopback held
# at saturation by wrk for DURATION seconds with the query mix of ../shared/bench/queries.txt,
# while a full `ingest` rebuilds the index from the same corpus and `serve` swaps it in
# mid-run. Checks: zero non-2xx answers, zero connection errors, the new generation served,
# RSS flat (sampled every second). Bounded: DURATION + the initial build.
#
# Usage: benches/soak.sh [--corpus seed|arxiv] [--duration 60] [--connections 64] [--port 3310]
#   seed  : the bundled report (30 records; default when the arXiv file is absent)
#   arxiv : ../shared/bench/arxiv-physics-50k.jsonl (50,000 records) plus the bundled report
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
corpus_kind=auto duration=60 connections=64 port=3310
while [ $# -gt 0 ]; do
    case "$1" in
        --corpus) corpus_kind="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        *) echo "soak: unknown option $1" >&2; exit 2 ;;
    esac
done
queries="$repo/../shared/bench/queries.txt"
arxiv="$repo/../shared/bench/arxiv-physics-50k.jsonl"
[ -f "$queries" ] || { echo "soak: skipped: $queries is absent" >&2; exit 0; }
if [ "$corpus_kind" = auto ]; then [ -f "$arxiv" ] && corpus_kind=arxiv || corpus_kind=seed; fi
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
cargo build --release --quiet
binary="${CARGO_TARGET_DIR:-$repo/target}/release/abstract-search"

work="$(mktemp -d)"
server_pid="" sampler_pid=""
cleanup() {
    for pid in $sampler_pid $server_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/corpus"
cp corpus/in2p3-irfu-ml-workshop-2020.md corpus/labs.toml corpus/synonyms.toml "$work/corpus/"
[ "$corpus_kind" = arxiv ] && ln -s "$arxiv" "$work/corpus/arxiv-physics-50k.jsonl"
echo "soak: corpus $corpus_kind; building the first index"
start_build=$(date +%s.%N)
"$binary" ingest --corpus "$work/corpus" --index "$work/index" >"$work/ingest-1.txt" 2>&1 || [ $? -eq 2 ]
build_seconds=$(python3 -c "print(round($(date +%s.%N) - $start_build, 1))")
documents_expected=$(grep -o '[0-9]* records indexed' "$work/ingest-1.txt" | tail -1 | grep -o '^[0-9]*' || echo '?')
echo "soak: first build: $documents_expected records in $build_seconds s"

RUST_LOG=warn "$binary" serve --addr "127.0.0.1:$port" --corpus "$work/corpus" --index "$work/index" \
    >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$port/healthz"; echo

# RSS of the server, once a second.
( while kill -0 "$server_pid" 2>/dev/null; do
      printf '%s %s\n' "$(date +%s)" "$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status 2>/dev/null)"
      sleep 1
  done >"$work/rss.txt" ) &
sampler_pid=$!

# The query mix: every line of queries.txt, in turn, on /api/search.
python3 - "$queries" >"$work/mix.lua" <<'EOF'
import sys, urllib.parse
queries = [l.strip() for l in open(sys.argv[1]) if l.strip()]
print("local paths = {")
for q in queries:
    print('  "/api/search?q=%s",' % urllib.parse.quote_plus(q))
print("}")
EOF
cat >>"$work/mix.lua" <<'EOF'
local threads = {}
local i = 0
setup = function(thread) thread:set("id", #threads); table.insert(threads, thread) end
init = function() counts = {} end
request = function()
  i = i + 1
  return wrk.format("GET", paths[((i + id * 7) % #paths) + 1])
end
response = function(status) counts[status] = (counts[status] or 0) + 1 end
done = function()
  local total = {}
  for _, t in ipairs(threads) do
    for status, n in pairs(t:get("counts")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d: %d\n", status, n)) end
end
EOF

generation_before=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^abstract_search_index_generation / {print $2}')
echo "soak: wrk -t2 -c$connections -d${duration}s --latency, ingest at $((duration / 3)) s"
wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s --latency -s "$work/mix.lua" \
    "http://127.0.0.1:$port" >"$work/wrk.txt" 2>&1 &
wrk_pid=$!
load_started=$(date +%s)
sleep $((duration / 3))
swap_started=$(date +%s)
"$binary" ingest --corpus "$work/corpus" --index "$work/index" >"$work/ingest-2.txt" 2>&1 || [ $? -eq 2 ]
swap_built=$(date +%s)
wait "$wrk_pid"
generation_after=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^abstract_search_index_generation / {print $2}')
documents_after=$(curl -s "http://127.0.0.1:$port/healthz")

echo "--- wrk"; cat "$work/wrk.txt"
echo "--- index swap: ingest ran from +$((swap_started - load_started)) s to +$((swap_built - load_started)) s;" \
    "generation served $generation_before -> $generation_after; healthz after: $documents_after"
python3 - "$work/rss.txt" "$load_started" "$duration" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 2]
start, duration = int(sys.argv[2]), int(sys.argv[3])
during = [(int(t) - start, int(kb)) for t, kb in rows if 0 <= int(t) - start <= duration]
if not during:
    sys.exit("soak: no RSS samples")
def mib(kb): return kb / 1024
first = [kb for t, kb in during if t < duration / 3]
last = [kb for t, kb in during if t >= 2 * duration / 3]
print("--- RSS (MiB), %d samples: start %.1f, min %.1f, max %.1f, end %.1f; first third max %.1f, last third max %.1f"
      % (len(during), mib(during[0][1]), mib(min(k for _, k in during)), mib(max(k for _, k in during)),
         mib(during[-1][1]), mib(max(first)), mib(max(last))))
print("    every 5 s: " + " ".join("%d:%.0f" % (t, mib(kb)) for t, kb in during if t % 5 == 0))
EOF

failures=0
if grep -q '^status' "$work/wrk.txt" && grep '^status' "$work/wrk.txt" | grep -vq '^status 2[0-9][0-9]:'; then
    echo "FAIL: non-2xx answers" >&2; failures=$((failures + 1))
fi
if grep -q 'Non-2xx' "$work/wrk.txt"; then echo "FAIL: wrk counted non-2xx answers" >&2; failures=$((failures + 1)); fi
if grep -q 'Socket errors' "$work/wrk.txt"; then echo "FAIL: connection errors" >&2; failures=$((failures + 1)); fi
if [ "${generation_after:-0}" -le "${generation_before:-0}" ]; then
    echo "FAIL: the new generation was not swapped in" >&2; failures=$((failures + 1))
fi
if grep -q ' ERROR ' "$work/serve.log"; then echo "FAIL: errors in the server log:" >&2; grep ' ERROR ' "$work/serve.log" | head -5 >&2; failures=$((failures + 1)); fi
[ "$failures" -eq 0 ] && echo "soak: ok" || { echo "soak: $failures failures" >&2; exit 1; }
