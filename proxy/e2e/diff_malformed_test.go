package e2e

import (
	"strings"
	"testing"
)

// TestDiffMalformed: requests with broken or ambiguous framing and bad
// syntax get nginx's status, and sliceproxy forwards none of them. Where
// sliceproxy is stricter than Debian's nginx 1.22 on purpose (proxy/http1's
// "Deviations from nginx") the case asserts our status.
func TestDiffMalformed(t *testing.T) {
	post := func(headers ...string) string {
		return "POST /mal HTTP/1.1\r\nHost: mal.example\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n"
	}
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name mal.example;
    large_client_header_buffers 4 8k;
    location / { proxy_pass http://be; }
}
`,
		cases: []diffCase{
			{name: "content-length with transfer-encoding", req: post("Content-Length: 5", "Transfer-Encoding: chunked") + "0\r\n\r\n", rejected: true, state: true},
			{name: "transfer-encoding then content-length", req: post("Transfer-Encoding: chunked", "Content-Length: 5") + "0\r\n\r\n", rejected: true, state: true},
			{name: "two different content-lengths", req: post("Content-Length: 3", "Content-Length: 4") + "abcd", rejected: true, state: true},
			{name: "two equal content-lengths", req: post("Content-Length: 3", "Content-Length: 3") + "abc", rejected: true, state: true},
			{name: "content-length list", req: post("Content-Length: 3, 3") + "abc", rejected: true, state: true},
			{name: "content-length not a number", req: post("Content-Length: abc"), rejected: true, state: true},
			{name: "content-length negative", req: post("Content-Length: -1"), rejected: true, state: true},
			{name: "content-length plus sign", req: post("Content-Length: +3") + "abc", rejected: true, state: true},
			{name: "content-length huge", req: post("Content-Length: 99999999999999999999999"), rejected: true, state: true},
			{name: "transfer-encoding gzip", req: post("Transfer-Encoding: gzip") + "abc", rejected: true, state: true},
			{name: "transfer-encoding gzip chunked", req: post("Transfer-Encoding: gzip, chunked") + "0\r\n\r\n", rejected: true, state: true},
			{name: "transfer-encoding chunked twice", req: post("Transfer-Encoding: chunked", "Transfer-Encoding: chunked") + "0\r\n\r\n", rejected: true, state: true},
			{name: "transfer-encoding in http10", req: "POST /mal HTTP/1.0\r\nHost: mal.example\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", rejected: true, state: true},
			{name: "chunk size not hex", req: post("Transfer-Encoding: chunked") + "zz\r\nabc\r\n0\r\n\r\n", rejected: true, state: true},
			{name: "chunk size overflow", req: post("Transfer-Encoding: chunked") + "fffffffffffffffffff\r\nabc\r\n0\r\n\r\n", rejected: true, state: true},
			{name: "chunk size negative", req: post("Transfer-Encoding: chunked") + "-3\r\nabc\r\n0\r\n\r\n", rejected: true, state: true},
			{name: "chunk data longer than size", req: post("Transfer-Encoding: chunked") + "2\r\nabc\r\n0\r\n\r\n", rejected: true, state: true},
			{name: "chunk size with trailing space", req: post("Transfer-Encoding: chunked") + "3 \r\nabc\r\n0\r\n\r\n", state: true},
			{name: "obs-fold", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nX-A: 1\r\n continued\r\n\r\n", rejected: true, state: true},
			{name: "obs-fold with tab", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nX-A: 1\r\n\tcontinued\r\n\r\n", rejected: true, state: true},
			{name: "space in header name", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nBad Name: x\r\n\r\n", rejected: true, state: true},
			{name: "space before colon", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nX-A : x\r\n\r\n", rejected: true, state: true},
			{name: "space before colon on content-length", req: post("Content-Length : 3") + "abc", rejected: true, state: true},
			{name: "header without colon", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nNoColon\r\n\r\n", state: true},
			{name: "nul in header value", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nX-A: a\x00b\r\n\r\n", rejected: true, state: true},
			{name: "lone cr in header value", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nX-A: a\rb\r\n\r\n", rejected: true, state: true},
			{name: "huge header line", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nX-Big: " + strings.Repeat("b", 9000) + "\r\n\r\n", rejected: true, state: true},
			{name: "huge cookie", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nCookie: " + strings.Repeat("c", 9000) + "\r\n\r\n", rejected: true, state: true},
			{name: "too many large headers", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\n" + strings.Repeat("X-Many: "+strings.Repeat("m", 7000)+"\r\n", 5) + "\r\n", rejected: true, state: true},
			{name: "huge uri 414", req: get("mal.example", "/"+strings.Repeat("u", 9000)), rejected: true, state: true},
			{name: "http version 2.0", req: "GET /mal HTTP/2.0\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "http version 3.1", req: "GET /mal HTTP/3.1\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "http version garbage", req: "GET /mal HTTP/1.x\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "lowercase protocol", req: "GET /mal http/1.1\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "lowercase method", req: "get /mal HTTP/1.1\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "missing host in http11", req: "GET /mal HTTP/1.1\r\n\r\n", rejected: true, state: true},
			{name: "two hosts", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nHost: other.example\r\n\r\n", rejected: true, state: true},
			{name: "empty host in http11", req: "GET /mal HTTP/1.1\r\nHost:\r\n\r\n", rejected: true, state: true},
			{name: "target without slash", req: "GET mal HTTP/1.1\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "space inside target", req: "GET /a b HTTP/1.1\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "bad percent escape", req: get("mal.example", "/a%zz"), rejected: true, state: true},
			{name: "percent-encoded nul", req: get("mal.example", "/a%00b"), rejected: true, state: true},
			{name: "trace is 405", req: "TRACE /mal HTTP/1.1\r\nHost: mal.example\r\n\r\n", rejected: true, state: true},
			{name: "duplicate authorization", req: "GET /mal HTTP/1.1\r\nHost: mal.example\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n", rejected: true, state: true},

			// Deliberate deviations from Debian's nginx 1.22.
			{name: "connect", req: "CONNECT mal.example:443 HTTP/1.1\r\nHost: mal.example:443\r\n\r\n", rejected: true,
				deviation: "CONNECT is 405 as in current nginx; Debian's 1.22 says 400", wantStatus: 405},
			{name: "http09 request", req: "GET /mal\r\n\r\n", rejected: true,
				deviation: "HTTP/0.9 requests are 400; nginx answers them HTTP/0.9 style", wantStatus: 400},
		},
	})
}
