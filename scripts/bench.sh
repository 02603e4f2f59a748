#!/usr/bin/env bash
# Builds the benchmark in release mode and runs it; every argument is passed through
# (e.g. scripts/bench.sh --quick, scripts/bench.sh --operations 50000). See docs/BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== swift build -c release --product teachersync-bench" >&2
swift build -c release --product teachersync-bench >&2
exec "$(swift build -c release --show-bin-path)/teachersync-bench" "$@"
