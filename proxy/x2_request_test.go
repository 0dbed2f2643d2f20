package proxy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
)

// TestX2TooLargeContentLengthAnsweredAtOnce: a Content-Length over
// client_max_body_size gets 413 before any body byte arrives, with or
// without "Expect: 100-continue" (and then no 100 Continue first); the
// connection stays open while the declared body may still come, as nginx's
// discarding keeps it, and closes once it has arrived.
func TestX2TooLargeContentLengthAnsweredAtOnce(t *testing.T) {
	be := startFakeBackend(t, nil)
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    client_max_body_size 100;
    location / { proxy_pass http://`+be.Addr()+`; }
}`, nil)
	for _, expect := range []string{"", "Expect: 100-continue\r\n"} {
		t.Run(fmt.Sprintf("expect=%q", expect), func(t *testing.T) {
			c := tp.dial()
			c.send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n" + expect + "\r\n")
			r := c.read("POST")
			if r.Status != 413 {
				t.Fatalf("status %d, want 413 before the body", r.Status)
			}
			if !r.Raw.Close {
				t.Errorf("413 without Connection: close")
			}
			// Still open: the declared body is awaited and dropped.
			_ = c.c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			if b, err := c.br.ReadByte(); err == nil {
				t.Fatalf("unexpected byte %q after the 413", b)
			} else if !isTimeout(err) {
				t.Fatalf("connection closed before the declared body arrived: %v", err)
			}
			c.send(strings.Repeat("x", 200))
			c.expectClosed()
		})
	}
	if n := len(be.Requests()); n != 0 {
		t.Errorf("backend got %d requests, want none", n)
	}
	if !strings.Contains(tp.errorLog(), "client intended to send too large body: 200 bytes") {
		t.Errorf("error log lacks nginx's message:\n%s", tp.errorLog())
	}
}

// TestX2ProxyPassURIAfterRewriteBreak: nginx leaves the URI part of
// proxy_pass out once "rewrite ... break" changed the URI in the location
// (r->valid_location is cleared); without break-rewrite it replaces the
// location prefix.
func TestX2ProxyPassURIAfterRewriteBreak(t *testing.T) {
	be := startFakeBackend(t, nil)
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    location /rewritten/ { rewrite ^/rewritten/(.*)$ /changed/$1 break; proxy_pass http://`+be.Addr()+`/ignored/; }
    location /plain/ { proxy_pass http://`+be.Addr()+`/replaced/; }
    location /nouri/ { rewrite ^/nouri/(.*)$ /other/$1 break; proxy_pass http://`+be.Addr()+`; }
}`, nil)
	cases := []struct{ uri, want string }{
		{"/rewritten/abc?k=1", "/changed/abc?k=1"},
		{"/rewritten/a%20b", "/changed/a%20b"},
		{"/plain/abc?k=1", "/replaced/abc?k=1"},
		{"/nouri/x?y", "/other/x?y"},
	}
	for _, c := range cases {
		if r := tp.get("x", c.uri); r.Status != 200 {
			t.Fatalf("%s: status %d", c.uri, r.Status)
		}
		reqs := be.Requests()
		if got := reqs[len(reqs)-1].URI; got != c.want {
			t.Errorf("%s: upstream got %q, want %q", c.uri, got, c.want)
		}
	}
}

// TestX2PlainHTTPOnSSLPort: a plain HTTP request on an ssl listen socket
// gets nginx's 400 page "The plain HTTP request was sent to HTTPS port"
// (ngx_http_ssl_handshake tells TLS from plain text by the first byte),
// the connection closes, and the access log says 400.
func TestX2PlainHTTPOnSSLPort(t *testing.T) {
	crt, key := testenv.SelfSigned(t, "s.test")
	tp := startProxy(t, `
log_format st '$status $request';
server {
    listen 127.0.0.1:0 ssl;
    server_name s.test;
    ssl_certificate s.crt;
    ssl_certificate_key s.key;
    access_log {{DIR}}/st.log st;
    location / { return 200 "tls\n"; }
}`, map[string]string{"s.crt": crt, "s.key": key})
	c := tp.dial()
	c.send("GET /x HTTP/1.1\r\nHost: s.test\r\n\r\n")
	r := c.read("GET")
	if r.Status != 400 || !strings.Contains(r.Body, "The plain HTTP request was sent to HTTPS port") {
		t.Fatalf("got %d %q, want nginx's 400 plain-HTTP page", r.Status, r.Body)
	}
	c.expectClosed()
	waitFor(t, func() bool { return strings.Contains(readFileIfAny(tp.dir+"/st.log"), "GET /x") })
	if got := readFile(t, tp.dir+"/st.log"); got != "400 GET /x HTTP/1.1\n" {
		t.Errorf("access log %q, want status 400", got)
	}
	if !strings.Contains(tp.errorLog(), "client sent plain HTTP request to HTTPS port") {
		t.Errorf("error log lacks nginx's message:\n%s", tp.errorLog())
	}
}

