package e2e

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// connsFor returns the upstream connections whose first request was for host.
func connsFor(rec *backend, host string) []backendConn {
	var out []backendConn
	for _, c := range rec.Conns() {
		if len(c.Hosts) > 0 && c.Hosts[0] == host {
			out = append(out, c)
		}
	}
	return out
}

// TestPoolEvictionFreesSlice: when `keepalive 2` is full, the least
// recently used idle connection is closed and its slice's count goes down,
// so that slice caches again (tengine forgets the decrement and the slice
// stays "full" forever).
func TestPoolEvictionFreesSlice(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 2 slice_key=$host slice_conn=1;", ""))
	for _, h := range []string{"a.test", "b.test", "c.test"} {
		mustFetch(t, sp.Addr, "GET", h, "/", "")
	}
	// c.test's connection evicted a.test's, the least recently used.
	if !eventually(2*time.Second, func() bool { return rec.OpenConns()["a.test"] == 0 }) {
		t.Fatalf("a.test's idle connection was not evicted by keepalive 2: open %v", rec.OpenConns())
	}
	mustFetch(t, sp.Addr, "GET", "a.test", "/again", "")
	mustFetch(t, sp.Addr, "GET", "a.test", "/reused", "")
	conns := connsFor(rec, "a.test")
	if len(conns) != 2 || len(conns[1].Hosts) != 2 {
		var per []int
		for _, c := range conns {
			per = append(per, len(c.Hosts))
		}
		t.Errorf("a.test after its eviction: requests per connection %v, want [1 2] (the slice caches again)", per)
	}
	if !eventually(2*time.Second, func() bool { return totalOpen(rec) <= 2 }) {
		t.Errorf("idle connections %v, want ≤ 2", rec.OpenConns())
	}
}

// TestPoolSlicePoolsize: slice_poolsize bounds the slices alive at once; a
// slice whose last idle connection goes gives its place back (tengine never
// frees one, so after slice_poolsize hosts it never caches again).
func TestPoolSlicePoolsize(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 16 slice_key=$host slice_conn=2 slice_poolsize=2;", ""))
	for _, h := range []string{"a.test", "b.test", "c.test"} {
		mustFetch(t, sp.Addr, "GET", h, "/", "")
	}
	if !eventually(2*time.Second, func() bool { return rec.OpenConns()["c.test"] == 0 }) {
		t.Errorf("c.test kept although slice_poolsize=2 slices (a, b) are alive: open %v", rec.OpenConns())
	}
	if open := rec.OpenConns(); open["a.test"] != 1 || open["b.test"] != 1 {
		t.Errorf("open connections %v, want a.test and b.test kept", open)
	}
	// The upstream closes a.test's idle connection: its slice empties and
	// gives its place to c.test.
	closeIdleOf(t, rec, "a.test")
	if !eventually(2*time.Second, func() bool { return rec.OpenConns()["a.test"] == 0 }) {
		t.Fatal("a.test's connection did not close")
	}
	time.Sleep(100 * time.Millisecond) // the proxy's idle watch notices the FIN
	mustFetch(t, sp.Addr, "GET", "c.test", "/1", "")
	mustFetch(t, sp.Addr, "GET", "c.test", "/2", "")
	conns := connsFor(rec, "c.test")
	if n := len(conns); n != 2 || len(conns[1].Hosts) != 2 {
		t.Errorf("c.test after a slice was freed: %d connections, last carried %v; want the second reused", n, conns[len(conns)-1].Hosts)
	}
}

// closeIdleOf closes, from the upstream side, the idle connections whose
// first request was for host.
func closeIdleOf(t *testing.T, rec *backend, host string) {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, c := range rec.conns {
		if c.idle && c.Closed.IsZero() && len(c.Hosts) > 0 && c.Hosts[0] == host {
			_ = c.nc.Close()
		}
	}
}

// TestPoolSliceKeylen: keys are cut to slice_keylen bytes, so hosts that
// share that prefix share a slice (documented; the default 40 is long
// enough for real host names).
func TestPoolSliceKeylen(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2 slice_keylen=4;", ""))
	mustFetch(t, sp.Addr, "GET", "same-prefix-1.test", "/", "")
	mustFetch(t, sp.Addr, "GET", "same-prefix-2.test", "/", "")
	mustFetch(t, sp.Addr, "GET", "other.test", "/", "")
	if n := len(rec.Conns()); n != 2 {
		t.Errorf("%d upstream connections, want 2: same-prefix-1/2 share the slice \"same\", other.test has its own", n)
	}
}

