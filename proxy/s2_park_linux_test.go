//go:build linux

package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// poller is the server's idle poller, nil before the first park.
func poller(s *Server) *idlePoller {
	s.idle.mu.Lock()
	defer s.idle.mu.Unlock()
	return s.idle.p
}

// parkedConns counts the connections parked in the server's idle poller.
func parkedConns(s *Server) int {
	p := poller(s)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, c := range p.conns {
		if c != nil {
			n++
		}
	}
	if n != len(p.deadlines) {
		panic(fmt.Sprintf("poller table holds %d connections, deadline heap %d", n, len(p.deadlines)))
	}
	return n
}

// parkCount is how many times connections were parked.
func parkCount(s *Server) uint64 {
	p := poller(s)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.parks
}

// trackedConns counts the server's client connections and its
// worker_connections slots in use by connections (the accept loop holds one
// more while it waits in Accept).
func trackedConns(s *Server) (conns, slots int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns), len(s.connSem) - 1
}

// getOK sends a keep-alive GET on c and checks the answer.
func (tc *testClient) getOK(uri string) *testResponse {
	tc.t.Helper()
	tc.send("GET " + uri + " HTTP/1.1\r\nHost: x\r\n\r\n")
	r := tc.read("GET")
	if r.Status != 200 {
		tc.t.Fatalf("GET %s: status %d", uri, r.Status)
	}
	return r
}

func waitParked(t *testing.T, s *Server, n int) {
	t.Helper()
	waitFor(t, func() bool { return parkedConns(s) == n })
}

// TestS2ParkedConnections: an idle keep-alive connection is parked between
// two requests and keeps every semantic of a connection waiting in Read.
func TestS2ParkedConnections(t *testing.T) {
	const site = `location / { return 200 "uri=$uri n=$connection_requests\n"; }`
	cases := []struct {
		name string
		// conf is the server block's directives besides listen and site.
		conf string
		run  func(t *testing.T, tp *testProxy)
	}{{
		name: "next request resumes the parked connection",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			c.getOK("/a")
			waitParked(t, tp.srv, 1)
			// A head arriving in pieces: the resumed goroutine reads on.
			c.send("GET /b HTTP/1.1\r\n")
			time.Sleep(50 * time.Millisecond)
			c.send("Host: x\r\n\r\n")
			if r := c.read("GET"); r.Status != 200 || r.Body != "uri=/b n=2\n" {
				t.Fatalf("resumed request: %d %q", r.Status, r.Body)
			}
			waitParked(t, tp.srv, 1)
			if r := c.getOK("/c"); r.Body != "uri=/c n=3\n" {
				t.Errorf("third request: %q", r.Body)
			}
		},
	}, {
		name: "parked connections hold no goroutine",
		run: func(t *testing.T, tp *testProxy) {
			const n = 20
			before := runtime.NumGoroutine()
			for i := 0; i < n; i++ {
				tp.dial().getOK("/")
			}
			waitParked(t, tp.srv, n)
			// The poller's goroutine and timer are the only additions.
			if grown := runtime.NumGoroutine() - before; grown > 2 {
				t.Errorf("%d parked connections: %d more goroutines", n, grown)
			}
		},
	}, {
		name: "a request within parkGrace is served without parking",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			c.getOK("/0")
			waitParked(t, tp.srv, 1)
			before := parkCount(tp.srv)
			// Each request is sent as soon as the previous answer is read:
			// well within parkGrace, bar a stalled test machine.
			const n = 8
			for i := 1; i <= n; i++ {
				c.getOK(fmt.Sprint("/", i))
			}
			if parks := parkCount(tp.srv) - before; parks > n/2 {
				t.Errorf("%d of %d waits parked while requests kept coming", parks, n)
			}
			waitParked(t, tp.srv, 1)
		},
	}, {
		name: "first request wait is not parked",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			waitFor(t, func() bool { n, _ := trackedConns(tp.srv); return n == 1 })
			time.Sleep(50 * time.Millisecond)
			if n := parkedConns(tp.srv); n != 0 {
				t.Fatalf("%d parked before the first request", n)
			}
			c.getOK("/")
		},
	}, {
		name: "keepalive_timeout closes a parked connection",
		conf: "keepalive_timeout 1s;",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			c.getOK("/")
			start := time.Now()
			waitParked(t, tp.srv, 1)
			c.expectClosed()
			if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
				t.Errorf("closed after %v, want about keepalive_timeout 1s", d)
			}
			waitFor(t, func() bool { n, slots := trackedConns(tp.srv); return n == 0 && slots == 0 })
			if n := parkedConns(tp.srv); n != 0 {
				t.Errorf("%d still parked", n)
			}
		},
	}, {
		name: "keepalive_requests ends the connection after the last",
		conf: "keepalive_requests 2;",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			c.getOK("/")
			waitParked(t, tp.srv, 1)
			r := c.getOK("/")
			if !r.Raw.Close { // net/http takes "Connection: close" out of the header
				t.Error("last request not answered with Connection: close")
			}
			c.expectClosed()
			waitFor(t, func() bool { n, _ := trackedConns(tp.srv); return n == 0 })
		},
	}, {
		name: "pipelined requests are answered before parking",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
			for i := 1; i <= 3; i++ {
				if r := c.read("GET"); r.Body != fmt.Sprintf("uri=/%d n=%d\n", i, i) {
					t.Fatalf("pipelined response %d: %q", i, r.Body)
				}
			}
			waitParked(t, tp.srv, 1)
			c.getOK("/4")
		},
	}, {
		name: "client closing a parked connection frees its slot",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			c.getOK("/")
			waitParked(t, tp.srv, 1)
			if _, slots := trackedConns(tp.srv); slots != 1 {
				t.Errorf("parked connection holds %d worker_connections slots, want 1", slots)
			}
			c.c.Close()
			waitFor(t, func() bool { n, slots := trackedConns(tp.srv); return n == 0 && slots == 0 })
			if n := parkedConns(tp.srv); n != 0 {
				t.Errorf("%d still parked", n)
			}
		},
	}, {
		name: "QUIT closes parked connections at once",
		conf: "keepalive_timeout 60s;",
		run: func(t *testing.T, tp *testProxy) {
			var cs []*testClient
			for i := 0; i < 3; i++ {
				c := tp.dial()
				c.getOK("/")
				cs = append(cs, c)
			}
			waitParked(t, tp.srv, 3)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			if err := tp.srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Shutdown took %v with only idle connections", d)
			}
			for _, c := range cs {
				c.expectClosed()
			}
		},
	}, {
		name: "TERM closes parked connections",
		conf: "keepalive_timeout 60s;",
		run: func(t *testing.T, tp *testProxy) {
			c := tp.dial()
			c.getOK("/")
			waitParked(t, tp.srv, 1)
			done := make(chan struct{})
			go func() { _ = tp.srv.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Close hangs with a parked connection")
			}
			c.expectClosed()
		},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tp := startProxy(t, "server { listen 127.0.0.1:0; "+tc.conf+" "+site+" }", nil)
			tc.run(t, tp)
		})
	}
}

