package vars

import (
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
)

// renderLike renders variable name the way the access log does: its value,
// or "-" when it is not found.
func renderLike(t *testing.T, reg *Registry, q *Request, name string) string {
	t.Helper()
	i, ok := reg.Lookup(name)
	if !ok {
		t.Fatalf("$%s is not defined", name)
	}
	v, found := q.AppendVar(i, nil)
	if !found {
		return "-"
	}
	return string(v)
}

func header(fields ...string) *http1.Header {
	var h http1.Header
	for i := 0; i+1 < len(fields); i += 2 {
		h.Add([]byte(fields[i]), []byte(fields[i+1]))
	}
	return &h
}

// TestFoundDistinction checks found-but-empty ("") against not found ("-")
// for the variables where nginx makes the difference (checked against
// nginx 1.22 by TestDifferentialNginxFound).
func TestFoundDistinction(t *testing.T) {
	tests := []struct {
		name   string
		target string
		hdrs   []string
		setup  func(q *Request)
		want   map[string]string
	}{
		{
			name: "no query", target: "/p",
			want: map[string]string{"args": "-", "query_string": "-", "is_args": "", "arg_a": "-"},
		},
		{
			name: "empty query is no query", target: "/p?",
			want: map[string]string{"args": "-", "query_string": "-", "is_args": ""},
		},
		{
			name: "query", target: "/p?a=&b=1",
			want: map[string]string{"args": "a=&b=1", "query_string": "a=&b=1", "is_args": "?", "arg_a": "", "arg_c": "-"},
		},
		{
			name: "set $args to empty stays found", target: "/p",
			setup: func(q *Request) {
				i, _ := q.Registry().Lookup("args")
				q.SetVar(i, nil)
			},
			want: map[string]string{"args": "", "is_args": ""},
		},
		{
			name: "headers and cookies", target: "/", hdrs: []string{"X-Empty:", "Cookie: a=; b=2"},
			want: map[string]string{
				"http_x_empty": "", "http_x_missing": "-", "cookie_a": "", "cookie_c": "-",
				"http_cookie": "a=; b=2", "content_type": "-", "content_length": "-", "remote_user": "-",
			},
		},
		{
			name: "not proxied", target: "/",
			want: map[string]string{
				"proxy_host": "-", "proxy_port": "-", "upstream_addr": "-", "upstream_status": "-",
				"upstream_response_length": "-", "upstream_http_server": "-", "upstream_cookie_a": "-",
			},
		},
		{
			name: "proxied", target: "/",
			setup: func(q *Request) {
				q.ProxyHost, q.ProxyPort = "backend", "80"
				q.Upstream = []UpstreamAttempt{
					{Addr: "10.0.0.1:80", Status: 502, ConnectTime: -1, HeaderTime: -1, ResponseTime: 3 * time.Millisecond},
					{Addr: "10.0.0.2:80", Status: 200, ResponseLength: 1234, ResponseHeader: header("Server", "apache", "Set-Cookie", "a=1; Path=/")},
				}
			},
			want: map[string]string{
				"proxy_host": "backend", "proxy_port": "80", "upstream_addr": "10.0.0.1:80, 10.0.0.2:80",
				"upstream_status": "502, 200", "upstream_response_length": "0, 1234",
				"upstream_connect_time": "-, 0.000", "upstream_http_server": "apache",
				"upstream_http_x_none": "-", "upstream_cookie_a": "1",
			},
		},
		{
			name: "nothing sent yet", target: "/",
			want: map[string]string{
				"sent_http_content_type": "-", "sent_http_transfer_encoding": "-",
				"sent_http_connection": "close", "request_completion": "",
			},
		},
		{
			name: "sent headers", target: "/",
			setup: func(q *Request) {
				q.Response = Response{Status: 200, Complete: true, KeepAlive: true, Header: header(
					"Content-Type", "text/html", "Transfer-Encoding", "chunked", "Keep-Alive", "timeout=5",
					"Last-Modified", "Sat, 21 Nov 2026 05:00:00 GMT", "Set-Cookie", "sid=xyz; HttpOnly",
				)}
			},
			want: map[string]string{
				"sent_http_content_type": "text/html", "sent_http_transfer_encoding": "chunked",
				"sent_http_keep_alive": "timeout=5", "sent_http_last_modified": "Sat, 21 Nov 2026 05:00:00 GMT",
				"sent_http_content_length": "-", "sent_http_connection": "keep-alive",
				"request_completion": "OK", "sent_cookie_sid": "xyz", "sent_cookie_x": "-",
			},
		},
		{
			name: "sent Connection field wins", target: "/",
			setup: func(q *Request) {
				q.Response = Response{Status: 200, KeepAlive: true, Header: header("Connection", "close", "Content-Length", "7")}
			},
			want: map[string]string{"sent_http_connection": "close", "sent_http_content_length": "7"},
		},
		{
			name: "upgrade", target: "/",
			setup: func(q *Request) { q.Response = Response{Status: 101} },
			want:  map[string]string{"sent_http_connection": "upgrade"},
		},
		{
			name: "plain connection", target: "/",
			want: map[string]string{
				"https": "", "ssl_server_name": "-", "ssl_protocol": "-", "http2": "", "http3": "",
				"realip_remote_addr": "192.0.2.7", "realip_remote_port": "51234", "request_body": "-",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := testRegistry(t)
			for name := range tc.want {
				reg.Lookup(name) // index prefixed names before NewRequest
			}
			q := newTestRequest(t, reg, clientRequest("GET", tc.target, append([]string{"Host: h.test"}, tc.hdrs...)...))
			if tc.setup != nil {
				tc.setup(q)
			}
			for name, want := range tc.want {
				if got := renderLike(t, reg, q, name); got != want {
					t.Errorf("$%s = %q, want %q", name, got, want)
				}
			}
		})
	}
}

