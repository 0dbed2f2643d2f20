package proxy

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccessPhase: allow/deny in nginx's access phase — after the server
// and location rewrite scripts (a "return" answers first), before
// try_files and the content handler; a level with rules replaces the
// inherited list; a denied request gets 403 (or its error_page) and an
// error log line in nginx's words.
func TestAccessPhase(t *testing.T) {
	be := startFakeBackend(t, nil)
	sock := filepath.Join(t.TempDir(), "s.sock")
	tp := startProxy(t, `
deny 127.0.0.2;
server {
    listen 127.0.0.1:0;
    server_name acl.test;
    location /open/ { proxy_pass http://`+be.Addr()+`; }
    location /denied/ { deny 127.0.0.1; proxy_pass http://`+be.Addr()+`; }
    location /range/ { allow 127.0.0.0/8; deny all; proxy_pass http://`+be.Addr()+`; }
    location /v6only/ { allow ::1; deny all; proxy_pass http://`+be.Addr()+`; }
    location /returns { deny all; return 200 "rewrite runs first"; }
    location /rewritten { deny all; rewrite ^ /open/x last; }
    location /files/ { deny all; try_files $uri =404; }
    location /paged/ { deny all; error_page 403 /open/page; }
    location /outer/ {
        deny all;
        proxy_pass http://`+be.Addr()+`;
        location /outer/inner/ { allow all; proxy_pass http://`+be.Addr()+`; }
    }
}
server {
    listen 127.0.0.1:0;
    server_name srv.test;
    deny all;
    location / { proxy_pass http://`+be.Addr()+`; }
    location /mine/ { allow 127.0.0.1; deny all; proxy_pass http://`+be.Addr()+`; }
}
server {
    listen unix:`+sock+`;
    location /unix/ { deny unix:; proxy_pass http://`+be.Addr()+`; }
    location /tcp/ { deny 127.0.0.1; proxy_pass http://`+be.Addr()+`; }
}`, nil)
	for _, a := range tp.srv.Addrs() {
		if a.Network() == "tcp" {
			tp.addr = a.String()
		}
	}

	cases := []struct {
		host, uri string
		unix      bool
		status    int
		body      string // the start of the body ("" nginx's page for a 403)
		denied    bool   // an "access forbidden by rule" line is logged
	}{
		{host: "acl.test", uri: "/open/x", status: 200},
		{host: "acl.test", uri: "/denied/x", status: 403, denied: true},
		{host: "acl.test", uri: "/range/x", status: 200},
		{host: "acl.test", uri: "/v6only/x", status: 403, denied: true},
		{host: "acl.test", uri: "/returns", status: 200},
		{host: "acl.test", uri: "/rewritten", status: 200},
		{host: "acl.test", uri: "/files/x", status: 403, denied: true},
		{host: "acl.test", uri: "/paged/x", status: 403, body: "ok /open/page", denied: true},
		{host: "acl.test", uri: "/outer/x", status: 403, denied: true},
		{host: "acl.test", uri: "/outer/inner/x", status: 200},
		{host: "srv.test", uri: "/x", status: 403, denied: true},
		{host: "srv.test", uri: "/mine/x", status: 200},
		{host: "u.test", unix: true, uri: "/unix/x", status: 403, denied: true},
		{host: "u.test", unix: true, uri: "/tcp/x", status: 200},
	}
	for _, c := range cases {
		t.Run(c.host+c.uri, func(t *testing.T) {
			before := strings.Count(tp.errorLog(), "access forbidden by rule")
			raw := "GET " + c.uri + " HTTP/1.1\r\nHost: " + c.host + "\r\nConnection: close\r\n\r\n"
			var r *testResponse
			if c.unix {
				nc, err := net.Dial("unix", sock)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				tc := &testClient{t: t, c: nc, br: newTestReader(nc)}
				tc.send(raw)
				r = tc.read("GET")
			} else {
				r = tp.roundTrip(raw)
			}
			if r.Status != c.status {
				t.Fatalf("status %d, want %d; body %q", r.Status, c.status, r.Body)
			}
			switch {
			case c.body != "":
				if !strings.HasPrefix(r.Body, c.body) {
					t.Errorf("body %q, want %q", r.Body, c.body)
				}
			case c.status == 403:
				if !strings.Contains(r.Body, "<title>403 Forbidden</title>") {
					t.Errorf("body %q, want nginx's 403 page", r.Body)
				}
			}
			after := strings.Count(tp.errorLog(), "access forbidden by rule")
			if got := after > before; got != c.denied {
				t.Errorf("denial logged %v, want %v; log:\n%s", got, c.denied, tp.errorLog())
			}
		})
	}

	// The line names the client, server, request and host, at error level.
	want := `[error] `
	line := ""
	for _, l := range strings.Split(tp.errorLog(), "\n") {
		if strings.Contains(l, `request: "GET /denied/x HTTP/1.1"`) {
			line = l
		}
	}
	tail := `access forbidden by rule, client: 127.0.0.1, server: acl.test, request: "GET /denied/x HTTP/1.1", host: "acl.test"`
	if !strings.Contains(line, want) || !strings.HasSuffix(line, tail) {
		t.Errorf("error log line %q, want level %q and ending %q", line, want, tail)
	}
}
