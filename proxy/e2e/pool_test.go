package e2e

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// poolConfig is a proxy in front of the recording upstream {{REC}} with the
// given upstream-block extra lines; requests keep their Host upstream and
// upstream connections are HTTP/1.1 keep-alive.
func poolConfig(rec *backend, upstreamExtra, httpExtra string) testenv.NginxConfig {
	return testenv.NginxConfig{HTTP: fmt.Sprintf(`%s
upstream rec {
    server %s;
    %s
}
server {
    listen 127.0.0.1:{{PORT}};
    location / {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_pass http://rec;
    }
}
`, httpExtra, rec.Addr, upstreamExtra)}
}

// fetch sends one request on its own client connection and returns the
// status (0 with an error when there was no valid response).
func fetch(addr, method, host, uri, body string) (int, error) {
	rc, err := dialRaw(addr)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	req := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method, uri, host)
	if body != "" || method == "POST" {
		req += fmt.Sprintf("Content-Length: %d\r\n", len(body))
	}
	if err := rc.Write(req + "\r\n" + body); err != nil {
		return 0, err
	}
	r, err := rc.ReadResponse(method == "HEAD")
	if err != nil {
		return 0, err
	}
	return r.Status, nil
}

// mustFetch fails the test unless the request gets a 200.
func mustFetch(t *testing.T, addr, method, host, uri, body string) {
	t.Helper()
	if st, err := fetch(addr, method, host, uri, body); st != 200 || err != nil {
		t.Fatalf("%s %s (Host %s): status %d, %v", method, uri, host, st, err)
	}
}