// A "set" variable read before any set ran is found and empty (nginx's
// ngx_http_rewrite_var); a named capture before its match is not found; a
// map target without a matching key or default is found and empty.
func TestDeclaredVariablesFound(t *testing.T) {
	reg := testRegistry(t)
	if diags := reg.LoadMaps(parseHTTP(t, "map $http_x $m { a b; }")); len(diags) > 0 {
		t.Fatal(diags)
	}
	setIdx, err := reg.DeclareSet("s")
	if err != nil {
		t.Fatal(err)
	}
	if _, diags := reg.CompileRegex(`^/(?<cap>\w+)`, false, nginxconf.Pos{}); len(diags) > 0 {
		t.Fatal(diags)
	}
	// set on a map target keeps the map.
	if _, err := reg.DeclareSet("m"); err != nil {
		t.Fatal(err)
	}
	// A name both set and captured is not found until a match, in either
	// declaration order (ngx_http_regex_compile installs its getter last).
	if _, err := reg.DeclareSet("both1"); err != nil {
		t.Fatal(err)
	}
	if _, diags := reg.CompileRegex(`^/(?<both1>\w+)/(?<both2>\w+)`, false, nginxconf.Pos{}); len(diags) > 0 {
		t.Fatal(diags)
	}
	if _, err := reg.DeclareSet("both2"); err != nil {
		t.Fatal(err)
	}
	q := newTestRequest(t, reg, clientRequest("GET", "/x"))
	for name, want := range map[string]string{"s": "", "cap": "-", "m": "", "both1": "-", "both2": "-"} {
		if got := renderLike(t, reg, q, name); got != want {
			t.Errorf("$%s = %q, want %q", name, got, want)
		}
	}
	q.SetVar(setIdx, []byte("v"))
	if got := renderLike(t, reg, q, "s"); got != "v" {
		t.Errorf("after set: $s = %q", got)
	}
}

func TestConnectionTime(t *testing.T) {
	reg := testRegistry(t)
	q := newTestRequest(t, reg, clientRequest("GET", "/"))
	if got := eval(t, reg, q, "$connection_time"); got != "0.000" {
		t.Errorf("without ConnStart: %q", got)
	}
	q.ConnStart = fixedNow.Add(-61234 * time.Millisecond)
	if got := eval(t, reg, q, "$connection_time"); got != "61.234" {
		t.Errorf("$connection_time = %q, want 61.234", got)
	}
	q.ConnStart = fixedNow.Add(time.Second) // clock went back
	if got := eval(t, reg, q, "$connection_time"); got != "0.000" {
		t.Errorf("negative: %q", got)
	}
}

