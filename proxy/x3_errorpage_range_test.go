package proxy

import (
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
)

// x3RangeHTTP serves error pages that are static files, with and without
// "=CODE": nginx's range and not_modified filters act only on a 200, so a
// page shown with its error's status ignores Range and If-Modified-Since.
const x3RangeHTTP = `
server_tokens off;
server {
    listen {{LISTEN}};
    server_name rg.test;
    root {{DIR}}/html;
    location /err/ { error_page 404 /pages/page.html; }
    location /err200/ { error_page 404 =200 /pages/page.html; }
    location /erreq/ { error_page 404 = /pages/page.html; }
    location /pages/ { }
}
`

// x3RangeCases: request line path, extra header, and nginx 1.22's answer
// (established by TestErrorPageRangeNginx).
var x3RangeCases = []struct {
	name, uri, header string
	status            int
	body              string
}{
	{"page shown as 404 ignores Range", "/err/x", "Range: bytes=0-2", 404, "the page\n"},
	{"page shown as 404 ignores an unsatisfiable Range", "/err/x", "Range: bytes=500-", 404, "the page\n"},
	{"page shown as 404 ignores If-Modified-Since", "/err/x", "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT", 404, "the page\n"},
	{"page shown as =200 honours Range", "/err200/x", "Range: bytes=0-2", 206, "the"},
	{"page shown as 404 ignores If-None-Match", "/err/x", "If-None-Match: *", 404, "the page\n"},
	{"page shown as =200 honours If-None-Match", "/err200/x", "If-None-Match: *", 304, ""},
	{"page shown as = (its own 200) honours Range", "/erreq/x", "Range: bytes=4-7", 206, "page"},
	{"the page itself honours Range", "/pages/page.html", "Range: bytes=0-2", 206, "the"},
}

var x3RangeFiles = map[string]string{"html/pages/page.html": "the page\n"}

func x3RangeDo(t *testing.T, addr, uri, header string) diffResponse {
	t.Helper()
	return diffSend(t, addr, "GET", "GET "+uri+" HTTP/1.1\r\nHost: rg.test\r\nConnection: close\r\n"+header+"\r\n\r\n")
}

func x3RangeCheck(t *testing.T, who string, r diffResponse, i int) {
	t.Helper()
	want := x3RangeCases[i]
	if r.status != want.status || r.body != want.body {
		t.Errorf("%s: %d %q, want %d %q", who, r.status, r.body, want.status, want.body)
	}
	if want.status != 206 && r.header.Get("Content-Range") != "" {
		t.Errorf("%s: Content-Range %q on a %d", who, r.header.Get("Content-Range"), r.status)
	}
}

// TestErrorPageRange: a static error page ignores Range and conditionals
// unless it is shown with 200.
func TestErrorPageRange(t *testing.T) {
	tp := startProxy(t, strings.ReplaceAll(x3RangeHTTP, "{{LISTEN}}", "127.0.0.1:0"), x3RangeFiles)
	for i, c := range x3RangeCases {
		t.Run(c.name, func(t *testing.T) {
			x3RangeCheck(t, "sliceproxy", x3RangeDo(t, tp.addr, c.uri, c.header), i)
		})
	}
}

// TestErrorPageRangeNginx holds real nginx and sliceproxy to x3RangeCases.
func TestErrorPageRangeNginx(t *testing.T) {
	ng := testenv.StartNginx(t, testenv.NginxConfig{
		HTTP:  strings.ReplaceAll(x3RangeHTTP, "{{LISTEN}}", "127.0.0.1:{{PORT}}"),
		Files: x3RangeFiles,
	})
	tp := startProxy(t, strings.ReplaceAll(x3RangeHTTP, "{{LISTEN}}", "127.0.0.1:0"), x3RangeFiles)
	for i, c := range x3RangeCases {
		t.Run(c.name, func(t *testing.T) {
			x3RangeCheck(t, "nginx", x3RangeDo(t, ng.Addr, c.uri, c.header), i)
			x3RangeCheck(t, "sliceproxy", x3RangeDo(t, tp.addr, c.uri, c.header), i)
		})
	}
}
