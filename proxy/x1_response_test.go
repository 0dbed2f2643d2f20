package proxy

import (
	"net"
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
)

// TestUpstreamRelativeLocation: nginx makes absolute only a Location that
// proxy_redirect rewrote (ngx_http_upstream_rewrite_location); any other
// relative one passes as the upstream sent it.
func TestUpstreamRelativeLocation(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		_, loc, _ := strings.Cut(r.URI, "?location=")
		return fakeReply{Status: 302, Header: []string{"Location: " + loc}}
	})
	tp := startProxy(t, `
upstream be { server `+be.Addr()+`; }
server {
    listen 127.0.0.1:0;
    server_name rd.example;
    location /pr/ { proxy_pass http://be/inner/; }
    location /off/ { proxy_redirect off; proxy_pass http://be/inner/; }
    location /rel/ { proxy_redirect /inner/ /mapped/; proxy_pass http://be/inner/; }
    location /rel-off/ { absolute_redirect off; proxy_redirect /inner/ /mapped/; proxy_pass http://be/inner/; }
}`, nil)
	_, port, _ := net.SplitHostPort(tp.addr)
	cases := []struct {
		name, uri, want string
	}{
		{"default rule rewrites absolute", "/pr/x?location=http://be/inner/t", "http://rd.example:" + port + "/pr/t"},
		{"relative not rewritten passes", "/pr/x?location=/inner/rel", "/inner/rel"},
		{"relative with redirect off passes", "/off/x?location=/inner/rel", "/inner/rel"},
		{"relative rewritten becomes absolute", "/rel/x?location=/inner/a", "http://rd.example:" + port + "/mapped/a"},
		{"rewritten stays relative with absolute_redirect off", "/rel-off/x?location=/inner/a", "/mapped/a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := tp.get("rd.example", c.uri)
			if resp.Status != 302 {
				t.Fatalf("status %d, want 302", resp.Status)
			}
			if got := resp.Header.Get("Location"); got != c.want {
				t.Errorf("Location = %q, want %q", got, c.want)
			}
		})
	}
}

// TestOwnResponseFraming: statuses nginx answers without a body carry no
// Content-Type nor length (204) or the length of the body they do not send
// (304, ngx_http_header_filter); keep-alive ends after the errors nginx
// answers itself, even when error_page maps them to 200
// (ngx_http_special_response_handler), but not after "return CODE TEXT"
// or an error_page "=500", which nginx sends as ordinary responses.
func TestOwnResponseFraming(t *testing.T) {
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    server_name fr.example;
    location /ret-204 { return 204; }
    location /ret-304 { return 304; }
    location /ret-304-text { return 304 "text"; }
    location /ret-200 { return 200 "ok\n"; }
    location /ret-500-text { return 500 "text500\n"; }
    location /ret-400-text { return 400 "text400\n"; }
    location /err-code/ { error_page 500 =200 /target/page; return 500; }
    location /err-404/ { error_page 404 =200 /target/page; return 404; }
    location /err-to-500/ { error_page 404 =500 /target/page; return 404; }
    location /target/ { return 200 "page\n"; }
}`, nil)
	cases := []struct {
		name, uri  string
		status     int
		ctype      string // "" when none must be sent
		length     string // "" when none must be sent
		body       string
		keepsAlive bool
	}{
		{"return 204 has no type nor length", "/ret-204", 204, "", "", "", true},
		{"return 304 announces length 0", "/ret-304", 304, "text/plain", "0", "", true},
		{"return 304 text announces its length", "/ret-304-text", 304, "text/plain", "4", "", true},
		{"return 200 text", "/ret-200", 200, "text/plain", "3", "ok\n", true},
		{"return 500 text keeps alive", "/ret-500-text", 500, "text/plain", "8", "text500\n", true},
		{"return 400 text keeps alive", "/ret-400-text", 400, "text/plain", "8", "text400\n", true},
		{"500 mapped to 200 still closes", "/err-code/", 200, "text/plain", "5", "page\n", false},
		{"404 mapped to 200 keeps alive", "/err-404/", 200, "text/plain", "5", "page\n", true},
		{"404 mapped to 500 keeps alive", "/err-to-500/", 500, "text/plain", "5", "page\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := tp.dial()
			cl.send("GET " + c.uri + " HTTP/1.1\r\nHost: fr.example\r\n\r\n")
			resp := cl.read("GET")
			if resp.Status != c.status || resp.Body != c.body {
				t.Fatalf("got %d %q, want %d %q", resp.Status, resp.Body, c.status, c.body)
			}
			if got := resp.Header.Get("Content-Type"); got != c.ctype {
				t.Errorf("Content-Type = %q, want %q", got, c.ctype)
			}
			if got := resp.Header.Get("Content-Length"); got != c.length {
				t.Errorf("Content-Length = %q, want %q", got, c.length)
			}
			if c.keepsAlive {
				if resp.Raw.Close {
					t.Errorf("connection announced close, want keep-alive")
				}
				return
			}
			if !resp.Raw.Close { // net/http consumes "Connection: close" into Close
				t.Error("no Connection: close, want close")
			}
			cl.expectClosed()
		})
	}
}

// TestOwnResponseTerminates: "return 408" ends the request without a
// response, as ngx_http_finalize_request terminates 408 and 499; and an
// error page that fails answers with its own failure, not the status its
// "=CODE" asked for (r->err_status is the new error).
func TestOwnResponseTerminates(t *testing.T) {
	dead := testenv.RefusingAddr(t)
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    server_name te.example;
    location /ret-408 { return 408; }
    location /ret-499 { return 499; }
    location /err-page-fails/ { error_page 404 =200 /upfail; return 404; }
    location = /upfail { proxy_pass http://`+dead+`; }
}`, nil)
	for _, uri := range []string{"/ret-408", "/ret-499"} {
		t.Run(uri, func(t *testing.T) {
			cl := tp.dial()
			cl.send("GET " + uri + " HTTP/1.1\r\nHost: te.example\r\n\r\n")
			cl.expectClosed()
		})
	}
	t.Run("failing error page", func(t *testing.T) {
		resp := tp.get("te.example", "/err-page-fails/")
		if resp.Status != 502 || !strings.Contains(resp.Body, "502 Bad Gateway") {
			t.Errorf("got %d %q, want nginx's 502 page", resp.Status, resp.Body)
		}
	})
}

