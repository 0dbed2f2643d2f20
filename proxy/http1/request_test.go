package http1

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// requestCases is shared by the unit test and the differential test against nginx:
// raw request bytes and the status nginx answers (200 = accepted by the parser).
var requestCases = []struct {
	name   string
	raw    string
	status int
	msg    string // expected log message for errors (prefix)
	// nginx122 is set when Debian's nginx 1.22 answers differently from the current
	// nginx rules we follow; the differential test then expects this status instead.
	// -1: nginx answers HTTP/0.9 style (no status line), we answer 400.
	nginx122 int
}{
	{"simple", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"bare LF", "GET / HTTP/1.1\nHost: a\n\n", 200, "", 0},
	{"leading empty lines", "\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"http/1.0 without host", "GET / HTTP/1.0\r\n\r\n", 200, "", 0},
	{"http/1.1 without host", "GET / HTTP/1.1\r\n\r\n", 400, msgNoHost, 0},
	{"unknown method", "FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"lower-case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidMethod, 0},
	{"digit in method", "G3T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidMethod, 0},
	{"two spaces before uri", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"spaces after version", "GET / HTTP/1.1  \r\nHost: a\r\n\r\n", 200, "", 0},
	{"http/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, msgInvalidVersion, 0},
	{"http/10.0", "GET / HTTP/10.0\r\nHost: a\r\n\r\n", 505, msgInvalidVersion, 0},
	{"http/0.9 version", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"http/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", 200, "", 0},
	{"lower-case http", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"version without minor", "GET / HTTP/1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"minor too long", "GET / HTTP/1.1000\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"garbage after version", "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"control char in uri", "GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"tab in uri", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"space in uri", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"CR inside request line", "GET /a\rb HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"utf8 in uri", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"uri not starting with slash", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"star", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"absolute uri", "GET http://Example.COM:80/p?q HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"absolute uri without path", "GET http://example.com HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"absolute uri bad host", "GET http://a..b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidHostLine, 0},
	{"absolute uri underscore host", "GET http://a_b/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"absolute uri ipv6", "GET http://[::1]:80/ HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"http/0.9", "GET /\r\n\r\n", 400, msgHTTP09, -1},
	{"http/0.9 post", "POST /\r\n\r\n", 400, msgInvalid09Method, -1},
	{"dot-dot inside root", "GET /a/../b HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"dot-dot above root", "GET /../a HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"encoded dot-dot above root", "GET /%2e%2e/a HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"bad escape", "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"escaped NUL", "GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", 400, msgInvalidRequest, 0},
	{"bad escape in query", "GET /a?%zz HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"complex uri", "GET /a/./b//c/%2e%2e/d%20e?x=1#y HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"fragment before query", "GET /a#b?c HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"encoded question mark", "GET /a%3Fb?c=d HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"absolute uri with query only", "GET http://h?x=1 HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"trailing dot segment", "GET /a/b/.. HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"TRACE", "TRACE / HTTP/1.1\r\nHost: a\r\n\r\n", 405, msgTrace, 0},
	{"CONNECT", "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n", 405, msgConnect, 400},

	{"header without colon", "GET / HTTP/1.1\r\nHost: a\r\nFoo\r\n\r\n", 200, "", 0},
	{"header empty value", "GET / HTTP/1.1\r\nHost: a\r\nFoo:\r\n\r\n", 200, "", 0},
	{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n y\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"obs-fold tab", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\ty\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"space in header name", "GET / HTTP/1.1\r\nHost: a\r\nFoo Bar: 1\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"space before colon", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"colon first", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"NUL in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"CR in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"CR CR LF", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\r\n\r\n", 200, "", 0},
	{"bad end of head", "GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400, msgInvalidHeaderLine, 0},
	{"underscore header dropped", "GET / HTTP/1.1\r\nHost: a\r\nContent_Length: 5\r\n\r\n", 200, "", 0},
	{"dot header dropped", "GET / HTTP/1.1\r\nHost: a\r\nX.Y: 5\r\n\r\n", 200, "", 0},
	{"duplicate host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, msgDuplicateHost, 0},
	{"invalid host", "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n", 400, msgInvalidHost, 0},
	{"host with slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, msgInvalidHost, 0},
	{"empty host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, msgInvalidHost, 0},
	{"duplicate authorization", "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n", 400, msgDuplicateHeader, 0},
	{"duplicate if-none-match", "GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: a\r\nIf-None-Match: b\r\n\r\n", 400, msgDuplicateHeader, 0},
	{"duplicate expect", "GET / HTTP/1.1\r\nHost: a\r\nExpect: a\r\nExpect: b\r\n\r\n", 400, msgDuplicateHeader, 0},

	{"content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 200, "", 0},
	{"content-length zero", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 200, "", 0},
	{"two content-lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400, msgDuplicateHeader, 0},
	{"two equal content-lengths", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, msgDuplicateHeader, 0},
	{"negative content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400, msgInvalidCL, 0},
	{"plus content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", 400, msgInvalidCL, 0},
	{"hex content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x1\r\n\r\nx", 400, msgInvalidCL, 0},
	{"list content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 1\r\n\r\nx", 400, msgInvalidCL, 0},
	{"empty content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", 400, msgInvalidCL, 0},
	{"overflow content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400, msgInvalidCL, 0},
	{"chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 200, "", 0},
	{"chunked upper case", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n", 200, "", 0},
	{"CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, msgCLAndTE, 0},
	{"TE and CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400, msgCLAndTE, 0},
	{"TE gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501, msgUnknownTE, 0},
	{"TE gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, msgUnknownTE, 0},
	{"TE chunked, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 501, msgUnknownTE, 0},
	{"TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501, msgUnknownTE, 0},
	{"two TE headers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, msgDuplicateHeader, 0},
	{"TE with HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, msgTEOn10, 0},
	{"TE with tab", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\n\r\n0\r\n\r\n", 200, "", 501},
	{"TE with underscore dropped", "POST / HTTP/1.1\r\nHost: a\r\nTransfer_Encoding: chunked\r\n\r\n", 200, "", 0},
	{"TE with high byte name dropped", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\xff: chunked\r\n\r\n", 200, "", 0},
	{"NUL in header name", "GET / HTTP/1.1\r\nHost: a\r\nX\x00Y: 1\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"DEL in header name", "GET / HTTP/1.1\r\nHost: a\r\nX\x7fY: 1\r\n\r\n", 400, msgInvalidHeaderLine, 0},
	{"control char in value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n", 200, "", 0},
	{"request line of 8192 bytes", "GET /" + strings.Repeat("a", 8192-16) + " HTTP/1.1\r\nHost: a\r\n\r\n", 200, "", 0},
	{"request line of 8193 bytes", "GET /" + strings.Repeat("a", 8193-16) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, msgTooLongURI, 0},
	{"header line of 8192 bytes", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 8192-5) + "\r\n\r\n", 200, "", 0},
	{"header line of 8193 bytes", "GET / HTTP/1.1\r\nHost: a\r\nX: " + strings.Repeat("a", 8193-5) + "\r\n\r\n", 494, msgTooLongHeader, 0},
	{"four large headers", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: "+strings.Repeat("a", 7995)+"\r\n", 4) + "\r\n", 200, "", 0},
	{"five large headers", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: "+strings.Repeat("a", 7995)+"\r\n", 5) + "\r\n", 494, msgTooLongHeader, 0},
	{"eight 4000-byte headers pack two per buffer", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: "+strings.Repeat("a", 3995)+"\r\n", 8) + "\r\n", 200, "", 0},
	{"five 4100-byte headers need five buffers", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: "+strings.Repeat("a", 4095)+"\r\n", 5) + "\r\n", 494, msgTooLongHeader, 0},
	{"TE vertical tab", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n", 501, msgUnknownTE, 0},
}

func TestReadRequestTable(t *testing.T) {
	for _, tc := range requestCases {
		t.Run(tc.name, func(t *testing.T) {
			rd := NewReader(strings.NewReader(tc.raw), Options{})
			var req Request
			err := rd.ReadRequest(&req)
			got := 200
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("ReadRequest: %v, want an *Error", err)
				}
				got = e.Status
				if tc.msg != "" && e.Msg != tc.msg {
					t.Errorf("message %q, want %q", e.Msg, tc.msg)
				}
			}
			if got != tc.status {
				t.Fatalf("status %d (err %v), want %d", got, err, tc.status)
			}
		})
	}
}

func TestReadRequestFields(t *testing.T) {
	raw := "GET http://Example.COM:8080/a//b?x=1#frag HTTP/1.1\r\n" +
		"Host: h.example\r\nX-Dup: 1\r\nx-dup:  2  \r\nConnection: close\r\nUpgrade: websocket\r\n\r\nrest"
	rd := NewReader(strings.NewReader(raw), Options{})
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"Method", string(req.Method), "GET"},
		{"Target", string(req.Target), "/a//b?x=1#frag"},
		{"Path", string(req.Path), "/a//b"},
		{"Query", string(req.Query), "x=1"},
		{"URI", string(req.URI), "/a/b"},
		{"Host", string(req.Host), "example.com"},
		{"Scheme", string(req.Scheme), "http"},
		{"Proto", string(req.Proto), "HTTP/1.1"},
		{"RequestLine", string(req.RequestLine), "GET http://Example.COM:8080/a//b?x=1#frag HTTP/1.1"},
		{"HostHeader", string(req.HostHeader), "h.example"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if !req.NeedsNormalization || req.KeepAlive || req.Upgrade {
		t.Errorf("flags: normalize=%v keepalive=%v upgrade=%v", req.NeedsNormalization, req.KeepAlive, req.Upgrade)
	}
	vals := req.Header.Values("X-DUP", nil)
	if len(vals) != 2 || string(vals[0]) != "1" || string(vals[1]) != "2" {
		t.Errorf("Values(X-DUP) = %q", vals)
	}
	if req.HeadLength != len(raw)-len("rest") {
		t.Errorf("HeadLength = %d, want %d", req.HeadLength, len(raw)-4)
	}
	if rd.Buffered() != 4 {
		t.Errorf("Buffered = %d, want 4", rd.Buffered())
	}
}

func TestKeepAliveDecision(t *testing.T) {
	cases := []struct {
		raw  string
		want bool
	}{
		{"GET / HTTP/1.1\r\nHost: a\r\n\r\n", true},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false},
		{"GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n", false},
		{"GET / HTTP/1.0\r\n\r\n", false},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true},
		{"GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false},
	}
	for _, c := range cases {
		var req Request
		if err := NewReader(strings.NewReader(c.raw), Options{}).ReadRequest(&req); err != nil {
			t.Fatalf("%q: %v", c.raw, err)
		}
		if req.KeepAlive != c.want {
			t.Errorf("%q: KeepAlive = %v, want %v", c.raw, req.KeepAlive, c.want)
		}
	}
}

func TestOptionsSwitches(t *testing.T) {
	raw := "GET / HTTP/1.1\r\nHost: a\r\nX_Y: 1\r\nA.B: 2\r\n\r\n"
	for _, c := range []struct {
		opt  Options
		want int
	}{
		{Options{}, 0},
		{Options{UnderscoresInHeaders: true}, 1},
		{Options{KeepInvalidHeaders: true}, 2},
	} {
		var req Request
		if err := NewReader(strings.NewReader(raw), c.opt).ReadRequest(&req); err != nil {
			t.Fatal(err)
		}
		if got := req.Header.Len() - 1; got != c.want {
			t.Errorf("%+v: %d extra headers kept, want %d", c.opt, got, c.want)
		}
	}
}

// TestHeaderLimits checks nginx's buffer arithmetic with small buffers:
// client_header_buffer_size 64, large_client_header_buffers 2 128.
func TestHeaderLimits(t *testing.T) {
	opt := Options{HeaderBufferSize: 64, LargeHeaderBuffers: 2, LargeHeaderBufferSize: 128}
	line := func(n int) string { // a header line of exactly n bytes with CRLF
		return "X: " + strings.Repeat("a", n-5) + "\r\n"
	}
	uri := func(n int) string { // a request line of exactly n bytes with CRLF
		return "GET /" + strings.Repeat("a", n-16) + " HTTP/1.1\r\n"
	}
	cases := []struct {
		name string
		raw  string
		want int
	}{
		{"request line fits large buffer", uri(128) + "Host: a\r\n\r\n", 200},
		{"request line too long", uri(129) + "Host: a\r\n\r\n", 414},
		{"request line too long with bad byte", "GET /\x01" + strings.Repeat("a", 200) + " HTTP/1.1\r\n\r\n", 400},
		{"header line fits", "GET / HTTP/1.0\r\n" + line(128) + "\r\n", 200},
		{"header line too long", "GET / HTTP/1.0\r\n" + line(129) + "\r\n", 494},
		{"too many buffers", "GET / HTTP/1.0\r\n" + line(100) + line(100) + line(100) + "\r\n", 494},
		{"two buffers enough", "GET / HTTP/1.0\r\n" + line(100) + line(100) + "\r\n", 200},
		{"unterminated long line", "GET / HTTP/1.0\r\n" + strings.Repeat("a", 300), 494},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var req Request
			err := NewReader(strings.NewReader(c.raw), opt).ReadRequest(&req)
			got := 200
			if err != nil {
				got = StatusOf(err)
			}
			if got != c.want {
				t.Fatalf("status %d (%v), want %d", got, err, c.want)
			}
		})
	}
}

func TestPipelinedRequests(t *testing.T) {
	raw := "POST /1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello" +
		"POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: v\r\n\r\n" +
		"GET /3 HTTP/1.1\r\nHost: a\r\n\r\n"
	rd := NewReader(&oneByteReader{s: raw}, Options{})
	var req Request
	var body BodyReader
	want := []struct{ path, body string }{{"/1", "hello"}, {"/2", "abcde"}, {"/3", ""}}
	for _, w := range want {
		if err := rd.ReadRequest(&req); err != nil {
			t.Fatalf("%s: %v", w.path, err)
		}
		path := string(req.Path)
		body.ResetForRequest(rd, &req)
		b, err := io.ReadAll(&body)
		if err != nil {
			t.Fatalf("%s body: %v", w.path, err)
		}
		if path != w.path || string(b) != w.body {
			t.Errorf("got %s %q, want %s %q", path, b, w.path, w.body)
		}
		// The head stays valid while the body is read.
		if string(req.Path) != w.path {
			t.Errorf("head slice changed while reading the body: %q", req.Path)
		}
	}
	if v, _ := body.Trailer.Get("t"); v != nil {
		t.Errorf("trailer of last (bodyless) request should be empty")
	}
	if err := rd.ReadRequest(&req); err != ErrClosedBeforeRequest {
		t.Errorf("after last request: %v, want ErrClosedBeforeRequest", err)
	}
}

func TestPrematureClose(t *testing.T) {
	var req Request
	err := NewReader(strings.NewReader("GET / HTTP/1.1\r\nHost: a\r\n"), Options{}).ReadRequest(&req)
	if err != ErrClientClosedHead || StatusOf(err) != 400 {
		t.Errorf("truncated head: %v, want ErrClientClosedHead", err)
	}
	err = NewReader(strings.NewReader(""), Options{}).ReadRequest(&req)
	if err != ErrClosedBeforeRequest {
		t.Errorf("empty connection: %v", err)
	}
}

// oneByteReader returns one byte per Read: every parser state sees a split.
type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}
