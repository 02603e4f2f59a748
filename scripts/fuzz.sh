#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and runs each for a fixed time over its seed corpus.
#
#     scripts/fuzz.sh [SECONDS]        # default 60 per target (CI); e.g. 3600 for a long run
#
# New inputs libFuzzer finds interesting go to .build-fuzz/corpus/<target>/ (not in git). A crash stops the
# run with the reproducer written as .build-fuzz/crash-<target>-*; copy it into Fuzz/corpus/<target>/ so the
# replay in `make test` keeps it as a regression test once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
scratch=.build-fuzz
for target in changeset csv; do
    product=teachersync-fuzz-$target
    echo "== building $product with libFuzzer"
    swift build -c release --scratch-path "$scratch" --product "$product" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING 2>&1 \
        | grep -v "ld.gold: warning: Cannot export local symbol" || true
    binary="$scratch/release/$product"
    [ -x "$binary" ] || { echo "fuzz.sh: $product did not build" >&2; exit 1; }
    mkdir -p "$scratch/corpus/$target"
    echo "== fuzzing $product for ${seconds}s"
    "$binary" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$scratch/crash-$target-" "$scratch/corpus/$target" "Fuzz/corpus/$target"
done
echo "fuzz.sh: no crash in ${seconds}s per target"
