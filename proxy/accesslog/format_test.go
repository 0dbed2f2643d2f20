package accesslog

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/accesslog")

func TestEscapeDefault(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text", "plain text"},
		{`say "hi"`, `say \x22hi\x22`},
		{`back\slash`, `back\x5Cslash`},
		{"tab\there", `tab\x09here`},
		{"nl\r\n", `nl\x0D\x0A`},
		{"del\x7f", `del\x7F`},
		{"utf8 é", `utf8 \xC3\xA9`},
		{"'single' {} []", "'single' {} []"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := string(appendDefaultEscaped(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEscapeJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{`q"b\`, `q\"b\\`},
		{"\n\r\t\b\f", `\n\r\t\b\f`},
		{"\x01\x1f", `\u0001\u001F`},
		{"utf8 é \x7f", "utf8 é \x7f"},
	}
	for _, tt := range tests {
		if got := string(appendJSONEscaped(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("%q: got %q, want %q", tt.in, got, tt.want)
		}
	}
}

// testRequest is a request as the proxy would have seen and answered it.
type testRequest struct {
	raw        string // request head as sent
	status     int
	headerSize int64
	bodySize   int64
}

var testRequests = []testRequest{
	{"GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.0\r\n\r\n", 200, 150, 612},
	{"GET /search?q=a%20b&x=1 HTTP/1.1\r\nHost: example.com\r\nReferer: http://ref/\r\nUser-Agent: Mozilla/5.0 \"quoted\" \\ é\r\n\r\n", 404, 140, 153},
	{"POST /api HTTP/1.0\r\nHost: h\r\nAuthorization: Basic dXNlcjpwYXNz\r\nContent-Length: 0\r\n\r\n", 201, 100, 0},
	{"HEAD /x HTTP/1.1\r\nHost: h\r\nX-Test: \r\n\r\n", 304, 120, 0},
	{"GET /t HTTP/1.1\r\nHost: h\r\nX-Test: {\"a\":1}\r\n\r\n", 0, 0, 0},
}

// newTestRequest parses raw with the real HTTP/1 parser and fills the facts
// the proxy would.
func newTestRequest(t testing.TB, reg *vars.Registry, tr testRequest, start time.Time) *vars.Request {
	t.Helper()
	var c http1.Request
	rd := http1.NewReader(bufio.NewReader(strings.NewReader(tr.raw)), http1.Options{})
	if err := rd.ReadRequest(&c); err != nil {
		t.Fatalf("parse %q: %v", tr.raw, err)
	}
	req := reg.NewRequest()
	if err := req.SetClient(&c); err != nil {
		t.Fatalf("SetClient: %v", err)
	}
	req.RemoteAddr = netip.MustParseAddrPort("192.0.2.7:51000")
	req.LocalAddr = netip.MustParseAddrPort("127.0.0.1:80")
	req.Start = start
	req.RequestLength = int64(len(tr.raw))
	req.Response.Status = tr.status
	req.Response.HeaderBytes = tr.headerSize
	req.Response.BytesSent = tr.headerSize + tr.bodySize
	return req
}

// goldenFormats are compiled and rendered for every test request.
var goldenFormats = []struct {
	name   string
	escape Escape
	parts  []string
}{
	{"combined", EscapeDefault, []string{CombinedFormat}},
	{"main", EscapeDefault, []string{`$remote_addr - $remote_user [$time_local] "$request" `, `$status $body_bytes_sent "$http_referer" `, `"$http_user_agent" "$http_x_forwarded_for"`}},
	{"timing", EscapeDefault, []string{`$msec $request_time $time_iso8601 $bytes_sent $request_length $pipe ${status}x`}},
	{"vars", EscapeDefault, []string{`args=$args uri=$uri host=$host test=$http_x_test method=$request_method`}},
	{"json", EscapeJSON, []string{`{"ua":"$http_user_agent","ref":"$http_referer","user":"$remote_user","test":"$http_x_test","status":$status}`}},
	{"none", EscapeNone, []string{`$http_user_agent|$http_referer|$remote_user`}},
}

func TestFormatGolden(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	loc := time.FixedZone("", 2*3600)
	start := time.Date(2024, 3, 1, 12, 0, 0, 0, loc)
	now := start.Add(1234 * time.Millisecond)
	var out bytes.Buffer
	for _, gf := range goldenFormats {
		f, err := CompileFormat(gf.name, gf.escape, gf.parts, reg, nginxconf.Pos{})
		if err != nil {
			t.Fatalf("%s: %v", gf.name, err)
		}
		fmt.Fprintf(&out, "## %s escape=%s\n", gf.name, gf.escape)
		for _, tr := range testRequests {
			req := newTestRequest(t, reg, tr, start)
			out.Write(f.Append(nil, req, now))
			out.WriteByte('\n')
		}
	}
	checkGolden(t, "formats.golden", out.Bytes())
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "..", "testdata", "accesslog", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output; run go test -update and review the diff\ngot:\n%s", path, got)
	}
}

func TestCompileFormatErrors(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	tests := []struct{ in, want string }{
		{"$", `invalid parameter "$"`},
		{"x ${", `invalid parameter "${"`},
		{"${foo", `the closing bracket in "foo" variable is missing`},
		{"$-", `invalid parameter "$-"`},
		{"$no_such_variable_x", `unknown "no_such_variable_x" variable`},
	}
	for _, tt := range tests {
		_, err := CompileFormat("f", EscapeDefault, []string{tt.in}, reg, nginxconf.Pos{File: "x.conf", Line: 3})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestFormatLiteralsAndBraces(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	f, err := CompileFormat("f", EscapeDefault, []string{"a-", "${status}b$status."}, reg, nginxconf.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	req := reg.NewRequest()
	req.Response.Status = 204
	if got := string(f.Append(nil, req, time.Now())); got != "a-204b204." {
		t.Errorf("got %q", got)
	}
	// nginx needs a name after "$": "$$" is refused, not a literal dollar.
	if _, err := CompileFormat("f", EscapeDefault, []string{"$$"}, reg, nginxconf.Pos{}); err == nil || !strings.Contains(err.Error(), `invalid parameter "$$"`) {
		t.Errorf("$$: %v", err)
	}
}

func TestTimeCacheFollowsTheClock(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	f, err := CompileFormat("t", EscapeDefault, []string{"$time_local $time_iso8601"}, reg, nginxconf.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	req := reg.NewRequest()
	utc := time.Date(2024, 12, 31, 23, 59, 59, 900e6, time.UTC)
	tests := []struct {
		now  time.Time
		want string
	}{
		{utc, "31/Dec/2024:23:59:59 +0000 2024-12-31T23:59:59+00:00"},
		{utc.Add(50 * time.Millisecond), "31/Dec/2024:23:59:59 +0000 2024-12-31T23:59:59+00:00"},
		{utc.Add(100 * time.Millisecond), "01/Jan/2025:00:00:00 +0000 2025-01-01T00:00:00+00:00"},
		{utc.Add(100 * time.Millisecond).In(time.FixedZone("", -5*3600-1800)), "31/Dec/2024:18:30:00 -0530 2024-12-31T18:30:00-05:30"},
	}
	for _, tt := range tests {
		if got := string(f.Append(nil, req, tt.now)); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.now, got, tt.want)
		}
	}
}

// A variable that "set" declares after the log_format is accepted when the
// registry defers unknown names, and takes the value set later.
func TestFormatDeferredVariable(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{DeferUnknown: true})
	f, err := CompileFormat("f", EscapeDefault, []string{"p=$provider"}, reg, nginxconf.Pos{})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := reg.DeclareSet("provider")
	if err != nil {
		t.Fatal(err)
	}
	if len(reg.Unresolved()) != 0 {
		t.Fatalf("unresolved: %v", reg.Unresolved())
	}
	req := reg.NewRequest()
	// nginx logs a "set" variable no request has set yet as empty, not "-"
	// (ngx_http_rewrite_var answers an empty, found value).
	if got := string(f.Append(nil, req, time.Now())); got != "p=" {
		t.Errorf("unset: %q", got)
	}
	req.SetVar(idx, []byte("acme"))
	if got := string(f.Append(nil, req, time.Now())); got != "p=acme" {
		t.Errorf("set: %q", got)
	}
}
