package proxy

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// TestNextUpstream: proxy_next_upstream moves to the next peer on errors
// and listed statuses, within proxy_next_upstream_tries; otherwise the
// upstream's answer (or nginx's 502/504) reaches the client.
func TestNextUpstream(t *testing.T) {
	bad := startFakeBackend(t, func(r *fakeRequest) fakeReply { return fakeReply{Status: 503, Body: "bad"} })
	good := startFakeBackend(t, func(r *fakeRequest) fakeReply { return fakeReply{Status: 200, Body: "good"} })
	slow := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Body: "slow", Delay: 300 * time.Millisecond}
	})
	dead := testenv.RefusingAddr(t)

	tp := startProxy(t, `
upstream deadfirst { server `+dead+`; server `+good.Addr()+`; }
upstream badfirst { server `+bad.Addr()+`; server `+good.Addr()+`; }
upstream badfirst2 { server `+bad.Addr()+`; server `+good.Addr()+`; }
upstream slowonly { server `+slow.Addr()+`; }
upstream deadonly { server `+dead+`; }
server {
    listen 127.0.0.1:0;
    location /dead/ { proxy_pass http://deadfirst; }
    location /status/ { proxy_pass http://badfirst; proxy_next_upstream error timeout http_503; }
    location /nostatus/ { proxy_pass http://badfirst2; }
    location /off/ { proxy_pass http://deadfirst; proxy_next_upstream off; }
    location /tries/ { proxy_pass http://deadfirst; proxy_next_upstream_tries 1; }
    location /timeout/ { proxy_pass http://slowonly; proxy_read_timeout 100ms; }
    location /refused/ { proxy_pass http://deadonly; }
}`, nil)
	cases := []struct {
		uri    string
		status int
		body   string
		log    string
	}{
		{"/dead/", 200, "good", "connect() failed (111: Connection refused) while connecting to upstream"},
		{"/status/", 200, "good", ""},
		{"/off/", 502, "", ""},
		{"/tries/", 502, "", ""},
		{"/timeout/", 504, "", "upstream timed out (110: Connection timed out) while reading response header from upstream"},
		{"/refused/", 502, "", ""},
	}
	// Round robin alternates the first peer: ask twice so that both orders
	// are covered where it matters.
	for _, c := range cases {
		for i := 0; i < 2; i++ {
			r := tp.get("x", c.uri)
			if c.uri == "/off/" || c.uri == "/tries/" {
				if r.Status != 502 && r.Body != "good" {
					t.Errorf("%s: %d %q", c.uri, r.Status, r.Body)
				}
				continue
			}
			if r.Status != c.status || (c.body != "" && r.Body != c.body) {
				t.Errorf("%s #%d: %d %q, want %d %q", c.uri, i, r.Status, r.Body, c.status, c.body)
			}
		}
		if c.log != "" && !strings.Contains(tp.errorLog(), c.log) {
			t.Errorf("%s: error log lacks %q", c.uri, c.log)
		}
	}
	// Without http_503 the first answer passes, whatever peer gave it (a
	// separate group: http_503 above marked "bad" failed in badfirst).
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		r := tp.get("x", "/nostatus/")
		seen[r.Body] = true
	}
	if !seen["bad"] || !seen["good"] {
		t.Errorf("without http_503 both peers' answers should reach the client: %v", seen)
	}
	if !strings.Contains(tp.errorLog(), `upstream: "http://`+dead+`/dead/"`) {
		t.Errorf("error log lacks the upstream URL:\n%s", tp.errorLog())
	}
}

