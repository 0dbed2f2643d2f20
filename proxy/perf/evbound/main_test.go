//go:build linux

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// TestProxiesPerHost checks that the bound measures what it claims to: it
// answers GET and POST through the backend, keeps one idle upstream
// connection per Host (so a request never rides another Host's
// connection), reuses it, and dials anew after Connection: close.
func TestProxiesPerHost(t *testing.T) {
	// The loop holds a P while it blocks in epoll_pwait; the test needs another.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(max(2, runtime.GOMAXPROCS(0))))

	var mu sync.Mutex
	hostsByConn := map[string]map[string]bool{} // backend connection → Hosts it served
	backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		if hostsByConn[r.RemoteAddr] == nil {
			hostsByConn[r.RemoteAddr] = map[string]bool{}
		}
		hostsByConn[r.RemoteAddr][r.Host] = true
		mu.Unlock()
		if r.URL.Query().Get("close") != "" {
			w.Header().Set("Connection", "close")
		}
		fmt.Fprintf(w, "%s %s %s", r.Method, r.Host, body)
	}))
	backend.Listener.Close()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	backend.Listener = ln
	backend.Start()
	defer backend.Close()

	l, err := newLoop("127.0.0.1:0", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	stopR, stopW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); l.run(stopR) }()
	defer func() { stopW.Close(); <-done; stopR.Close() }()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer client.CloseIdleConnections()
	tests := []struct {
		method, host, path, body string
	}{
		{"GET", "a.test", "/", ""},
		{"GET", "b.test", "/", ""},
		{"POST", "a.test", "/", "x=1"},
		{"GET", "a.test", "/", ""},
		{"POST", "b.test", "/", "y=2"},
		{"GET", "a.test", "/?close=1", ""},
		{"GET", "a.test", "/", ""},
	}
	for _, tc := range tests {
		req, _ := http.NewRequest(tc.method, "http://"+l.addr()+tc.path, strings.NewReader(tc.body))
		req.Host = tc.host
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.host, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if want := tc.method + " " + tc.host + " " + tc.body; string(got) != want {
			t.Errorf("%s %s%s: got %q, want %q", tc.method, tc.host, tc.path, got, want)
		}
	}
	stopW.Close()
	<-done
	mu.Lock()
	defer mu.Unlock()
	for c, hosts := range hostsByConn {
		if len(hosts) != 1 {
			t.Errorf("backend connection %s served Hosts %v, want one", c, hosts)
		}
	}
	// a.test: one connection until close=1, one after; b.test: one.
	if l.requests != len(tests) || l.dials != 3 || len(hostsByConn) != 3 {
		t.Errorf("%d requests over %d dials (%d backend connections), want %d over 3", l.requests, l.dials, len(hostsByConn), len(tests))
	}
}