// TestRangeNotSatisfiable: a 416 from the static handler keeps
// "Content-Range: bytes */SIZE" on nginx's own page
// (ngx_http_range_not_satisfiable), for an unsatisfiable and a malformed
// range alike.
func TestRangeNotSatisfiable(t *testing.T) {
	tp := startProxy(t, `
server {
    listen 127.0.0.1:0;
    server_name st.example;
    root {{DIR}}/html;
}`, map[string]string{"html/ten.txt": "0123456789"})
	cases := []struct {
		name, rng string
		status    int
		crange    string
	}{
		{"beyond the end", "bytes=50-", 416, "bytes */10"},
		{"malformed", "bytes=x-y", 416, "bytes */10"},
		{"satisfiable", "bytes=2-4", 206, "bytes 2-4/10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := tp.roundTrip("GET /ten.txt HTTP/1.1\r\nHost: st.example\r\nRange: " + c.rng + "\r\nConnection: close\r\n\r\n")
			if resp.Status != c.status {
				t.Fatalf("status %d, want %d", resp.Status, c.status)
			}
			if got := resp.Header.Values("Content-Range"); len(got) != 1 || got[0] != c.crange {
				t.Errorf("Content-Range = %q, want [%q]", got, c.crange)
			}
			if c.status == 416 {
				if got := resp.Header.Get("Content-Type"); got != "text/html" {
					t.Errorf("Content-Type = %q, want nginx's page text/html", got)
				}
				for _, h := range []string{"Accept-Ranges", "ETag", "Last-Modified"} {
					if v := resp.Header.Get(h); v != "" {
						t.Errorf("%s = %q on a 416 page, want none", h, v)
					}
				}
			}
		})
	}
}