func readFileIfAny(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// TestX2BadRequestLineLogFields: a request line nginx rejects (a bad
// escape) is logged with $request_uri "-" (r->unparsed_uri is set only
// after the URI parsed) and counts in $connection_requests; a bad header
// line keeps $request_uri.
func TestX2BadRequestLineLogFields(t *testing.T) {
	tp := startProxy(t, `
log_format f '$status|$request_uri|$connection_requests';
server {
    listen 127.0.0.1:0;
    access_log {{DIR}}/f.log f;
    location / { return 200; }
}`, nil)
	for _, req := range []string{
		"GET /bad%zz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /ok HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
	} {
		c := tp.dial()
		c.send(req)
		if r := c.read("GET"); r.Status != 400 {
			t.Fatalf("%q: status %d, want 400", req, r.Status)
		}
	}
	// The two requests come on two connections: each line is written after
	// its response went out, so their order in the log is not fixed.
	want := []string{"400|-|1", "400|/ok|1"}
	waitFor(t, func() bool { return strings.Count(readFileIfAny(tp.dir+"/f.log"), "\n") == 2 })
	got := strings.Split(strings.TrimSuffix(readFile(t, tp.dir+"/f.log"), "\n"), "\n")
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("access log lines %q, want %q in any order", got, want)
	}
}

// TestX2ReloadKeepsFreshConnections: a reload closes connections idle
// between two requests, never one that waits for its first request (the
// listener and process stay, so its request must be answered).
func TestX2ReloadKeepsFreshConnections(t *testing.T) {
	port := testenv.FreePort(t)
	conf := fmt.Sprintf(`server { listen 127.0.0.1:%d; location / { return 200 "ok\n"; } }`, port)
	tp := startProxy(t, conf, nil)
	kept := tp.dial()
	kept.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if r := kept.read("GET"); r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	fresh := tp.dial()
	// The fresh connection is accepted and waiting before the reload.
	waitFor(t, func() bool {
		tp.srv.mu.Lock()
		defer tp.srv.mu.Unlock()
		return len(tp.srv.conns) == 2
	})
	tp.reload(conf)
	kept.expectClosed()
	fresh.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if r := fresh.read("GET"); r.Status != 200 {
		t.Errorf("fresh connection after reload: status %d", r.Status)
	}
}

// TestX2LoadReportsUnresolvableProxyPass: a proxy_pass host without an
// upstream block is resolved at load, and failing that Load reports nginx's
// words at the directive's position (what -t prints).
func TestX2LoadReportsUnresolvableProxyPass(t *testing.T) {
	dir := t.TempDir()
	conf := "events {}\nhttp {\nserver {\nlisten 127.0.0.1:0;\nlocation / {\nproxy_pass http://no-such-host.invalid:8080/app;\n}\n}\n}\n"
	cfg, diags := nginxconf.ParseBytes(filepath.Join(dir, "nginx.conf"), []byte(conf), nginxconf.Options{Prefix: dir + "/"})
	failOnErrors(t, diags, conf)
	rt, diags := Load(cfg, LoadOptions{Prefix: dir + "/", NoOpenLogs: true})
	if rt != nil {
		rt.Close()
	}
	var found bool
	for _, d := range diags {
		if d.Severity == nginxconf.SevError && d.Message == `host not found in upstream "no-such-host.invalid:8080/app"` {
			found = true
			if d.Pos.Line != 6 {
				t.Errorf("reported at line %d, want 6", d.Pos.Line)
			}
		}
	}
	if !found {
		t.Errorf("no nginx-worded error for the unresolvable host: %v", diags)
	}
}

func TestX2ImplicitUpstreamError(t *testing.T) {
	other := fmt.Errorf("invalid port in %q", "h:x")
	cases := []struct {
		raw  string
		err  error
		want string
	}{
		{"http://h.invalid", fmt.Errorf("host not found in upstream %q: lookup: no such host", "h.invalid"), `host not found in upstream "h.invalid"`},
		{"http://h.invalid:81/u", fmt.Errorf("host not found in upstream %q", "h.invalid"), `host not found in upstream "h.invalid:81/u"`},
		{"http://h:x", other, other.Error()},
	}
	for _, c := range cases {
		if got := implicitUpstreamError(c.raw, c.err).Error(); got != c.want {
			t.Errorf("%s: %q, want %q", c.raw, got, c.want)
		}
	}
}

// TestX2PidFileRemoval: the pid file holds "PID\n" and goes at exit; when
// it cannot be unlinked (after dropping root, the directory is not the
// user's) it is emptied through the descriptor opened before.
func TestX2PidFileRemoval(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.pid")
	pf, err := createPidFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != fmt.Sprintf("%d\n", os.Getpid()) {
		t.Errorf("pid file %q", got)
	}
	pf.remove()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("pid file left after remove: %v", err)
	}

	// Unlinking fails (here: the name is a non-empty directory, which
	// even root cannot unlink): the descriptor empties the file.
	pf, err = createPidFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	pf.path = blocked
	pf.remove()
	if got := readFile(t, path); got != "" {
		t.Errorf("pid file holds %q after a failed unlink, want it emptied", got)
	}
	if _, err := createPidFile(filepath.Join(dir, "missing", "x.pid")); err == nil || !strings.Contains(err.Error(), "open()") {
		t.Errorf("pid file in a missing directory: %v", err)
	}
}
