package proxy

import (
	"strings"
	"testing"
)

// TestProxyURIRules checks nginx's rules for the URI sent upstream.
func TestProxyURIRules(t *testing.T) {
	be := startFakeBackend(t, nil)
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    server_name test;
    location /plain/ { proxy_pass http://`+be.Addr()+`; }
    location /swap/ { proxy_pass http://`+be.Addr()+`/new/; }
    location /root/ { proxy_pass http://`+be.Addr()+`/; }
    location = /exact { proxy_pass http://`+be.Addr()+`/other; }
    location ~ ^/re/(.*)$ { proxy_pass http://`+be.Addr()+`; }
    location /var/ { set $b `+be.Addr()+`; proxy_pass http://$b/fixed?x=1; }
}`, nil)
	cases := []struct {
		uri, want string
	}{
		{"/plain/a?b=c", "/plain/a?b=c"},
		{"/plain/%7Efoo", "/plain/%7Efoo"}, // unchanged, not re-encoded
		{"/swap/a/b?q", "/new/a/b?q"},
		{"/swap/", "/new/"},
		{"/root/x", "/x"},
		{"/exact", "/other"},
		{"/re/abc?z=1", "/re/abc?z=1"},
		{"/var/anything?y=2", "/fixed?x=1"},
		{"/swap/%41b", "/new/Ab"}, // decoded then re-escaped only where needed
	}
	for _, c := range cases {
		t.Run(c.uri, func(t *testing.T) {
			n := len(be.Requests())
			r := tp.get("test", c.uri)
			if r.Status != 200 {
				t.Fatalf("status %d, body %q, log:\n%s", r.Status, r.Body, tp.errorLog())
			}
			reqs := be.Requests()
			if len(reqs) != n+1 {
				t.Fatalf("backend saw %d requests, want %d", len(reqs), n+1)
			}
			if got := reqs[n].URI; got != c.want {
				t.Errorf("upstream URI %q, want %q", got, c.want)
			}
		})
	}
}

// TestProxyHeaders checks the default and configured upstream headers and
// the response header filtering.
func TestProxyHeaders(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Header: []string{
			"Server: apache", "Date: Mon, 01 Jan 2001 00:00:00 GMT", "X-Accel-Redirect: /x",
			"X-Pad: 1", "X-Keep: yes", "X-Secret: no", "Connection: keep-alive", "Keep-Alive: timeout=5",
		}, Body: "hello"}
	})
	tp := startProxy(t, `
upstream be { server `+be.Addr()+`; }
server {
    listen 127.0.0.1:0;
    server_name test;
    proxy_set_header X-Server-Level on;
    location /default/ { proxy_pass http://be; }
    location /custom/ {
        proxy_pass http://be;
        proxy_http_version 1.1;
        proxy_set_header Host $host;
        proxy_set_header Connection "";
        proxy_set_header X-Real-IP $remote_addr;
        proxy_hide_header X-Secret;
        proxy_pass_header Server;
    }
    location /nohdr/ { proxy_pass http://be; proxy_pass_request_headers off; }
}`, nil)

	r := tp.roundTrip("GET /default/ HTTP/1.1\r\nHost: test\r\nX-Client: 1\r\nTE: trailers\r\nUpgrade: foo\r\nKeep-Alive: 300\r\nConnection: close\r\n\r\n")
	if r.Status != 200 || r.Body != "hello" {
		t.Fatalf("got %d %q", r.Status, r.Body)
	}
	req := be.Requests()[0]
	mustHeader(t, req, "Host", "be")
	mustHeader(t, req, "Connection", "close")
	mustHeader(t, req, "X-Client", "1")
	mustHeader(t, req, "X-Server-Level", "on")
	for _, h := range []string{"TE", "Upgrade", "Keep-Alive"} {
		if v, ok := req.get(h); ok {
			t.Errorf("%s: %q passed upstream", h, v)
		}
	}
	if req.Proto != "HTTP/1.0" {
		t.Errorf("upstream protocol %s, want HTTP/1.0", req.Proto)
	}
	if got := r.Header.Get("Server"); got != "nginx" {
		t.Errorf("Server %q, want nginx", got)
	}
	if got := r.Header.Get("X-Accel-Redirect"); got != "" {
		t.Errorf("X-Accel-Redirect passed: %q", got)
	}
	if got := r.Header.Get("X-Pad"); got != "" {
		t.Errorf("X-Pad passed: %q", got)
	}
	if r.Header.Get("Keep-Alive") != "" {
		t.Errorf("upstream Keep-Alive passed to the client")
	}
	if r.Header.Get("X-Keep") != "yes" || r.Header.Get("X-Secret") != "no" {
		t.Errorf("ordinary headers lost: %v", r.Header)
	}

	r = tp.roundTrip("GET /custom/ HTTP/1.1\r\nHost: Test:80\r\nConnection: close\r\n\r\n")
	req = be.Requests()[1]
	mustHeader(t, req, "Host", "test")
	if v, ok := req.get("Connection"); ok {
		t.Errorf("Connection %q sent despite proxy_set_header Connection \"\"", v)
	}
	mustHeader(t, req, "X-Real-IP", "127.0.0.1")
	if _, ok := req.get("X-Server-Level"); ok {
		t.Errorf("server-level proxy_set_header inherited into a location that sets its own")
	}
	if req.Proto != "HTTP/1.1" {
		t.Errorf("upstream protocol %s, want HTTP/1.1", req.Proto)
	}
	if r.Header.Get("X-Secret") != "" {
		t.Errorf("proxy_hide_header X-Secret ignored")
	}
	if r.Header.Get("Server") != "apache" {
		t.Errorf("proxy_pass_header Server ignored: %q", r.Header.Get("Server"))
	}

	tp.roundTrip("GET /nohdr/ HTTP/1.1\r\nHost: test\r\nX-Client: 1\r\nConnection: close\r\n\r\n")
	req = be.Requests()[2]
	if _, ok := req.get("X-Client"); ok {
		t.Errorf("proxy_pass_request_headers off passed a client header")
	}
}

func mustHeader(t *testing.T, r *fakeRequest, name, want string) {
	t.Helper()
	got, ok := r.get(name)
	if !ok || got != want {
		t.Errorf("upstream %s = %q (present %v), want %q\nhead:\n%s", name, got, ok, want, r.Raw)
	}
}

// TestProxyBodies checks request bodies (length, chunked, 100-continue) and
// response framings (length, chunked, until close, HEAD, 204).
func TestProxyBodies(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		switch r.URI {
		case "/echo":
			return fakeReply{Status: 200, Body: "got:" + string(r.Body)}
		case "/chunked":
			return fakeReply{Status: 200, Body: "chunky", Chunked: true}
		case "/close":
			return fakeReply{Raw: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil-close", Close: true}
		case "/204":
			return fakeReply{Status: 204}
		}
		return fakeReply{Status: 200, Body: "abc"}
	})
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location / { proxy_pass http://`+be.Addr()+`; proxy_http_version 1.1; }
}`, nil)

	c := tp.dial()
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if r := c.read("POST"); r.Body != "got:hello" {
		t.Errorf("length body: %q", r.Body)
	}
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
	if r := c.read("POST"); r.Body != "got:abcde" {
		t.Errorf("chunked body: %q", r.Body)
	}
	c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n")
	if r := c.read("POST"); r.Status != 100 {
		t.Fatalf("expected 100 Continue, got %d", r.Status)
	}
	c.send("xyz")
	if r := c.read("POST"); r.Body != "got:xyz" {
		t.Errorf("100-continue body: %q", r.Body)
	}
	c.send("GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n")
	r := c.read("GET")
	if r.Body != "chunky" || len(r.Raw.TransferEncoding) == 0 {
		t.Errorf("chunked response: %q %v", r.Body, r.Raw.TransferEncoding)
	}
	c.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.read("HEAD"); r.Status != 200 || r.Body != "" || r.Header.Get("Content-Length") != "3" {
		t.Errorf("HEAD: %d %q %v", r.Status, r.Body, r.Header)
	}
	c.send("GET /204 HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := c.read("GET"); r.Status != 204 {
		t.Errorf("204: %d", r.Status)
	}
	c.send("GET /close HTTP/1.1\r\nHost: x\r\n\r\n")
	r = c.read("GET")
	if r.Body != "until-close" {
		t.Errorf("until-close body relayed as %q", r.Body)
	}
	// The same client connection still works after every case above.
	c.send("GET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if r := c.read("GET"); r.Body != "abc" {
		t.Errorf("last: %q", r.Body)
	}
	c.expectClosed()

	// HTTP/1.0 client: until-close relayed raw, connection closed.
	c = tp.dial()
	c.send("GET /chunked HTTP/1.0\r\n\r\n")
	r = c.read("GET")
	if r.Body != "chunky" {
		t.Errorf("HTTP/1.0 client, chunked upstream: %q", r.Body)
	}
	c.expectClosed()
	if strings.Contains(tp.errorLog(), "[error]") {
		t.Errorf("errors logged:\n%s", tp.errorLog())
	}
}
