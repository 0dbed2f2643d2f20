package proxy

import (
	"fmt"
	"testing"
	"time"
)

// TestReadsAfterTheGraceWait: between two requests a connection waits under
// the keep-alive grace wait's short read deadline, and the next request's
// head and body reads start under it too (clientConn.readBy). A client that
// sends its next head or body in parts, slower than that wait, must still be
// held to keepalive_timeout and client_body_timeout only — and those still
// end a stalled client, not sooner than configured.
func TestReadsAfterTheGraceWait(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Body: fmt.Sprintf("%s %s %d", r.Method, r.URI, len(r.Body))}
	})
	tp := startProxy(t, `
keepalive_timeout 1s;
client_body_timeout 1s;
server { listen 127.0.0.1:0; location / { proxy_pass http://`+be.Addr()+`; } }`, nil)
	const pause = 10 * parkGrace // well past the grace wait's deadline, well within the timeouts
	tests := []struct {
		name  string
		parts []string // the first right after a first response, the others pause apart
		want  string   // body of the response; "" when the connection must close unanswered
		// minOpen: an unanswered connection stays open at least this long after the last part.
		minOpen time.Duration
	}{
		{"head in two parts", []string{"GET /two HTTP/1.1\r\nHo", "st: a\r\n\r\n"}, "GET /two 0", 0},
		{"head in three parts", []string{"GET /three HTTP/1.1\r\n", "Host: a\r\n", "\r\n"}, "GET /three 0", 0},
		{"body in two parts", []string{"POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234", "56789"}, "POST /body 10", 0},
		{"chunked body in two parts", []string{"POST /chunked HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n", "0\r\n\r\n"}, "POST /chunked 5", 0},
		{"next request never comes: keepalive_timeout", nil, "", time.Second},
		{"head stalls: keepalive_timeout", []string{"GET /stall HTTP/1.1\r\n"}, "", 0},
		{"body stalls: client_body_timeout", []string{"POST /stall HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234"}, "", time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tp.dial()
			c.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
			if r := c.read("GET"); r.Body != "GET /first 0" {
				t.Fatalf("first response %d %q", r.Status, r.Body)
			}
			start := time.Now()
			for i, part := range tc.parts {
				// The first part comes at once, within the grace wait: the
				// rest of the request is read under its deadline.
				if i > 0 {
					time.Sleep(pause)
				}
				if i == len(tc.parts)-1 {
					start = time.Now()
				}
				c.send(part)
			}
			if tc.want != "" {
				method := "GET"
				if tc.parts[0][0] == 'P' {
					method = "POST"
				}
				if r := c.read(method); r.Status != 200 || r.Body != tc.want {
					t.Fatalf("response %d %q, want 200 %q", r.Status, r.Body, tc.want)
				}
				return
			}
			// The connection ends: closed, or answered (nginx's 408 for a
			// stalled body) — either way not before the timeout.
			_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := c.br.ReadByte()
			open := time.Since(start)
			switch {
			case err == nil && b != 'H':
				t.Fatalf("got byte %q, want a closed connection or a response", b)
			case err != nil && isTimeout(err):
				t.Fatalf("the connection stayed open past its timeout")
			}
			if open < tc.minOpen {
				t.Errorf("closed after %v, before the %v timeout", open, tc.minOpen)
			}
		})
	}
}