// burst runs n requests at once for each host and waits for all of them.
func burst(t *testing.T, addr string, hosts []string, n int, uri string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(hosts)*n)
	for _, h := range hosts {
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if st, err := fetch(addr, "GET", h, uri, ""); st != 200 || err != nil {
					errs <- fmt.Errorf("host %s: status %d, %v", h, st, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// eventually polls cond every 50 ms until it holds or timeout passes.
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// assertOneKeyPerConn fails for any upstream connection that carried
// requests for two different Host values.
func assertOneKeyPerConn(t *testing.T, rec *backend) {
	t.Helper()
	for _, c := range rec.Conns() {
		for _, h := range c.Hosts {
			if h != c.Hosts[0] {
				t.Errorf("upstream connection %d carried two slice keys: %v", c.ID, c.Hosts)
				break
			}
		}
	}
}

func totalOpen(rec *backend) int {
	n := 0
	for _, v := range rec.OpenConns() {
		n += v
	}
	return n
}

// TestPoolNeverMixesSliceKeys: concurrent clients rotating over five hosts
// through `slice_key=$host`: every upstream connection carries one Host
// only, and connections are reused.
func TestPoolNeverMixesSliceKeys(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 32 slice_key=$host slice_conn=2;", ""))
	hosts := []string{"h0.test", "h1.test", "h2.test", "h3.test", "h4.test"}
	const clients, perClient = 4, 50
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perClient; i++ {
				h := hosts[(c+i)%len(hosts)]
				method, body := "GET", ""
				if i%3 == 0 {
					method, body = "POST", strings.Repeat("p", 64)
				}
				if st, err := fetch(sp.Addr, method, h, "/k", body); st != 200 || err != nil {
					errs <- fmt.Errorf("%s %s: status %d, %v", method, h, st, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	assertOneKeyPerConn(t, rec)
	conns, reqs := len(rec.Conns()), len(rec.Requests())
	t.Logf("%d requests on %d upstream connections", reqs, conns)
	if reqs != clients*perClient {
		t.Errorf("upstream saw %d requests, want %d", reqs, clients*perClient)
	}
	if conns > reqs/4 {
		t.Errorf("%d upstream connections for %d requests: the pool hardly reuses", conns, reqs)
	}
}

// TestPoolSliceConnCapsIdle: after six concurrent requests for one host,
// only slice_conn=2 connections stay open; the others are closed.
func TestPoolSliceConnCapsIdle(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 32 slice_key=$host slice_conn=2;", ""))
	burst(t, sp.Addr, []string{"a.test"}, 6, "/?delay=300")
	if n := len(rec.Conns()); n < 3 {
		t.Fatalf("the burst used only %d upstream connections; the test needs more than slice_conn", n)
	}
	if !eventually(2*time.Second, func() bool { return rec.OpenConns()["a.test"] <= 2 }) {
		t.Errorf("idle upstream connections for a.test: %d, want ≤ slice_conn 2", rec.OpenConns()["a.test"])
	}
	if n := rec.OpenConns()["a.test"]; n == 0 {
		t.Errorf("no idle connection kept for a.test")
	}
	assertOneKeyPerConn(t, rec)
}

// TestPoolKeepaliveCapsTotal: `keepalive 3` bounds idle connections across
// all slices.
func TestPoolKeepaliveCapsTotal(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 3 slice_key=$host slice_conn=2;", ""))
	burst(t, sp.Addr, []string{"a.test", "b.test", "c.test"}, 2, "/?delay=300")
	if !eventually(2*time.Second, func() bool { return totalOpen(rec) <= 3 }) {
		t.Errorf("idle upstream connections: %v, want ≤ keepalive 3 in total", rec.OpenConns())
	}
	// The pool still works per slice afterwards: a request for each host
	// leaves each connection with one Host.
	for _, h := range []string{"a.test", "b.test", "c.test", "d.test"} {
		mustFetch(t, sp.Addr, "GET", h, "/after", "")
	}
	assertOneKeyPerConn(t, rec)
	if !eventually(2*time.Second, func() bool { return totalOpen(rec) <= 3 }) {
		t.Errorf("idle upstream connections: %v, want ≤ 3", rec.OpenConns())
	}
}

// TestPoolKeepaliveTimeout: an idle upstream connection is reused within
// keepalive_timeout and closed by the proxy after it.
func TestPoolKeepaliveTimeout(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;\n    keepalive_timeout 1s;", ""))
	mustFetch(t, sp.Addr, "GET", "a.test", "/1", "")
	mustFetch(t, sp.Addr, "GET", "a.test", "/2", "")
	if n := len(rec.Conns()); n != 1 {
		t.Fatalf("two sequential requests used %d upstream connections, want 1", n)
	}
	if !eventually(3*time.Second, func() bool { return totalOpen(rec) == 0 }) {
		t.Fatalf("upstream connection still open 3 s after keepalive_timeout 1s")
	}
	c := rec.Conns()[0]
	if !c.ByPeer {
		t.Errorf("connection was not closed by the proxy")
	}
	if idle := c.Closed.Sub(c.Opened); idle < 900*time.Millisecond {
		t.Errorf("closed after %v, before keepalive_timeout 1s", idle)
	}
	mustFetch(t, sp.Addr, "GET", "a.test", "/3", "")
}

// TestPoolKeepaliveRequests: keepalive_requests 3 → seven requests use
// three connections.
func TestPoolKeepaliveRequests(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;\n    keepalive_requests 3;", ""))
	for i := 0; i < 7; i++ {
		mustFetch(t, sp.Addr, "GET", "a.test", fmt.Sprintf("/%d", i), "")
	}
	var per []int
	for _, c := range rec.Conns() {
		per = append(per, len(c.Hosts))
		if len(c.Hosts) > 3 {
			t.Errorf("connection %d carried %d requests, keepalive_requests is 3", c.ID, len(c.Hosts))
		}
	}
	if len(per) != 3 {
		t.Errorf("requests per upstream connection %v, want [3 3 1]", per)
	}
}

// TestPoolUpstreamConnectionClose: a response with "Connection: close"
// must not leave its connection in the pool.
func TestPoolUpstreamConnectionClose(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", ""))
	for i := 0; i < 5; i++ {
		mustFetch(t, sp.Addr, "GET", "a.test", "/?close=1", "")
	}
	for _, c := range rec.Conns() {
		if len(c.Hosts) != 1 {
			t.Errorf("connection %d carried %d requests after Connection: close", c.ID, len(c.Hosts))
		}
	}
	if n := len(rec.Conns()); n != 5 {
		t.Errorf("%d upstream connections for 5 requests answered with Connection: close", n)
	}
}

// TestPoolKeepAliveHeaderTimeout: "Keep-Alive: timeout=1" from the upstream
// shortens that connection's idle life: it is not reused after a second.
func TestPoolKeepAliveHeaderTimeout(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", ""))
	mustFetch(t, sp.Addr, "GET", "a.test", "/?keepalive=timeout%3D1", "")
	if !eventually(2500*time.Millisecond, func() bool { return totalOpen(rec) == 0 }) {
		t.Errorf("connection with Keep-Alive: timeout=1 still idle in the pool after 2.5 s")
	}
	mustFetch(t, sp.Addr, "GET", "a.test", "/again", "")
	if n := len(rec.Conns()); n != 2 {
		t.Errorf("%d upstream connections, want 2 (no reuse after the hinted timeout)", n)
	}
	// Without the hint the connection is reused.
	mustFetch(t, sp.Addr, "GET", "a.test", "/third", "")
	if n := len(rec.Conns()); n != 2 {
		t.Errorf("%d upstream connections, want the second reused", n)
	}
}

// TestPoolUpstreamClosesIdle: when the upstream closes idle pooled
// connections, the next GET and POST still succeed.
func TestPoolUpstreamClosesIdle(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", ""))
	for round := 0; round < 3; round++ {
		mustFetch(t, sp.Addr, "GET", "a.test", "/warm", "")
		if !eventually(time.Second, func() bool { return rec.CloseIdle() > 0 }) {
			t.Fatalf("round %d: no idle upstream connection to close", round)
		}
		mustFetch(t, sp.Addr, "GET", "a.test", "/get-after-close", "")
		rec.CloseIdle()
		time.Sleep(50 * time.Millisecond)
		mustFetch(t, sp.Addr, "POST", "a.test", "/post-after-close", strings.Repeat("p", 64))
	}
}

// TestPoolUpstreamClosesIdleRace: the upstream closes the idle connection
// just as the next request arrives (no time for the proxy to notice): a
// GET is retried on a new connection.
func TestPoolUpstreamClosesIdleRace(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", ""))
	for round := 0; round < 5; round++ {
		mustFetch(t, sp.Addr, "GET", "a.test", "/warm", "")
		eventually(time.Second, func() bool { return rec.CloseIdle() > 0 })
		mustFetch(t, sp.Addr, "GET", "a.test", "/right-after-close", "")
	}
}

// TestPoolSliceDyn: slice_dyn takes the limit from a map per request; 0
// means never keep.
func TestPoolSliceDyn(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_dyn=$dyn;",
		"map $host $dyn { a.test 0; default 2; }"))
	for i := 0; i < 4; i++ {
		mustFetch(t, sp.Addr, "GET", "a.test", "/nokeep", "")
	}
	for i := 0; i < 4; i++ {
		mustFetch(t, sp.Addr, "GET", "b.test", "/keep", "")
	}
	perHost := map[string]int{}
	for _, c := range rec.Conns() {
		perHost[c.Hosts[0]]++
	}
	if perHost["a.test"] != 4 || perHost["b.test"] != 1 {
		t.Errorf("upstream connections per host %v, want a.test:4 (slice_dyn 0) b.test:1", perHost)
	}
	assertOneKeyPerConn(t, rec)
}

// TestPoolWithoutSliceKeyShares: plain `keepalive` shares connections
// between hosts (the behaviour that breaks mpm-itk), as nginx does.
func TestPoolWithoutSliceKeyShares(t *testing.T) {
	rec := startBackend(t, nil)
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8;", ""))
	for _, h := range []string{"a.test", "b.test", "c.test", "a.test"} {
		mustFetch(t, sp.Addr, "GET", h, "/", "")
	}
	if n := len(rec.Conns()); n != 1 {
		t.Errorf("plain keepalive used %d upstream connections for 4 sequential requests, want 1", n)
	}
}

// TestPoolRetriesLikeNginx: behind an mpm-itk-like upstream (a request for
// another Host on a kept connection is read and dropped without a response)
// and plain keepalive, a GET on a dropped reused connection is retried on a
// new one, a POST whose body was sent is not replayed (502) unless
// proxy_next_upstream non_idempotent; with slice_key nothing is dropped.
func TestPoolRetriesLikeNginx(t *testing.T) {
	cases := []struct {
		name, keepalive, nextUpstream string
		wantPost                      int
		wantDropped, wantPostServed   int
	}{
		{name: "plain", keepalive: "keepalive 8;", wantPost: 502, wantDropped: 2, wantPostServed: 0},
		{name: "plain non_idempotent", keepalive: "keepalive 8;", nextUpstream: "proxy_next_upstream error timeout non_idempotent;", wantPost: 200, wantDropped: 2, wantPostServed: 1},
		{name: "sliced", keepalive: "keepalive 8 slice_key=$host slice_conn=2;", wantPost: 200, wantDropped: 0, wantPostServed: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := startITKLikeBackend(t)
			cfg := poolConfig(rec, c.keepalive, "")
			cfg.HTTP = strings.Replace(cfg.HTTP, "proxy_pass http://rec;", c.nextUpstream+"\n        proxy_pass http://rec;", 1)
			sp := startSliceproxyConfig(t, cfg)
			mustFetch(t, sp.Addr, "GET", "a.test", "/first", "")
			// Reuses a.test's connection under plain keepalive: dropped, retried.
			mustFetch(t, sp.Addr, "GET", "b.test", "/retried", "")
			st, err := fetch(sp.Addr, "POST", "c.test", "/post", strings.Repeat("p", 64))
			if st != c.wantPost {
				t.Errorf("POST on a connection the upstream drops: status %d (%v), want %d", st, err, c.wantPost)
			}
			served := 0
			for _, r := range rec.Requests() {
				if r.Method == "POST" {
					served++
				}
			}
			if served != c.wantPostServed {
				t.Errorf("upstream served the POST %d times, want %d", served, c.wantPostServed)
			}
			if n := len(rec.Dropped()); n != c.wantDropped {
				t.Errorf("upstream dropped %d requests, want %d", n, c.wantDropped)
			}
			assertOneKeyPerConn(t, rec)
		})
	}
}

// TestPoolUpgradeTunnel: a 101 answer turns the exchange into a two-way
// tunnel, and that upstream connection never returns to the pool.
func TestPoolUpgradeTunnel(t *testing.T) {
	rec := startBackend(t, nil)
	cfg := poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", "")
	cfg.HTTP = strings.Replace(cfg.HTTP, `proxy_set_header Connection "";`, `proxy_set_header Connection $http_connection;
        proxy_set_header Upgrade $http_upgrade;`, 1)
	sp := startSliceproxyConfig(t, cfg)
	rc, err := dialRaw(sp.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if err := rc.Write("GET /ws HTTP/1.1\r\nHost: a.test\r\nConnection: Upgrade\r\nUpgrade: e2e-echo\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r, err := rc.ReadResponse(false)
	if err != nil || r.Status != 101 {
		t.Fatalf("upgrade: %v %+v", err, r)
	}
	for _, msg := range []string{"ping\n", "second message\n"} {
		if err := rc.Write(msg); err != nil {
			t.Fatal(err)
		}
		_ = rc.c.SetReadDeadline(time.Now().Add(ioTimeout))
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(rc.br, buf); err != nil || string(buf) != msg {
			t.Fatalf("through the tunnel: %q, %v; want %q", buf, err, msg)
		}
	}
	rc.Close()
	if !eventually(3*time.Second, func() bool { return totalOpen(rec) == 0 }) {
		t.Errorf("upstream connection of the tunnel still open after the client left")
	}
	mustFetch(t, sp.Addr, "GET", "a.test", "/after", "")
	if n := len(rec.Conns()); n != 2 {
		t.Errorf("%d upstream connections, want 2: an upgraded connection is never pooled", n)
	}
}
