#!/usr/bin/env bash
# Builds the network benchmark and the teachersync binary it starts (hub and county daemon processes) in
# release mode, then runs it; every argument is passed through (scripts/netbench.sh --quick,
# scripts/netbench.sh --skip-province). See docs/BENCHMARKS.md, "Network".
set -euo pipefail
cd "$(dirname "$0")/.."
for product in teachersync teachersync-netbench; do
    echo "== swift build -c release --product $product" >&2
    swift build -c release --product "$product" >&2
done
bin="$(swift build -c release --show-bin-path)"
exec "$bin/teachersync-netbench" --teachersync "$bin/teachersync" "$@"