// TestProxyRedirectAndIntercept covers proxy_redirect default/custom/off
// and proxy_intercept_errors with error_page.
func TestProxyRedirectAndIntercept(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		switch {
		case strings.HasSuffix(r.URI, "/fail"):
			return fakeReply{Status: 500, Body: "upstream trace"}
		default:
			return fakeReply{Status: 302, Header: []string{"Location: http://" + hostOf(r) + "/app/next"}}
		}
	})
	tp := startProxy(t, `
upstream app { server `+be.Addr()+`; }
server {
    listen 127.0.0.1:0;
    location /one/ { proxy_pass http://app/app/; }
    location /two/ { proxy_pass http://app/app/; proxy_redirect http://app/app/ /custom/; }
    location /three/ { proxy_pass http://app/app/; proxy_redirect off; }
    location /i/ { proxy_pass http://app; proxy_intercept_errors on; error_page 500 = /handled; }
    location /n/ { proxy_pass http://app; }
    location = /handled { return 200 "handled"; }
}`, nil)
	// A relative result is made absolute, as nginx's header filter does.
	base := "http://x:" + tp.addr[strings.LastIndexByte(tp.addr, ':')+1:]
	if r := tp.get("x", "/one/a"); r.Header.Get("Location") != base+"/one/next" {
		t.Errorf("proxy_redirect default: %q", r.Header.Get("Location"))
	}
	if r := tp.get("x", "/two/a"); r.Header.Get("Location") != base+"/custom/next" {
		t.Errorf("proxy_redirect custom: %q", r.Header.Get("Location"))
	}
	if r := tp.get("x", "/three/a"); r.Header.Get("Location") != "http://app/app/next" {
		t.Errorf("proxy_redirect off: %q", r.Header.Get("Location"))
	}
	if r := tp.get("x", "/i/fail"); r.Status != 200 || r.Body != "handled" {
		t.Errorf("proxy_intercept_errors: %d %q", r.Status, r.Body)
	}
	if r := tp.get("x", "/n/fail"); r.Status != 500 || r.Body != "upstream trace" {
		t.Errorf("without intercept: %d %q", r.Status, r.Body)
	}
}

// TestUpgradeTunnel: a 101 answer becomes a two-way pipe and the upstream
// connection is never pooled.
func TestUpgradeTunnel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		n, _ := c.Read(buf)
		if !strings.Contains(string(buf[:n]), "Upgrade: websocket") {
			return
		}
		c.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
		n, _ = c.Read(buf)
		c.Write([]byte("echo:" + string(buf[:n])))
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	tp := startProxy(t, `
upstream ws { server `+ln.Addr().String()+`; keepalive 4; }
server {
    listen 127.0.0.1:0;
    location / {
        proxy_pass http://ws;
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
    }
}`, nil)
	c := tp.dial()
	c.send("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	r := c.read("GET")
	if r.Status != 101 {
		t.Fatalf("status %d", r.Status)
	}
	c.send("ping")
	buf := make([]byte, 64)
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := c.br.Read(buf)
	if string(buf[:n]) != "echo:ping" {
		t.Errorf("tunnel got %q", buf[:n])
	}
	if idle := tp.srv.Runtime().upstreams.Get("ws").Pool.Stats().Idle; idle != 0 {
		t.Errorf("an upgraded connection went back to the pool (%d idle)", idle)
	}
}

