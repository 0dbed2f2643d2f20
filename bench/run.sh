#!/usr/bin/env bash
# make bench: sliceproxy and nginx side by side on loopback (see bench/README.md).
# Needs Debian's nginx, apache2, libapache2-mpm-itk and wrk; missing ones are
# named and their cases skipped. Environment: DUR (default 5s), ROUNDS (2),
# CASES (raw,itk,idle).
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for b in nginx apache2 wrk taskset; do
    command -v "$b" >/dev/null 2>&1 || [ -x "/usr/sbin/$b" ] || missing+=("$b")
done
[ -f /usr/lib/apache2/modules/mpm_itk.so ] || missing+=("libapache2-mpm-itk")
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench: missing ${missing[*]} (apt-get install nginx apache2 libapache2-mpm-itk wrk); their cases skip" >&2
fi
ulimit -n 65536 2>/dev/null || true
export SLICEPROXY_BIN=$PWD/bin/sliceproxy
cd bench
go test -run '^$' -bench '^BenchmarkSideBySide$' -benchtime 1x -timeout 60m -v . \
    -args -sidebyside -dur "${DUR:-5s}" -rounds "${ROUNDS:-2}" -cases "${CASES:-raw,itk,idle}" -results results
echo
echo "results: bench/results/results.md and bench/results/results.json"
echo "microbenchmarks: go test -run '^\$' -bench . -benchmem ./... (compare runs with benchstat)"
