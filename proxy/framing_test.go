package proxy

import (
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
)

// TestFramingDefence: requests whose framing could be read two ways are
// answered 400 and never reach the upstream.
func TestFramingDefence(t *testing.T) {
	be := startFakeBackend(t, nil)
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location / { proxy_pass http://`+be.Addr()+`; proxy_http_version 1.1; }
}`, nil)
	cases := []struct {
		name, raw string
		want      int
	}{
		{"CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
		{"two lengths", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", 400},
		{"invalid length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4x\r\n\r\nabcd", 400},
		{"negative length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
		{"TE not chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"TE chunked not last", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400},
		{"space in header name", "GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n", 400},
		{"space before colon", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nabcde", 400},
		{"bad chunk size", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 400},
		{"chunk size overflow", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nabc\r\n0\r\n\r\n", 400},
		{"TE on HTTP/1.0", "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := len(be.Requests())
			conns := be.Conns()
			cl := tp.dial()
			cl.send(c.raw)
			r := cl.read("POST")
			if r.Status != c.want {
				t.Errorf("status %d, want %d", r.Status, c.want)
			}
			cl.expectClosed()
			time.Sleep(10 * time.Millisecond)
			if n := len(be.Requests()); n != before || be.Conns() != conns {
				t.Errorf("the upstream saw the request (%d requests, %d connections)", n-before, be.Conns()-conns)
			}
		})
	}
}

// TestClientLimits: client_max_body_size, large_client_header_buffers,
// keepalive_requests and HTTP/1.0 closing.
func TestClientLimits(t *testing.T) {
	be := startFakeBackend(t, nil)
	tp := startProxy(t, `
large_client_header_buffers 2 128;
keepalive_requests 2;
server {
    listen 127.0.0.1:0;
    client_max_body_size 10;
    location / { proxy_pass http://`+be.Addr()+`; }
}`, nil)
	r := tp.roundTrip("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n01234567890")
	if r.Status != 413 || !r.Raw.Close {
		t.Errorf("too large body: %d %v", r.Status, r.Header)
	}
	// The first 1k (client_header_buffer_size) holds a head that fits;
	// beyond it, lines must fit the large buffers of 128 bytes.
	long := make([]byte, 2000)
	for i := range long {
		long[i] = 'a'
	}
	if r := tp.roundTrip("GET /" + string(long) + " HTTP/1.1\r\nHost: x\r\n\r\n"); r.Status != 414 {
		t.Errorf("long URI: %d, want 414", r.Status)
	}
	if r := tp.roundTrip("GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + string(long) + "\r\n\r\n"); r.Status != 400 {
		t.Errorf("long header: %d, want 400", r.Status)
	}
	c := tp.dial()
	c.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.read("GET"); r.Header.Get("Connection") != "keep-alive" {
		t.Errorf("first request: Connection %q", r.Header.Get("Connection"))
	}
	c.send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.read("GET"); !r.Raw.Close {
		t.Errorf("keepalive_requests 2: second response does not close")
	}
	c.expectClosed()

	c = tp.dial()
	c.send("GET / HTTP/1.0\r\n\r\n")
	c.read("GET")
	c.expectClosed()
	c = tp.dial()
	c.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
	if r := c.read("GET"); r.Header.Get("Connection") != "keep-alive" {
		t.Errorf("HTTP/1.0 keep-alive: Connection %q", r.Header.Get("Connection"))
	}
	c.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	c.read("GET")
	c.expectClosed()
}

// TestClientTimeouts: client_header_timeout and keepalive_timeout close
// the connection without an answer, as nginx does.
func TestClientTimeouts(t *testing.T) {
	tp := startProxy(t, `
client_header_timeout 150ms;
keepalive_timeout 150ms;
server { listen 127.0.0.1:0; location / { return 200 "ok"; } }`, nil)
	c := tp.dial()
	c.send("GET / HTTP/1.1\r\nHost: x\r\n") // no end of head
	start := time.Now()
	c.expectClosed()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("client_header_timeout took %v", d)
	}
	c = tp.dial()
	c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	c.read("GET")
	c.expectClosed() // keepalive_timeout
	if !strings.Contains(tp.errorLog(), "client timed out (110: Connection timed out) while reading client request headers") {
		t.Errorf("error log:\n%s", tp.errorLog())
	}
}

// TestWorkerConnections: worker_connections bounds the client connections
// served at once; the next one waits until a slot frees.
func TestWorkerConnections(t *testing.T) {
	dir := t.TempDir()
	cfg, diags := nginxconf.ParseBytes(dir+"/nginx.conf", []byte(`
error_log `+dir+`/error.log;
events { worker_connections 1; }
http { access_log off; server { listen 127.0.0.1:0; location / { return 200 "ok"; } } }`), nginxconf.Options{Prefix: dir + "/"})
	failOnErrors(t, diags, "")
	rt, diags := Load(cfg, LoadOptions{Prefix: dir + "/"})
	failOnErrors(t, diags, "")
	srv, err := NewServer(rt)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve() }()
	defer func() { srv.Close(); <-done }()
	tp := &testProxy{t: t, srv: srv, addr: srv.Addrs()[0].String(), dir: dir}
	first := tp.dial()
	first.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	first.read("GET") // kept alive: holds the only slot
	second := tp.dial()
	second.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	_ = second.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := second.br.ReadByte(); err == nil {
		t.Fatal("a second connection was served beyond worker_connections 1")
	}
	first.c.Close()
	if r := second.read("GET"); r.Body != "ok" {
		t.Errorf("the waiting connection got %q", r.Body)
	}
}