// TestTengineVariables pins tengine's formats with a fixed clock.
func TestTengineVariables(t *testing.T) {
	now := time.Date(2026, 1, 2, 0, 4, 5, 678_901_000, time.FixedZone("CET", 3600))
	reg := NewRegistry(RegistryOptions{Hostname: "web1", PID: 1, Now: func() time.Time { return now }})
	c := clientRequest("GET", "/a%2fb%4a?q=%c3%a9%zz#frag", "Host: Example.COM:8080")
	q := newTestRequest(t, reg, c)
	q.Start = now.Add(-1234567 * time.Microsecond)
	q.Response = Response{BytesSent: 500, HeaderBytes: 120}
	for _, tc := range []struct{ v, want string }{
		{"dollar", "$"},
		{"unix_time", "1767308645"},
		{"sec", "1767308645"},
		{"year", "2026"},
		{"year2", "26"},
		{"month", "01"},
		{"day", "02"},
		{"hour", "00"},
		{"hour12", "12"},
		{"minute", "04"},
		{"second", "05"},
		{"time_http", "Thu, 01 Jan 2026 23:04:05 GMT"},
		{"host_comment", "<!-- web1 Thu, 01 Jan 2026 23:04:05 GMT -->\r\n"},
		{"request_time_msec", "1234"},
		{"request_time_usec", "1234567"},
		{"apache_bytes_sent", "380"},
		{"full_request", "http://example.com:8080/a%2fb%4a?q=%c3%a9%zz#frag"},
		{"normalized_request", "http://example.com:8080/a%2Fb%4A?q=%C3%A9%zz"},
		{"ascii_65", "A"},
		{"ascii_0x7e", "~"},
		{"ascii_256", "-"},
		{"ascii_x", "-"},
		{"raw_uri", "-"},
	} {
		if got := renderLike(t, reg, q, tc.v); got != tc.want {
			t.Errorf("$%s = %q, want %q", tc.v, got, tc.want)
		}
	}
	for _, stub := range []string{"raw_uri", "request_body", "ssl_protocol", "upstream_trailer_x"} {
		i, _ := reg.Lookup(stub)
		if !reg.IsStub(i) {
			t.Errorf("$%s is not reported as a stub", stub)
		}
	}
	for _, real := range []string{"dollar", "year", "sent_cookie_a", "request_time_usec", "connection_time", "upstream_response_length", "sent_http_transfer_encoding", "md5_encode_uri", "base64_decode_x", "escape_uri_args"} {
		i, _ := reg.Lookup(real)
		if reg.IsStub(i) {
			t.Errorf("$%s is reported as a stub", real)
		}
	}
}

func TestUpperEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"":         "",
		"%":        "%",
		"%a":       "%a",
		"%ab":      "%AB",
		"%%ab":     "%%AB",
		"%g%1f":    "%g%1F",
		"%1%2f":    "%1%2F",
		"/x%e9%Fa": "/x%E9%FA",
	} {
		b := []byte(in)
		upperEscapes(b)
		if string(b) != want {
			t.Errorf("upperEscapes(%q) = %q, want %q", in, b, want)
		}
	}
}

// nginx configurations may use tengine's names for their own variables:
// set and map replace tengine's weak built-ins instead of failing.
func TestTengineNamesReplaceable(t *testing.T) {
	reg := testRegistry(t)
	if diags := reg.LoadMaps(parseHTTP(t, "map $http_x $year { default y; }")); len(diags) > 0 {
		t.Fatal(diags)
	}
	sec, err := reg.DeclareSet("second")
	if err != nil {
		t.Fatalf("set $second: %v", err)
	}
	if _, err := reg.DeclareSet("host"); err == nil {
		t.Error("set $host was accepted")
	}
	q := newTestRequest(t, reg, clientRequest("GET", "/"))
	if got := eval(t, reg, q, "[$year|$second]"); got != "[y|]" {
		t.Errorf("before set: %q", got)
	}
	q.SetVar(sec, []byte("5"))
	if got := eval(t, reg, q, "$second"); got != "5" {
		t.Errorf("after set: %q", got)
	}
}

