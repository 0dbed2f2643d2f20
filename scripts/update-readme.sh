#!/usr/bin/env bash
# Regenerates the supported-directives table in README.md (between the
# directives:begin/end markers) from the directive table itself.
set -euo pipefail
cd "$(dirname "$0")/.."
table=$(mktemp)
trap 'rm -f "$table"' EXIT
go run ./cmd/sliceproxy directives --format markdown > "$table"
awk -v table="$table" '
    /<!-- directives:begin -->/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /<!-- directives:end -->/   { skip = 0 }
    !skip { print }
' README.md > README.md.new
mv README.md.new README.md
echo "README.md: directive table updated ($(grep -c '^| ' "$table") lines)"
