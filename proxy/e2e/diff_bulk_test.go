package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// TestDiffBulk: large request and response bodies, buffered and not, many
// headers, and pipelined proxied requests with bodies.
func TestDiffBulk(t *testing.T) {
	big := string(patternBytes(1 << 20))
	var chunked strings.Builder
	for off := 0; off < len(big); off += 100000 {
		end := min(off+100000, len(big))
		fmt.Fprintf(&chunked, "%x\r\n%s\r\n", end-off, big[off:end])
	}
	chunked.WriteString("0\r\n\r\n")
	var many strings.Builder
	for i := 0; i < 90; i++ {
		fmt.Fprintf(&many, "X-Many-%02d: value %d\r\n", i, i)
	}
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name bulk.example;
    client_max_body_size 4m;
    location / { proxy_pass http://be; }
    location /http11/ { proxy_http_version 1.1; proxy_pass http://be; }
    location /unbuffered/ { proxy_buffering off; proxy_request_buffering off; proxy_pass http://be; }
    location /small-buffers/ { proxy_buffer_size 1k; proxy_buffers 2 1k; proxy_busy_buffers_size 1k; proxy_pass http://be; }
}
`,
		cases: []diffCase{
			{name: "1 MB response", req: get("bulk.example", "/?size=1048576")},
			{name: "1 MB chunked response", req: get("bulk.example", "/?size=1048576&chunked=1")},
			{name: "1 MB response unbuffered", req: get("bulk.example", "/unbuffered/?size=1048576")},
			{name: "1 MB response small buffers", req: get("bulk.example", "/small-buffers/?size=1048576")},
			{name: "1 MB response to http10", req: "GET /?size=1048576&chunked=1 HTTP/1.0\r\nHost: bulk.example\r\n\r\n", state: true},
			{name: "1 MB request body", req: "POST /up HTTP/1.1\r\nHost: bulk.example\r\nContent-Length: 1048576\r\n\r\n" + big},
			{name: "1 MB chunked request body to http10 upstream", req: "POST /up HTTP/1.1\r\nHost: bulk.example\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String(),
				deviation: "a chunked body over 1 MiB for an HTTP/1.0 upstream is 413 (proxy/body.go: not spooled to disk); nginx spools it and sends a Content-Length", wantStatus: 413,
				rejected: true},
			{name: "1 MB chunked request body to http11 upstream", req: "POST /http11/up HTTP/1.1\r\nHost: bulk.example\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String(),
				deviation: "a chunked body over 1 MiB streams chunked to an HTTP/1.1 upstream; nginx spools it and sends a Content-Length", wantStatus: 200,
				check: lastBodyIs(big)},
			{name: "1 MB chunked request body unbuffered", req: "POST /unbuffered/up HTTP/1.1\r\nHost: bulk.example\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.String(),
				deviation: "a chunked body over 1 MiB for an HTTP/1.0 upstream is 413 (proxy/body.go); nginx buffers it despite proxy_request_buffering off, since HTTP/1.0 needs a length, and answers 200", wantStatus: 413, rejected: true},
			{name: "1 MB request body unbuffered", req: "POST /unbuffered/up HTTP/1.1\r\nHost: bulk.example\r\nContent-Length: 1048576\r\n\r\n" + big},
			{name: "90 request headers", req: "GET /many HTTP/1.1\r\nHost: bulk.example\r\n" + many.String() + "\r\n"},
			{name: "pipelined posts and gets", responses: 4, state: true,
				req: "POST /p1 HTTP/1.1\r\nHost: bulk.example\r\nContent-Length: 5\r\n\r\nfirst" +
					get("bulk.example", "/g1?size=3000") +
					"POST /p2 HTTP/1.1\r\nHost: bulk.example\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nsecond\r\n0\r\n\r\n" +
					"GET /g2 HTTP/1.1\r\nHost: bulk.example\r\nConnection: close\r\n\r\n"},
		},
	})
}

// lastBodyIs checks that the upstream's last request carried body.
func lastBodyIs(body string) func(*testing.T, *backend) {
	return func(t *testing.T, up *backend) {
		t.Helper()
		reqs := up.Requests()
		if len(reqs) == 0 {
			t.Fatal("nothing reached the upstream")
		}
		if got := reqs[len(reqs)-1].Body; string(got) != body {
			t.Errorf("upstream got a %d-byte body, want the %d bytes sent", len(got), len(body))
		}
	}
}
