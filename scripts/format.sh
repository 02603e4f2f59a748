#!/usr/bin/env bash
# Formats the sources with the checked-in .swift-format; with --check, changes nothing and fails on a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Package.swift Sources Tests)
if [[ "${1:-}" == "--check" ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp -r Package.swift Sources Tests .swift-format "$tmp/"
    (cd "$tmp" && swift format format --in-place --recursive --configuration .swift-format "${paths[@]}")
    if ! diff -ru --exclude='*.orig' Sources "$tmp/Sources" >/dev/null || ! diff -ru Tests "$tmp/Tests" >/dev/null \
        || ! diff -u Package.swift "$tmp/Package.swift" >/dev/null; then
        echo "format check failed: run scripts/format.sh and commit the result" >&2
        diff -ru Sources "$tmp/Sources" | head -40 >&2 || true
        exit 1
    fi
    echo "format check passed"
else
    swift format format --in-place --recursive --configuration .swift-format "${paths[@]}"
fi