// TestPoolRandomSequences drives the proxy with seeded random mixes of
// hosts, methods, upstream "Connection: close", Keep-Alive hints, upstream
// closes and concurrency, and checks after every batch: every request got
// a 200, no upstream connection carried two slice keys, and once quiet the
// idle connections respect slice_conn per host and keepalive in total.
func TestPoolRandomSequences(t *testing.T) {
	const keepalive, sliceConn = 4, 2
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			rec := startBackend(t, nil)
			sp := startSliceproxyConfig(t, poolConfig(rec, fmt.Sprintf("keepalive %d slice_key=$host slice_conn=%d;", keepalive, sliceConn), ""))
			rng := rand.New(rand.NewPCG(seed, 0x5eed))
			hosts := []string{"h1.test", "h2.test", "h3.test", "h4.test", "h5.test", "h6.test"}
			for batch := 0; batch < 12; batch++ {
				n := 1 + rng.IntN(5)
				var wg sync.WaitGroup
				errs := make(chan string, n)
				for i := 0; i < n; i++ {
					host := hosts[rng.IntN(len(hosts))]
					method, body := "GET", ""
					if rng.IntN(3) == 0 {
						method, body = "POST", strings.Repeat("x", rng.IntN(200))
					}
					uri := "/r"
					switch rng.IntN(10) {
					case 0:
						uri += "?close=1"
					case 1:
						uri += "?keepalive=timeout%3D1"
					case 2:
						uri += "?delay=50"
					}
					wg.Add(1)
					go func() {
						defer wg.Done()
						if st, err := fetch(sp.Addr, method, host, uri, body); st != 200 {
							errs <- fmt.Sprintf("batch %d: %s %s%s: %d %v", batch, method, host, uri, st, err)
						}
					}()
				}
				wg.Wait()
				close(errs)
				for e := range errs {
					t.Error(e)
				}
				if rng.IntN(4) == 0 {
					rec.CloseIdle()
					time.Sleep(50 * time.Millisecond)
				}
				ok := eventually(time.Second, func() bool {
					open := rec.OpenConns()
					total := 0
					for _, v := range open {
						if v > sliceConn {
							return false
						}
						total += v
					}
					return total <= keepalive
				})
				if !ok {
					t.Errorf("batch %d: idle upstream connections %v exceed slice_conn %d or keepalive %d", batch, rec.OpenConns(), sliceConn, keepalive)
				}
			}
			assertOneKeyPerConn(t, rec)
			t.Logf("seed %d: %d requests on %d upstream connections", seed, len(rec.Requests()), len(rec.Conns()))
		})
	}
}

// TestPoolUnsolicitedBytes: an upstream that sends more than its response
// (a second, unrequested response after the first, or bytes while idle)
// must not have those bytes served to the next request: the connection is
// dropped, the next request gets its own answer.
func TestPoolUnsolicitedBytes(t *testing.T) {
	const smuggled = "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED"
	rec := startBackend(t, func(r *backendRequest) backendResponse {
		switch {
		case strings.Contains(r.URI, "extra"):
			return backendResponse{Raw: []string{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst" + smuggled}}
		case strings.Contains(r.URI, "late"):
			// The unsolicited bytes come a moment after the response, while
			// the connection sits idle in the pool.
			return backendResponse{Raw: []string{"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst", smuggled}}
		}
		return echoHandler(r)
	})
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", ""))
	for _, uri := range []string{"/extra", "/late"} {
		t.Run(uri, func(t *testing.T) {
			if got := body(sp.Addr, "a.test", uri); got != "first" {
				t.Fatalf("GET %s: %q", uri, got)
			}
			time.Sleep(100 * time.Millisecond)
			for i := 0; i < 3; i++ {
				if got := body(sp.Addr, "a.test", "/next"); strings.Contains(got, "SMUGGLED") || !strings.HasPrefix(got, "GET /next ") {
					t.Errorf("request after an upstream sent unsolicited bytes got %q", got)
				}
			}
		})
	}
}

// TestUnixSockets: a unix-socket listen and a unix-socket upstream with a
// sliced pool: requests pass, connections are reused per slice and never
// shared between hosts.
func TestUnixSockets(t *testing.T) {
	rec := startUnixBackend(t)
	dir, err := os.MkdirTemp("", "e2e-sock-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	clientSock := filepath.Join(dir, "sp.sock")
	cfg := testenv.NginxConfig{HTTP: `
upstream unixup {
    server unix:` + rec.Addr + `;
    keepalive 8 slice_key=$host slice_conn=2;
}
server {
    listen 127.0.0.1:{{PORT}};
    listen unix:` + clientSock + `;
    location / {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_pass http://unixup;
    }
}`}
	sp := startSliceproxyConfig(t, cfg)
	for i, h := range []string{"a.test", "b.test", "a.test", "b.test"} {
		mustFetch(t, sp.Addr, "GET", h, fmt.Sprintf("/tcp%d", i), "")
	}
	c, err := net.DialTimeout("unix", clientSock, ioTimeout)
	if err != nil {
		t.Fatalf("unix listen: %v", err)
	}
	rc := &rawConn{c: c, br: bufio.NewReader(c), timeout: ioTimeout}
	defer rc.Close()
	_ = rc.Write("GET /over-unix HTTP/1.1\r\nHost: a.test\r\n\r\n")
	if r, err := rc.ReadResponse(false); err != nil || r.Status != 200 || !strings.HasPrefix(string(r.Body), "GET /over-unix ") {
		t.Errorf("request over the unix listen socket: %v %+v", err, r)
	}
	assertOneKeyPerConn(t, rec)
	if n := len(rec.Conns()); n != 2 {
		t.Errorf("%d upstream connections for 5 requests over 2 hosts, want 2", n)
	}
}
