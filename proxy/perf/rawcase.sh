#!/bin/bash
# rawcase.sh: make bench's raw case by hand, for profiling and A/B of sliceproxy builds.
# Backend: nginx `return 200` with a 100-byte body. Each proxy (nginx, then every sliceproxy binary given;
# `keepalive 64`, worker_processes 1) and the backend are pinned to CPU 0, wrk -t1 -c32 to CPU 1; the setups
# alternate within every round so that machine noise hits all of them.
#
# usage: proxy/perf/rawcase.sh DUR ROUNDS BIN...      e.g. rawcase.sh 4s 3 /tmp/old/sliceproxy bin/sliceproxy
# Prints per run: req/s, p50, p99, max latency, the proxy's CPU time per request (from
# /proc/PID/task/*/schedstat, the number least disturbed by other load on the machine), the time its
# threads waited for a CPU, how often per request the proxy was preempted and the backend went to sleep
# (how well the two batch on their shared CPU; see NOTES.md).
# HOLD=SECONDS keeps everything running that long before the rounds (pids and ports in $TMPDIR/rawcase.hold),
# to attach strace -c -f -p PID, perf record -g -p PID or perf sched record -C 0.
# SPENV="GODEBUG=gctrace=1" passes environment to the sliceproxy processes.
# Needs nginx, wrk, taskset, curl, python3 (for free ports); every process it starts, it stops.
set -u
DUR=${1:-4s}; ROUNDS=${2:-1}; shift 2; BINS=("$@"); SPENV=${SPENV:-}
R=$(mktemp -d); HOLDFILE=${TMPDIR:-/tmp}/rawcase.hold
freeport(){ python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
main(){ cat <<E
worker_processes 1;
daemon off;
master_process off;
pid $1/nginx.pid;
error_log $1/logs/error.log error;
events { worker_connections 1024; }
http {
    client_body_temp_path $1/tmp/body; proxy_temp_path $1/tmp/proxy; fastcgi_temp_path $1/tmp/f; uwsgi_temp_path $1/tmp/u; scgi_temp_path $1/tmp/s;
$2
}
E
}
BODY=$(printf 'x%.0s' $(seq 99))
BP=$(freeport); mkdir -p $R/be/{logs,tmp}
main $R/be "access_log off; server { listen 127.0.0.1:$BP; keepalive_requests 1000000; location / { return 200 \"$BODY
\"; } }" > $R/be/nginx.conf
taskset -c 0 nginx -p $R/be/ -c $R/be/nginx.conf & BEPID=$!
PX='access_log off;
    upstream backend { server 127.0.0.1:'$BP'; keepalive 64; }
    server { listen 127.0.0.1:PORT; keepalive_requests 1000000;
        location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_set_header Host $host; }
    }'
NAMES=(); PIDS=(); PORTS=()
start(){ # name cmd...
  local name=$1; shift; local d=$R/$name; mkdir -p $d/{logs,tmp}; local port=$(freeport)
  main $d "${PX/PORT/$port}" > $d/nginx.conf
  taskset -c 0 env $SPENV "$@" -p $d/ -c $d/nginx.conf > $d/out 2>&1 &
  NAMES+=($name); PIDS+=($!); PORTS+=($port); }
start nginx nginx
for b in "${BINS[@]}"; do start $(basename $b) $b; done
sleep 0.7
taskset -a -p -c 0 $BEPID >/dev/null; for p in "${PIDS[@]}"; do taskset -a -p -c 0 $p >/dev/null; done
for i in "${!NAMES[@]}"; do curl -s -o /dev/null -w "${NAMES[$i]} %{http_code}\n" http://127.0.0.1:${PORTS[$i]}/; done
sched(){ cat /proc/$1/task/*/schedstat 2>/dev/null | awk '{c+=$1;w+=$2} END{printf "%d %d", c/1e3, w/1e6}'; }
# switches PID: voluntary and involuntary context switches of all its threads (threads born mid-run are
# counted from zero, those that ended are lost: read it as an estimate).
switches(){ cat /proc/$1/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/{v+=$2} /^nonvoluntary_ctxt/{n+=$2} END{printf "%d %d", v, n}'; }
run(){ local name=$1 P=$2 port=$3; read c0 w0 <<<"$(sched $P)"; read v0 n0 <<<"$(switches $P)"; read bv0 bn0 <<<"$(switches $BEPID)"
  taskset -c 1 wrk -t1 -c32 -d$DUR --latency http://127.0.0.1:$port/ > $R/wrk 2>&1
  read c1 w1 <<<"$(sched $P)"; read v1 n1 <<<"$(switches $P)"; read bv1 bn1 <<<"$(switches $BEPID)"
  # preempted: the proxy's involuntary switches per request (the backend taking the CPU from it);
  # be-sleeps: the backend's voluntary switches per request (1/requests it handles per wakeup).
  awk -v n=$name -v cpu=$((c1-c0)) -v w=$((w1-w0)) -v pre=$((n1-n0)) -v bes=$((bv1-bv0)) '/Requests\/sec/{r=$2} /requests in/{q=$1} $1=="50%"{p50=$2} $1=="99%"{p99=$2} /Latency/&&!m{max=$4;m=1} /Non-2xx|Socket errors/{e=e" "$0}
     END{printf "%-14s rps=%8.0f p50=%-8s p99=%-8s max=%-8s cpu/req=%5.1fus runq-wait=%dms preempted=%.2f/req be-sleeps=%.2f/req%s\n", n, r, p50, p99, max, cpu/q, w, pre/q, bes/q, e}' $R/wrk; }
if [ -n "${HOLD:-}" ]; then for i in "${!NAMES[@]}"; do echo "${NAMES[$i]} pid=${PIDS[$i]} port=${PORTS[$i]}"; done > $HOLDFILE; sleep $HOLD; fi
for r in $(seq $ROUNDS); do for i in "${!NAMES[@]}"; do run ${NAMES[$i]} ${PIDS[$i]} ${PORTS[$i]}; done; done
for i in "${!NAMES[@]}"; do if [ ${NAMES[$i]} = nginx ]; then kill -QUIT ${PIDS[$i]}; else kill ${PIDS[$i]}; fi; done; kill -QUIT $BEPID; wait 2>/dev/null
rm -rf $R
