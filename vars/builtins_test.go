package vars

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
)

func TestBuiltins(t *testing.T) {
	reg := testRegistry(t)
	c := clientRequest("POST", "/a%20b/./c//d?x=1&Y=2&x=3&flag&z=",
		"Host: Www.Example.COM.:8443",
		"User-Agent: ua/1",
		"X-Forwarded-For: 10.0.0.1",
		"X-Forwarded-For: 10.0.0.2",
		"X-Multi: a",
		"x-multi: b",
		"X_Multi: c",
		"Cookie: sid=abc; Theme = dark ;empty=",
		"Cookie: late=1",
		"Content-Type: text/plain",
		"Content-Length: 12",
		"Authorization: Basic YWxpY2U6c2VjcmV0",
	)
	c.ContentLength = 12
	q := newTestRequest(t, reg, c)
	q.TLS, q.SNI = true, "sni.example"
	q.DocumentRoot = "/srv/www"
	q.RequestLength = 345
	q.ProxyHost, q.ProxyPort = "backend:8081", "8081"
	for _, tc := range []struct{ v, want string }{
		{"host", "www.example.com"},
		{"http_host", "Www.Example.COM.:8443"},
		{"http_user_agent", "ua/1"},
		{"http_x_forwarded_for", "10.0.0.1, 10.0.0.2"},
		{"http_x_multi", "a, b, c"},
		{"http_cookie", "sid=abc; Theme = dark ;empty=; late=1"},
		{"cookie_sid", "abc"},
		{"cookie_theme", "dark "},
		{"cookie_empty", ""},
		{"cookie_late", "1"},
		{"cookie_nope", ""},
		{"arg_x", "1"},
		{"arg_y", "2"},
		{"arg_flag", ""},
		{"arg_z", ""},
		{"args", "x=1&Y=2&x=3&flag&z="},
		{"query_string", "x=1&Y=2&x=3&flag&z="},
		{"is_args", "?"},
		{"uri", "/a b/c/d"},
		{"document_uri", "/a b/c/d"},
		{"request_uri", "/a%20b/./c//d?x=1&Y=2&x=3&flag&z="},
		{"request", "POST /a%20b/./c//d?x=1&Y=2&x=3&flag&z= HTTP/1.1"},
		{"request_method", "POST"},
		{"scheme", "https"},
		{"https", "on"},
		{"ssl_server_name", "sni.example"},
		{"server_name", "default.example"},
		{"server_port", "8080"},
		{"server_addr", "127.0.0.1"},
		{"server_protocol", "HTTP/1.1"},
		{"remote_addr", "192.0.2.7"},
		{"remote_port", "51234"},
		{"binary_remote_addr", "\xc0\x00\x02\x07"},
		{"content_type", "text/plain"},
		{"content_length", "12"},
		{"remote_user", "alice"},
		{"request_length", "345"},
		{"request_time", "1.500"},
		{"msec", "1795239826.123"},
		{"time_local", "21/Nov/2026:05:43:46 +0000"},
		{"time_iso8601", "2026-11-21T05:43:46+00:00"},
		{"connection", "17"},
		{"connection_requests", "3"},
		{"hostname", "testhost"},
		{"pid", "4242"},
		{"nginx_version", "1.28.0"},
		{"document_root", "/srv/www"},
		{"request_filename", "/srv/www/a b/c/d"},
		{"proxy_host", "backend:8081"},
		{"proxy_port", "8081"},
		{"proxy_add_x_forwarded_for", "10.0.0.1, 10.0.0.2, 192.0.2.7"},
		{"status", "000"},
		{"bytes_sent", "0"},
		{"body_bytes_sent", "0"},
		{"pipe", "."},
		{"limit_rate", "0"},
		{"gzip_ratio", ""},
		{"upstream_addr", ""},
		{"upstream_http_server", ""},
		{"sent_http_content_type", ""},
	} {
		if got := eval(t, reg, q, "$"+tc.v); got != tc.want {
			t.Errorf("$%s = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestHostFallbacks(t *testing.T) {
	reg := testRegistry(t)
	for _, tc := range []struct {
		name string
		c    *http1.Request
		want string
	}{
		{"absolute form wins", clientRequest("GET", "http://Abs.Test:81/x", "Host: other"), "abs.test"},
		{"ipv6 literal", clientRequest("GET", "/", "Host: [::1]:8080"), "[::1]"},
		{"no host", clientRequest("GET", "/"), "default.example"},
		{"invalid host", clientRequest("GET", "/", "Host: a..b"), "default.example"},
	} {
		q := newTestRequest(t, reg, tc.c)
		if got := eval(t, reg, q, "$host"); got != tc.want {
			t.Errorf("%s: $host = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestRequestURIAbsoluteForm(t *testing.T) {
	for target, want := range map[string]string{
		"http://h/p?q": "/p?q", "http://h": "/", "http://h?x=1": "?x=1", "/plain?x": "/plain?x",
	} {
		c := clientRequest("GET", target)
		if got := string(requestURI(c)); got != want {
			t.Errorf("%q: %q want %q", target, got, want)
		}
	}
}

func TestUpstreamAndResponseVars(t *testing.T) {
	reg := testRegistry(t)
	q := newTestRequest(t, reg, clientRequest("GET", "/"))
	var h1, h2 http1.Header
	h1.Add([]byte("Server"), []byte("one"))
	h2.Add([]byte("Server"), []byte("two"))
	h2.Add([]byte("Set-Cookie"), []byte("SID=xyz; Path=/"))
	h2.Add([]byte("X-A"), []byte("1"))
	h2.Add([]byte("x-a"), []byte("2"))
	q.Upstream = []UpstreamAttempt{
		{Addr: "10.0.0.1:80", Status: 502, ConnectTime: 2 * time.Millisecond, HeaderTime: -1,
			ResponseTime: 1234 * time.Millisecond, BytesSent: 100, BytesReceived: 0, ResponseHeader: &h1},
		{Addr: "10.0.0.2:80", Status: 0, ConnectTime: -1, HeaderTime: -1, ResponseTime: 0,
			KeepaliveReused: true, Slice: "a.test"},
		{Addr: "10.0.0.3:80", Status: 200, ConnectTime: 0, HeaderTime: 5 * time.Millisecond,
			ResponseTime: 7 * time.Millisecond, BytesSent: 120, BytesReceived: 4567,
			KeepaliveReused: true, Slice: "b.test", ResponseHeader: &h2},
	}
	var sent http1.Header
	sent.Add([]byte("Content-Type"), []byte("text/html"))
	sent.Add([]byte("X-Dup"), []byte("1"))
	sent.Add([]byte("X-Dup"), []byte("2"))
	q.Response = Response{Status: 200, Header: &sent, HeaderBytes: 150, BytesSent: 1150, KeepAlive: true}
	for _, tc := range []struct{ v, want string }{
		{"upstream_addr", "10.0.0.1:80, 10.0.0.2:80, 10.0.0.3:80"},
		{"upstream_status", "502, -, 200"},
		{"upstream_connect_time", "0.002, -, 0.000"},
		{"upstream_header_time", "-, -, 0.005"},
		{"upstream_response_time", "1.234, 0.000, 0.007"},
		{"upstream_bytes_sent", "100, 0, 120"},
		{"upstream_bytes_received", "0, 0, 4567"},
		{"upstream_keepalive_reused", "0, 1, 1"},
		{"upstream_keepalive_slice", ", a.test, b.test"},
		{"upstream_http_server", "two"},
		{"upstream_http_x_a", "1, 2"},
		{"upstream_cookie_sid", "xyz"},
		{"upstream_cookie_other", ""},
		{"status", "200"},
		{"bytes_sent", "1150"},
		{"body_bytes_sent", "1000"},
		{"sent_http_content_type", "text/html"},
		{"sent_http_x_dup", "1, 2"},
		{"sent_http_connection", "keep-alive"},
	} {
		if got := eval(t, reg, q, "$"+tc.v); got != tc.want {
			t.Errorf("$%s = %q, want %q", tc.v, got, tc.want)
		}
	}
}

// TestCaching checks nginx's cacheable/volatile split: a cacheable variable
// is computed once per request, a volatile one on every use, and Reset
// starts a new request.
func TestCaching(t *testing.T) {
	now := fixedNow
	reg := NewRegistry(RegistryOptions{Now: func() time.Time { return now }})
	q := reg.NewRequest()
	q.Start = fixedNow
	id1 := eval(t, reg, q, "$request_id")
	if len(id1) != 32 || eval(t, reg, q, "$request_id") != id1 {
		t.Fatalf("$request_id must be 32 hex digits, stable within a request: %q", id1)
	}
	m1 := eval(t, reg, q, "$msec")
	now = now.Add(250 * time.Millisecond)
	if m2 := eval(t, reg, q, "$msec"); m2 == m1 {
		t.Errorf("$msec is volatile, got %q twice", m2)
	}
	if got := eval(t, reg, q, "$request_time"); got != "0.250" {
		t.Errorf("$request_time = %q", got)
	}
	q.Reset()
	if id2 := eval(t, reg, q, "$request_id"); id2 == id1 {
		t.Errorf("$request_id survived Reset")
	}
	// $uri is volatile: a rewrite that changes URI shows at once.
	q.URI = []byte("/one")
	_ = eval(t, reg, q, "$uri")
	q.URI = []byte("/two")
	if got := eval(t, reg, q, "$uri"); got != "/two" {
		t.Errorf("$uri = %q", got)
	}
}

func TestSetVar(t *testing.T) {
	reg := testRegistry(t)
	idx, err := reg.DeclareSet("myvar")
	if err != nil {
		t.Fatal(err)
	}
	if again, err := reg.DeclareSet("MyVar"); err != nil || again != idx {
		t.Fatalf("redeclare: %v %v", again, err)
	}
	tpl := reg.MustCompile("[$myvar]")
	q := newTestRequest(t, reg, clientRequest("GET", "/?a=1"))
	if got := tpl.String(q); got != "[]" {
		t.Errorf("unset set variable = %q, want empty", got)
	}
	buf := []byte("value")
	q.SetVar(idx, buf)
	buf[0] = 'X' // SetVar must copy
	if got := tpl.String(q); got != "[value]" {
		t.Errorf("after SetVar: %q", got)
	}
	args, _ := reg.Lookup("args")
	q.SetVar(args, []byte("b=2"))
	if got := eval(t, reg, q, "$args|$arg_b|$arg_a|$is_args"); got != "b=2|2||?" {
		t.Errorf("after set $args: %q", got)
	}
	q.SetVar(args, nil)
	if got := eval(t, reg, q, "[$is_args]"); got != "[]" {
		t.Errorf("$is_args with empty args: %q", got)
	}
	lr, _ := reg.Lookup("limit_rate")
	q.SetVar(lr, []byte("10k"))
	if q.LimitRate != 10240 {
		t.Errorf("limit_rate = %d", q.LimitRate)
	}
	q.Reset()
	if got := tpl.String(q); got != "[]" {
		t.Errorf("set value survived Reset: %q", got)
	}
}

func TestDeclareSetErrors(t *testing.T) {
	reg := testRegistry(t)
	for _, name := range []string{"host", "URI", "http_foo", "remote_addr"} {
		_, err := reg.DeclareSetAt(name, nginxconf.Pos{File: "s.conf", Line: 2})
		var d nginxconf.Diagnostic
		if !errors.As(err, &d) || d.Message != `the duplicate "`+name+`" variable` || d.Pos.Line != 2 {
			t.Errorf("DeclareSet(%q) = %v", name, err)
		}
	}
	for _, name := range []string{"args", "limit_rate", "fresh"} {
		if _, err := reg.DeclareSet(name); err != nil {
			t.Errorf("DeclareSet(%q): %v", name, err)
		}
	}
	if _, err := reg.DeclareSet(""); err == nil {
		t.Error(`DeclareSet("") must fail`)
	}
}

func TestIPv6AndRealpath(t *testing.T) {
	reg := testRegistry(t)
	q := newTestRequest(t, reg, clientRequest("GET", "/"))
	q.RemoteAddr = netip.MustParseAddrPort("[2001:db8::1%eth0]:4000")
	q.LocalAddr = netip.MustParseAddrPort("[::1]:443")
	dir := t.TempDir()
	if err := os.Symlink(dir, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	q.DocumentRoot = filepath.Join(dir, "link")
	want := "2001:db8::1|4000|::1|443|" + dir
	if got := eval(t, reg, q, "$remote_addr|$remote_port|$server_addr|$server_port|$realpath_root"); got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if got := eval(t, reg, q, "$binary_remote_addr"); len(got) != 16 {
		t.Errorf("binary v6 length %d", len(got))
	}
}
