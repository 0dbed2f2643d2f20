package e2e

import (
	"strings"
	"testing"
)

// body64 is the 64-byte body the POST cases send.
var body64 = strings.Repeat("0123456789abcdef", 4)

// TestDiffClientProtocol: request bodies (length, chunked, Expect:
// 100-continue, too large), HTTP/1.0 clients, pipelining, keepalive_requests
// and keepalive_timeout for clients.
func TestDiffClientProtocol(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name proto.example;
    keepalive_requests 3;
    client_max_body_size 100;
    location / { proxy_pass http://be; }
    location /ret/ { return 200 "ret $request_method $http_connection\n"; }
    location /unbuffered/ { proxy_request_buffering off; proxy_http_version 1.1; proxy_pass http://be; }
}
`,
		cases: []diffCase{
			{name: "post content-length", req: "POST /p HTTP/1.1\r\nHost: proto.example\r\nContent-Length: 64\r\n\r\n" + body64},
			{name: "post chunked is buffered and sent with length",
				req: "POST /c HTTP/1.1\r\nHost: proto.example\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n" + body64[:16] + "\r\n30;ext=1\r\n" + body64[16:] + "\r\n0\r\nX-Trailer: t\r\n\r\n"},
			{name: "post chunked unbuffered streams chunked",
				req:        "POST /unbuffered/ HTTP/1.1\r\nHost: proto.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
				deviation:  "nginx sends a Content-Length when the whole chunked body came with the head; sliceproxy streams it chunked",
				wantStatus: 200},
			{name: "empty chunked body", req: "POST /c HTTP/1.1\r\nHost: proto.example\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
			{name: "expect 100-continue",
				req:  "POST /e HTTP/1.1\r\nHost: proto.example\r\nContent-Length: 64\r\nExpect: 100-continue\r\n\r\n",
				body: body64},
			{name: "expect 100-continue on http10 ignored", req: "POST /e HTTP/1.0\r\nHost: proto.example\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\nbody", state: true},
			{name: "expect unknown", req: "POST /e HTTP/1.1\r\nHost: proto.example\r\nContent-Length: 4\r\nExpect: something\r\n\r\nbody"},
			{name: "body too large 413", req: "POST /big HTTP/1.1\r\nHost: proto.example\r\nContent-Length: 200\r\n\r\n" + strings.Repeat("x", 200), state: true},
			{name: "chunked body too large 413", req: "POST /big HTTP/1.1\r\nHost: proto.example\r\nTransfer-Encoding: chunked\r\n\r\nc8\r\n" + strings.Repeat("x", 200) + "\r\n0\r\n\r\n", state: true},
			{name: "expect with too large body 413", req: "POST /big HTTP/1.1\r\nHost: proto.example\r\nContent-Length: 200\r\nExpect: 100-continue\r\n\r\n", state: true},
			{name: "body too large by content-length alone 413", req: "POST /big HTTP/1.1\r\nHost: proto.example\r\nContent-Length: 200\r\n\r\n", state: true},
			{name: "get with body", req: "GET /g HTTP/1.1\r\nHost: proto.example\r\nContent-Length: 3\r\n\r\nabc"},
			{name: "http10 closes", req: "GET /ret/ HTTP/1.0\r\nHost: proto.example\r\n\r\n", state: true},
			{name: "http10 proxied closes", req: "GET /x HTTP/1.0\r\nHost: proto.example\r\n\r\n", state: true},
			{name: "http10 keep-alive stays open", req: "GET /ret/ HTTP/1.0\r\nHost: proto.example\r\nConnection: keep-alive\r\n\r\n", state: true},
			{name: "http11 close", req: "GET /ret/ HTTP/1.1\r\nHost: proto.example\r\nConnection: close\r\n\r\n", state: true},
			{name: "http11 stays open", req: get("proto.example", "/ret/"), state: true},
			{name: "pipelined two", req: get("proto.example", "/ret/a") + get("proto.example", "/x?b"), responses: 2, state: true},
			{name: "keepalive_requests closes after third", req: get("proto.example", "/ret/1") + get("proto.example", "/x?2") + get("proto.example", "/ret/3"), responses: 3, state: true},
			{name: "head proxied", req: "HEAD /h HTTP/1.1\r\nHost: proto.example\r\n\r\n", head: true},
			{name: "head then get pipelined", req: "HEAD /ret/ HTTP/1.1\r\nHost: proto.example\r\n\r\n" + get("proto.example", "/ret/"), responses: 2},
			{name: "options star", req: "OPTIONS * HTTP/1.1\r\nHost: proto.example\r\n\r\n", state: true},
			{name: "lowercase header names", req: "GET /lc HTTP/1.1\r\nhost: proto.example\r\nx-lower: 1\r\n\r\n"},
			{name: "bare LF line endings", req: "GET /lf HTTP/1.1\nHost: proto.example\nX-A: 1\n\n"},
			{name: "leading empty lines", req: "\r\n\r\nGET /ret/ HTTP/1.1\r\nHost: proto.example\r\n\r\n"},
			{name: "custom method proxied", req: "PURGE /m HTTP/1.1\r\nHost: proto.example\r\n\r\n"},
			{name: "http11 minor version above 1", req: "GET /ret/ HTTP/1.9\r\nHost: proto.example\r\n\r\n"},
		},
	})
}