// FuzzUpperEscapes checks $normalized_request's escape rewriting on
// arbitrary request URIs: only hex digits after a "%" change, to upper
// case, and a second pass changes nothing.
func FuzzUpperEscapes(f *testing.F) {
	for _, s := range []string{"", "%", "%%ab", "/a%2fb?q=%c3%a9", "%g%1f", "%%%"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := append([]byte(nil), in...)
		upperEscapes(out)
		if len(out) != len(in) {
			t.Fatalf("length changed: %q -> %q", in, out)
		}
		for i := range in {
			if out[i] != in[i] && (out[i] != upperASCII(in[i]) || i == 0 || !isHex(in[i])) {
				t.Fatalf("byte %d changed unexpectedly: %q -> %q", i, in, out)
			}
		}
		again := append([]byte(nil), out...)
		upperEscapes(again)
		if string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

// TestTengineTransforms covers $base64_decode_, $md5_encode_ and
// $escape_uri_, including a name declared by "set" after its use and a
// transform nested in a map source.
func TestTengineTransforms(t *testing.T) {
	reg := NewRegistry(RegistryOptions{Hostname: "h", PID: 1, Now: func() time.Time { return fixedNow }, DeferUnknown: true})
	tpl, err := reg.Compile("[$md5_encode_later]", nginxconf.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	later, err := reg.DeclareSet("later")
	if err != nil {
		t.Fatal(err)
	}
	if diags := reg.LoadMaps(parseHTTP(t, "map $escape_uri_http_x $m { default d; ~^a%20b$ escaped; }")); len(diags) > 0 {
		t.Fatal(diags)
	}
	c := clientRequest("GET", "/", "X: a b", "Token: aGVsbG8=", "Bad: !!!!", "Short: aGk")
	q := newTestRequest(t, reg, c)
	for _, tc := range []struct{ v, want string }{
		{"base64_decode_http_token", "hello"},
		{"base64_decode_http_short", "hi"},
		{"base64_decode_http_bad", "!!!!"},
		{"base64_decode_http_missing", "-"},
		{"md5_encode_http_x", "0cc9cd4dd26c5137b675a0d819cb9ab0"},
		{"md5_encode_nonexistent", "-"},
		{"escape_uri_http_x", "a%20b"},
		{"escape_uri_request_uri", "/"},
		{"m", "escaped"},
	} {
		if got := renderLike(t, reg, q, tc.v); got != tc.want {
			t.Errorf("$%s = %q, want %q", tc.v, got, tc.want)
		}
	}
	if got := string(tpl.Eval(q, nil)); got != "[d41d8cd98f00b204e9800998ecf8427e]" {
		t.Errorf("md5 of an unset variable: %q", got)
	}
	q.SetVar(later, []byte("abc"))
	if got := string(tpl.Eval(q, nil)); got != "[900150983cd24fb0d6963f7d28e17f72]" {
		t.Errorf("md5 of abc: %q", got)
	}
}

// TestURIAllocs asserts what BenchmarkURI measures: evaluating $uri (and
// through AppendVar, as the access log does) allocates nothing.
func TestURIAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	reg := testRegistry(t)
	tpl := reg.MustCompile("$uri$document_uri")
	uri, _ := reg.Lookup("uri")
	q := newTestRequest(t, reg, clientRequest("GET", "/a/./b/%41/../c?x=1"))
	dst := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() {
		dst = tpl.Eval(q, dst[:0])
		dst, _ = q.AppendVar(uri, dst[:0])
	}); n != 0 {
		t.Errorf("$uri: %v allocations per evaluation, want 0", n)
	}
	if string(dst) != "/a/b/c" {
		t.Errorf("$uri = %q", dst)
	}
}
