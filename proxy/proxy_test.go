package proxy

import (
	"fmt"
	"io"
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
	// The upstream's Server is replaced by ours; server_tokens defaults to
	// on, which names the nginx release sliceproxy mirrors.
	if got := r.Header.Get("Server"); got != "nginx/1.28.0" {
		t.Errorf("Server %q, want nginx/1.28.0", got)
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

// TestLargeBodies: bodies over the memory limit stream (Content-Length as
// is, chunked re-chunked), client_max_body_size holds for chunked bodies
// as they arrive, and an HTTP/1.0 upstream cannot take a long chunked body.
func TestLargeBodies(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		te, _ := r.get("Transfer-Encoding")
		return fakeReply{Status: 200, Body: fmt.Sprintf("len=%d te=%s", len(r.Body), te)}
	})
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    client_max_body_size 3m;
    location /v11/ { proxy_pass http://`+be.Addr()+`; proxy_http_version 1.1; }
    location /v10/ { proxy_pass http://`+be.Addr()+`; }
}`, nil)
	big := strings.Repeat("b", 2<<20)
	chunked := func(body string) string {
		var sb strings.Builder
		for len(body) > 0 {
			n := min(len(body), 100000)
			fmt.Fprintf(&sb, "%x\r\n%s\r\n", n, body[:n])
			body = body[n:]
		}
		sb.WriteString("0\r\n\r\n")
		return sb.String()
	}
	cases := []struct {
		name, raw, want string
		status          int
	}{
		{"length streamed", "POST /v11/ HTTP/1.1\r\nHost: x\r\nContent-Length: " + fmt.Sprint(len(big)) + "\r\n\r\n" + big, "len=2097152 te=", 200},
		{"chunked streamed", "POST /v11/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(big), "len=2097152 te=chunked", 200},
		{"chunked small", "POST /v10/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked("tiny"), "len=4 te=", 200},
		{"chunked too large", "POST /v11/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(strings.Repeat("c", 4<<20)), "", 413},
		{"chunked long for HTTP/1.0", "POST /v10/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(big), "", 413},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := tp.dial()
			go func() { _, _ = io.WriteString(cl.c, c.raw) }()
			r := cl.read("POST")
			if r.Status != c.status || (c.want != "" && r.Body != c.want) {
				t.Errorf("%d %q, want %d %q", r.Status, r.Body, c.status, c.want)
			}
		})
	}
}

// TestPipelining: requests sent in one write are answered in order.
func TestPipelining(t *testing.T) {
	be := startFakeBackend(t, nil)
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location /p/ { proxy_pass http://`+be.Addr()+`; }
    location = /r { return 200 "r"; }
}`, nil)
	c := tp.dial()
	c.send("GET /p/1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /r HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcGET /p/3 HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{"ok /p/1", "r", "ok /p/3"} {
		if r := c.read("GET"); r.Body != want {
			t.Errorf("got %q, want %q", r.Body, want)
		}
	}
}

// TestPassRequestBodyOff: the body is read and dropped, the upstream gets
// neither body nor length, and the connection carries the next request.
func TestPassRequestBodyOff(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		cl, _ := r.get("Content-Length")
		return fakeReply{Status: 200, Body: fmt.Sprintf("body=%q cl=%q", r.Body, cl)}
	})
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location / { proxy_pass http://`+be.Addr()+`; proxy_pass_request_body off; }
}`, nil)
	c := tp.dial()
	c.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if r := c.read("POST"); r.Body != `body="" cl=""` {
		t.Errorf("first: %q", r.Body)
	}
	c.send("POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
	if r := c.read("POST"); r.Body != `body="" cl=""` {
		t.Errorf("second: %q", r.Body)
	}
}

// TestUnderscoresInHeaders: headers with "_" are dropped unless
// underscores_in_headers is on (the default server's setting).
func TestUnderscoresInHeaders(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		v, _ := r.get("X_Under")
		return fakeReply{Status: 200, Body: "v=" + v}
	})
	for _, c := range []struct{ setting, want string }{{"", "v="}, {"underscores_in_headers on;", "v=1"}} {
		tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    `+c.setting+`
    location / { proxy_pass http://`+be.Addr()+`; }
}`, nil)
		if r := tp.roundTrip("GET / HTTP/1.1\r\nHost: x\r\nX_Under: 1\r\nConnection: close\r\n\r\n"); r.Body != c.want {
			t.Errorf("%q: got %q, want %q", c.setting, r.Body, c.want)
		}
	}
}
