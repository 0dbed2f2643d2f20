#!/bin/bash
# itkab.sh: alternate proxies on the held mpm-itk case, round by round, for A/B comparisons by hand.
# Start the held case first (bench/README.md: `cd bench && go test -run '^$' -bench HoldITK -hold 900s`);
# it writes the proxies' names, addresses and pids to $TMPDIR/itkcase.hold and the wrk script to
# $TMPDIR/hosts.lua.
#
# usage: proxy/perf/itkab.sh DUR ROUNDS CASES NAME...
#   CASES  METHOD:CONNS list, e.g. "GET:4 GET:32 POST:4 POST:32"
#   NAME   a proxy of the hold file (sliceproxy, nginx), or evbound: the event-loop bound
#          (proxy/perf/evbound, NOTES.md), built from this tree, started against the held Apache for this
#          run and stopped after it.
# e.g.     proxy/perf/itkab.sh 3s 3 "GET:4 GET:32 POST:4 POST:32" sliceproxy nginx evbound
# Prints per run: req/s, p99, and the proxy's CPU time per request from /proc/PID/task/*/schedstat.
# PAUSE (seconds, default 4.5) separates runs: an idle upstream connection of the previous proxy keeps an
# Apache prefork child until a keepalive_timeout (4 s in the held configs) closes it, and with several
# proxies holding pools the next one can find every child taken (stalls of about a second).
# Needs wrk, python3 (a free port) and, for evbound, go; every process it starts, it stops.
set -u
if [ $# -lt 4 ]; then sed -n '2,/^set -u/p' "$0" | sed '$d'; exit 2; fi
DUR=$1 ROUNDS=$2 CASES=$3; shift 3
HOLD=${TMPDIR:-/tmp}/itkcase.hold LUA=${TMPDIR:-/tmp}/hosts.lua PAUSE=${PAUSE:-4.5}
[ -f "$HOLD" ] || { echo "itkab: no $HOLD; start the held case first (bench/README.md)" >&2; exit 2; }
declare -A ADDR PID
while read -r name addr pid _; do ADDR[$name]=$addr PID[$name]=$pid; done < "$HOLD"
W=$(mktemp -d) EVPID=
cleanup() { [ -n "$EVPID" ] && kill -TERM "$EVPID" 2>/dev/null && wait "$EVPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
for n in "$@"; do
	if [ "$n" = evbound ]; then
		go build -o "$W/evbound" "$(cd "$(dirname "$0")" && pwd)/evbound" || exit 1
		port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
		"$W/evbound" -listen "127.0.0.1:$port" -backend "${ADDR[apache]}" 2>"$W/evbound.log" &
		EVPID=$! ADDR[evbound]=127.0.0.1:$port PID[evbound]=$!
		sleep 0.3
	elif [ -z "${PID[$n]:-}" ]; then
		echo "itkab: no proxy named $n in $HOLD" >&2; exit 2
	fi
done
cpu() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{c += $1} END {printf "%.0f", c}'; } # %d is 32-bit in mawk
for r in $(seq "$ROUNDS"); do
	for cs in $CASES; do
		m=${cs%:*} c=${cs#*:}
		for n in "$@"; do
			sleep "$PAUSE"
			c0=$(cpu "${PID[$n]}")
			out=$(WRK_HOSTS=a.test,b.test,c.test WRK_METHOD=$m wrk -t1 -c"$c" -d"$DUR" --latency -s "$LUA" "http://${ADDR[$n]}/")
			c1=$(cpu "${PID[$n]}")
			echo "$out" | awk -v r="$r" -v n="$n" -v m="$m" -v c="$c" -v ns=$((c1 - c0)) '
				/Requests\/sec/ {rps = $2} /requests in/ {q = $1} $1 == "99%" {p99 = $2}
				/Non-2xx|Socket errors/ {e = e " " $0}
				END {printf "round %s %-10s %-4s c=%-3s %8.0f req/s  p99 %-8s cpu/req %5.1f us%s\n", r, n, m, c, rps, p99, q ? ns / 1e3 / q : 0, e}'
		done
	done
done
