package e2e

import (
	"testing"
	"time"
)

// TestDiffClientTimeouts: client_header_timeout, client_body_timeout and
// keepalive_timeout for clients, and keepalive_timeout 0.
func TestDiffClientTimeouts(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name to.example;
    client_header_timeout 1s;
    client_body_timeout 1s;
    keepalive_timeout 1s;
    location / { proxy_pass http://be; }
    location /nokeep/ { keepalive_timeout 0; return 200 "no keepalive\n"; }
}
`,
		cases: []diffCase{
			{name: "incomplete head times out without response", req: "GET / HTTP/1.1\r\nHost: to.example\r\n", state: true},
			{name: "silent connection closed", req: "", state: true},
			{name: "incomplete body times out", req: "POST / HTTP/1.1\r\nHost: to.example\r\nContent-Length: 10\r\n\r\nabc", state: true},
			{name: "incomplete chunked body times out", req: "POST / HTTP/1.1\r\nHost: to.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", state: true},
			{name: "idle keepalive closed after keepalive_timeout", req: get("to.example", "/k"), state: true, stateWait: 2500 * time.Millisecond},
			{name: "keepalive_timeout 0 closes", req: get("to.example", "/nokeep/"), state: true},
		},
	})
}