// TestStreamingAndTrailers: response bytes reach the client as they arrive
// (proxy_buffering off, and on too: nothing is held back), and chunked
// trailers pass.
func TestStreamingAndTrailers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	var releaseOnce sync.Once
	releaseAll := func() { releaseOnce.Do(func() { close(release) }) }
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		buf := make([]byte, 4096)
		c.Read(buf)
		c.Write([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n5\r\nfirst\r\n"))
		<-release
		c.Write([]byte("6\r\nsecond\r\n0\r\nX-Sum: 42\r\n\r\n"))
	}()
	t.Cleanup(func() { releaseAll(); ln.Close(); <-done })
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location / { proxy_pass http://`+ln.Addr().String()+`; proxy_http_version 1.1; proxy_buffering off; }
}`, nil)
	c := tp.dial()
	c.send("GET / HTTP/1.1\r\nHost: x\r\nTE: trailers\r\n\r\n")
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got strings.Builder
	for !strings.Contains(got.String(), "first") {
		line, err := c.br.ReadString('\n')
		if err != nil {
			t.Fatalf("the first chunk did not arrive before the upstream sent the rest: %v (%q)", err, got.String())
		}
		got.WriteString(line)
	}
	releaseAll()
	rest, _ := c.br.ReadString('\n')
	for !strings.HasSuffix(got.String()+rest, "\r\n\r\n") {
		line, err := c.br.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		rest += line
	}
	if !strings.Contains(rest, "second") || !strings.Contains(rest, "X-Sum: 42") {
		t.Errorf("rest of the body: %q", rest)
	}
}

// TestProxyToUnixSocket: proxy_pass http://unix:/path:/uri.
func TestProxyToUnixSocket(t *testing.T) {
	sock := t.TempDir() + "/be.sock"
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			r, err := readFakeRequest(bufio.NewReader(c))
			if err == nil {
				c.Write([]byte(fakeReply{Status: 200, Body: "unix " + r.URI}.render()))
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location /u/ { proxy_pass http://unix:`+sock+`:/inner/; }
    location /w/ { proxy_pass http://unix:`+sock+`; }
}`, nil)
	if r := tp.get("x", "/u/a?b"); r.Status != 200 || r.Body != "unix /inner/a?b" {
		t.Errorf("with URI: %d %q\n%s", r.Status, r.Body, tp.errorLog())
	}
	if r := tp.get("x", "/w/a"); r.Status != 200 || r.Body != "unix /w/a" {
		t.Errorf("without URI: %d %q", r.Status, r.Body)
	}
}

// TestNextUpstreamTimeout: proxy_next_upstream_timeout stops retries once
// the request has taken that long.
func TestNextUpstreamTimeout(t *testing.T) {
	hang := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Body: "late", Delay: 500 * time.Millisecond}
	})
	good := startFakeBackend(t, func(r *fakeRequest) fakeReply { return fakeReply{Status: 200, Body: "good"} })
	tp := startProxy(t, `
upstream a { server `+hang.Addr()+`; server `+good.Addr()+` backup; }
upstream b { server `+hang.Addr()+`; server `+good.Addr()+` backup; }
server {
    listen 127.0.0.1:0;
    proxy_read_timeout 150ms;
    location /limited/ { proxy_pass http://a; proxy_next_upstream_timeout 100ms; }
    location /free/ { proxy_pass http://b; }
}`, nil)
	if r := tp.get("x", "/limited/"); r.Status != 504 {
		t.Errorf("with proxy_next_upstream_timeout: %d %q, want 504", r.Status, r.Body)
	}
	if r := tp.get("x", "/free/"); r.Status != 200 || r.Body != "good" {
		t.Errorf("without: %d %q, want the backup's answer", r.Status, r.Body)
	}
}

// TestProxyBufferSize: proxy_buffer_size bounds the upstream response head
// (nginx: "upstream sent too big header" and 502).
func TestProxyBufferSize(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Header: []string{"Set-Cookie: big=" + strings.Repeat("c", 6000)}, Body: "ok"}
	})
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location /small/ { proxy_pass http://`+be.Addr()+`; }
    location /big/ { proxy_pass http://`+be.Addr()+`; proxy_buffer_size 16k; }
}`, nil)
	if r := tp.get("x", "/small/"); r.Status != 502 {
		t.Errorf("a 6k head with the default proxy_buffer_size: %d, want 502", r.Status)
	}
	if !strings.Contains(tp.errorLog(), "upstream sent too big header while reading response header from upstream") {
		t.Errorf("error log:\n%s", tp.errorLog())
	}
	if r := tp.get("x", "/big/"); r.Status != 200 || len(r.Header.Get("Set-Cookie")) != 6004 {
		t.Errorf("proxy_buffer_size 16k: %d, cookie %d bytes", r.Status, len(r.Header.Get("Set-Cookie")))
	}
}
