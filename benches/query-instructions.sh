#!/usr/bin/env bash
# Instructions per search, query by query (callgrind): which queries of the mix are the slow ones.
#   benches/query-instructions.sh INDEX_DIR [QUERIES] [name=value]...
# INDEX_DIR is an index folder (`abstract-search ingest --index INDEX_DIR`), QUERIES the query mix
# (default ../shared/bench/queries.txt); name=value pairs are added to every request, as with the
# `query-mix` example (benches/profile.rs), which this runs under callgrind for one counted round
# after its uncounted warm-up round (which fills per-thread caches, as a running server has). A
# dump is taken after every search; the counted round's are reported. Prints
# `instructions<TAB>query`, most expensive first, then the mean. Instruction counts do not depend on what else runs on the machine, unlike timings.
set -euo pipefail
index=${1:?usage: benches/query-instructions.sh INDEX_DIR [QUERIES] [name=value]...}
shift
repo=$(cd "$(dirname "$0")/.." && pwd)
queries=$repo/../shared/bench/queries.txt
if [ $# -gt 0 ] && [[ $1 != *=* ]]; then
  queries=$1
  shift
fi
[ -d "$index" ] || { echo "query-instructions: index folder $index is absent" >&2; exit 1; }
[ -f "$queries" ] || { echo "query-instructions: query mix $queries is absent" >&2; exit 1; }
command -v valgrind > /dev/null || { echo "query-instructions: valgrind is not installed" >&2; exit 1; }
(cd "$repo" && nice -n 19 cargo build --release --example query-mix >&2)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
nice -n 19 valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" --collect-atstart=no \
  --toggle-collect='*run_mix*' --dump-after='*Engine*search*' \
  "${CARGO_TARGET_DIR:-$repo/target}/release/examples/query-mix" "$index" "$queries" 1 "$@" > "$work/log" 2>&1 \
  || { cat "$work/log" >&2; exit 1; }
grep -v '^[[:space:]]*$' "$queries" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' > "$work/queries"
count=$(wc -l < "$work/queries")
# Dumps are numbered from 1 in the order of the searches; the counted round starts after the
# `count` dumps of the warm-up.
index_in_round=0
while IFS= read -r query; do
  index_in_round=$((index_in_round + 1))
  dump=$(ls "$work"/cg.*."$((count + index_in_round))")
  printf '%s\t%s\n' "$(awk '/^summary:/ {print $2}' "$dump")" "$query"
done < "$work/queries" | sort -rn > "$work/counts"
awk -F'\t' '{printf "%6.2f M\t%s\n", $1 / 1e6, $2}' "$work/counts"
awk -F'\t' '{sum += $1} END {printf "mean %.2f M instructions per search over %d queries\n", sum / NR / 1e6, NR}' "$work/counts"