// TestProxyMethod: proxy_method (variables allowed) replaces the method
// on the upstream request line only.
func TestProxyMethod(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Body: r.Method}
	})
	tp := startProxy(t, `
upstream be { server `+be.Addr()+`; }
server {
    listen 127.0.0.1:0;
    server_name pm.example;
    location /post/ { proxy_method POST; proxy_pass http://be; }
    location /var/ { set $m PUT; proxy_method $m; proxy_pass http://be; }
    location /inherit/ {
        proxy_method DELETE;
        location /inherit/inner/ { proxy_pass http://be; }
    }
    location /plain/ { proxy_pass http://be; }
}`, nil)
	cases := []struct{ uri, want string }{
		{"/post/x", "POST"},
		{"/var/x", "PUT"},
		{"/inherit/inner/x", "DELETE"},
		{"/plain/x", "GET"},
	}
	for _, c := range cases {
		t.Run(c.uri, func(t *testing.T) {
			resp := tp.get("pm.example", c.uri)
			if resp.Body != c.want {
				t.Errorf("upstream saw method %q, want %q", resp.Body, c.want)
			}
		})
	}
}

// TestChunkedTransferEncodingOff: with chunked_transfer_encoding off a
// body of unknown length goes out unframed and the connection closes after
// it (ngx_http_chunked_header_filter); a known length is unaffected.
func TestChunkedTransferEncodingOff(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Body: "hello chunks\n", Chunked: strings.Contains(r.URI, "chunked")}
	})
	tp := startProxy(t, `
upstream be { server `+be.Addr()+`; }
server {
    listen 127.0.0.1:0;
    server_name ch.example;
    location /nochunk/ { chunked_transfer_encoding off; proxy_http_version 1.1; proxy_pass http://be; }
    location /chunk/ { proxy_http_version 1.1; proxy_pass http://be; }
}`, nil)
	cases := []struct {
		name, uri  string
		chunked    bool
		keepsAlive bool
	}{
		{"off unknown length closes", "/nochunk/?chunked=1", false, false},
		{"off known length keeps alive", "/nochunk/?plain=1", false, true},
		{"on unknown length is chunked", "/chunk/?chunked=1", true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := tp.dial()
			cl.send("GET " + c.uri + " HTTP/1.1\r\nHost: ch.example\r\n\r\n")
			resp := cl.read("GET")
			if resp.Body != "hello chunks\n" {
				t.Errorf("body %q", resp.Body)
			}
			isChunked := len(resp.Raw.TransferEncoding) > 0
			if isChunked != c.chunked {
				t.Errorf("chunked = %v, want %v", isChunked, c.chunked)
			}
			if c.keepsAlive {
				if resp.Raw.Close {
					t.Error("connection announced close, want keep-alive")
				}
				return
			}
			if !resp.Raw.Close { // net/http consumes "Connection: close" into Close
				t.Error("no Connection: close, want close")
			}
			cl.expectClosed()
		})
	}
}

// TestProxyMethodHeadClient: a HEAD client whose request goes upstream as
// GET (proxy_method GET) gets no body, and the upstream body is read to
// its end so that the pooled connection serves the next request cleanly.
func TestProxyMethodHeadClient(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Body: r.Method + " " + r.URI + " body\n"}
	})
	tp := startProxy(t, `
upstream be { server `+be.Addr()+`; keepalive 4; }
server {
    listen 127.0.0.1:0;
    server_name ph.example;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location /as-get/ { proxy_method GET; proxy_pass http://be; }
    location / { proxy_pass http://be; }
}`, nil)
	cl := tp.dial()
	steps := []struct{ method, uri, want string }{
		{"HEAD", "/as-get/1", ""},
		{"GET", "/next", "GET /next body\n"},
		{"HEAD", "/as-get/2", ""},
		{"GET", "/last", "GET /last body\n"},
	}
	for _, s := range steps {
		cl.send(s.method + " " + s.uri + " HTTP/1.1\r\nHost: ph.example\r\n\r\n")
		resp := cl.read(s.method)
		if resp.Status != 200 || resp.Body != s.want {
			t.Fatalf("%s %s: %d %q, want 200 %q", s.method, s.uri, resp.Status, resp.Body, s.want)
		}
	}
	for _, r := range be.Requests() {
		if strings.HasPrefix(r.URI, "/as-get/") && r.Method != "GET" {
			t.Errorf("upstream got %s %s, want GET", r.Method, r.URI)
		}
	}
	if n := be.Conns(); n != 1 {
		t.Errorf("upstream connections = %d, want 1 (the body was drained, the connection reused)", n)
	}
}
