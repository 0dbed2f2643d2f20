#!/usr/bin/env bash
# `make run`: sliceproxy on 127.0.0.1:8080 with examples/demo.conf, in front of
# an mpm-itk-like demo backend on 127.0.0.1:8081. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)
prefix=$top/run/demo
mkdir -p "$prefix/logs"

pids=()
cleanup() {
    trap - EXIT INT TERM
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    echo "stopped."
}
trap cleanup EXIT INT TERM

for port in 8080 8081; do
    if (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; then
        echo "port $port on 127.0.0.1 is busy; stop what listens there first" >&2
        exit 1
    fi
done

./bin/itkdemo -listen 127.0.0.1:8081 -vhosts a.test,b.test,c.test,x.allow.com -max-requests 101 -idle 5s \
    2> >(sed -u 's/^/[backend] /' >&2) &
pids+=($!)

./bin/sliceproxy -p "$prefix/" -c "$top/examples/demo.conf" -t
./bin/sliceproxy -p "$prefix/" -c "$top/examples/demo.conf" &
pids+=($!)

for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && break; sleep 0.1; done

cat <<MSG

sliceproxy is serving examples/demo.conf on http://127.0.0.1:8080/
in front of an mpm-itk-like backend on 127.0.0.1:8081 (vhosts a.test b.test c.test x.allow.com;
a backend connection serves one vhost only, as with Apache mpm-itk).

Try:
  curl -H 'Host: a.test' http://127.0.0.1:8080/
  curl -H 'Host: b.test' http://127.0.0.1:8080/
  for i in \$(seq 1 30); do for h in a.test b.test c.test; do curl -s -H "Host: \$h" http://127.0.0.1:8080/; done; done

The backend's answer names its connection ("connection #N, request K on it"): per vhost the
same few connections are reused, and no request ever lands on another vhost's connection.
Watch the reuse in the access log ("reused=1 slice=a.test"):
  tail -f $prefix/logs/access.log
Error log: $prefix/logs/error.log     Stop: Ctrl-C
MSG
wait "${pids[1]}"
