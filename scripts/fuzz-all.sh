#!/usr/bin/env bash
# Runs every `func FuzzXxx` in the module for the given time each (default 30s).
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-30s}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
    pkg=./$(dirname "${f#./}")
    for fn in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
        echo "== $pkg $fn ($t)"
        go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$t" "$pkg"
    done
done
