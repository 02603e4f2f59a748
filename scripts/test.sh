#!/usr/bin/env bash
# Builds and runs every test: unit, store, convergence, protocol vectors, CLI end to end, the reference
# verifier, and the format check.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== build"
log=$(mktemp)
if ! swift build --build-tests >"$log" 2>&1; then
    grep -E "error:" "$log" | sort -u | head -40 >&2 || tail -40 "$log" >&2
    echo "build failed" >&2
    exit 1
fi
tail -1 "$log"
echo "== swift test"
set +e
swift test --skip-build 2>&1 | tee .build/test-output.txt | grep -vE "^(◇|↳)| started\.$"
rc=${PIPESTATUS[0]}
set -e
if [[ $rc -ne 0 ]]; then
    echo "swift test failed (exit $rc)" >&2
    exit "$rc"
fi
if [[ -f tools/reference_verifier.py ]]; then
    echo "== reference verifier (independent Python implementation of docs/PROTOCOL.md)"
    /usr/bin/python3 tools/reference_verifier.py --self-test
fi
echo "== fuzz corpus replay (every seed and past crash through both fuzz targets, without libFuzzer)"
.build/debug/teachersync-fuzz-changeset Fuzz/corpus/changeset
.build/debug/teachersync-fuzz-csv Fuzz/corpus/csv
if [[ "${FUZZ_SECONDS:-0}" != "0" ]]; then
    echo "== fuzzing with libFuzzer, ${FUZZ_SECONDS}s per target"
    scripts/fuzz.sh "$FUZZ_SECONDS"
fi
echo "== systemd units (systemd-analyze verify, sandbox smoke test)"
scripts/verify-units.sh
echo "== format check"
scripts/format.sh --check