// TestS2ReloadClosesParkedKeepsFresh: a reload closes parked keep-alive
// connections of the old runtime, and leaves alone those that wait for
// their first request.
func TestS2ReloadClosesParkedKeepsFresh(t *testing.T) {
	port := testenv.FreePort(t)
	conf := fmt.Sprintf(`server { listen 127.0.0.1:%d; keepalive_timeout 60s; location / { return 200 "ok\n"; } }`, port)
	tp := startProxy(t, conf, nil)
	parked := tp.dial()
	parked.getOK("/")
	waitParked(t, tp.srv, 1)
	fresh := tp.dial()
	waitFor(t, func() bool { n, _ := trackedConns(tp.srv); return n == 2 })
	tp.reload(conf)
	parked.expectClosed()
	fresh.getOK("/")
	waitParked(t, tp.srv, 1) // the fresh one, parked under the new runtime
}

// TestS2TLSNotParked: a TLS keep-alive connection waits in its goroutine
// (crypto/tls may hold records the socket does not show) and still works.
func TestS2TLSNotParked(t *testing.T) {
	crt, key := testenv.SelfSigned(t, "tls.test")
	tp := startProxy(t, `server { listen 127.0.0.1:0 ssl; ssl_certificate a.crt; ssl_certificate_key a.key; location / { return 200 "ok"; } }`,
		map[string]string{"a.crt": crt, "a.key": key})
	conn, err := tls.Dial("tcp", tp.addr, &tls.Config{ServerName: "tls.test", InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := 0; i < 2; i++ {
		_, _ = io.WriteString(conn, "GET / HTTP/1.1\r\nHost: tls.test\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
		if n := parkedConns(tp.srv); n != 0 {
			t.Fatalf("TLS connection parked (%d)", n)
		}
	}
}

// TestS2LentStateCarriesNothing: the request state a parked connection
// gave back is lent to another connection; nothing of the first client's
// request shows in the second's answer (here: a redirect without Host
// names the local address, not the first client's Host).
func TestS2LentStateCarriesNothing(t *testing.T) {
	tp := startProxy(t, `server { listen 127.0.0.1:0; location / { return 200 "ok"; } location /r { return 302 /target; } }`, nil)
	a := tp.dial()
	a.send("GET / HTTP/1.1\r\nHost: alias.example\r\n\r\n")
	if r := a.read("GET"); r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	waitParked(t, tp.srv, 1)
	r := tp.roundTrip("GET /r HTTP/1.0\r\n\r\n")
	if want := "http://" + tp.addr + "/target"; r.Header.Get("Location") != want {
		t.Errorf("Location %q, want %q", r.Header.Get("Location"), want)
	}
}
