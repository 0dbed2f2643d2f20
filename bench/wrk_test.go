package bench

import (
	"testing"
	"time"
)

func TestParseWrk(t *testing.T) {
	out := `Running 5s test @ http://127.0.0.1:18080/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20ms  300.00us   8.00ms   90.00%
  Latency Distribution
     50%    1.10ms
     75%    1.30ms
     90%    1.60ms
     99%  512.00us
  130000 requests in 5.00s, 20.00MB read
  Socket errors: connect 0, read 2, write 1, timeout 0
  Non-2xx or 3xx responses: 7
Requests/sec:  26000.50
Transfer/sec:      4.00MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{Requests: 130000, RPS: 26000.50, P50: 1100 * time.Microsecond, P99: 512 * time.Microsecond,
		Non2xx: 7, SocketErrors: 3, UpstreamConnsPer1000: -1}
	if r != want {
		t.Fatalf("got %+v\nwant %+v", r, want)
	}
	if _, err := parseWrk("garbage"); err == nil {
		t.Fatal("want an error for output without a request count")
	}
}

func TestParseWrkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1.50ms": 1500 * time.Microsecond, "20.00us": 20 * time.Microsecond,
		"2.00s": 2 * time.Second, "1.50m": 90 * time.Second,
	} {
		got, err := parseWrkDuration(in)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", in, got, err, want)
		}
	}
}
