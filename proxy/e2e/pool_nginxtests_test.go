package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// nginxKeepaliveHandler answers like the backend of nginx's own
// proxy_keepalive.t: every kind of response framing after which the
// connection stays usable, plus "closed" (Connection: close).
func nginxKeepaliveHandler(r *backendRequest) backendResponse {
	const see = "TEST-OK-IF-YOU-SEE-THIS"
	head := r.Method == "HEAD"
	body := func(s string) string {
		if head {
			return ""
		}
		return s
	}
	uri := r.URI
	switch {
	case strings.Contains(uri, "length"):
		return backendResponse{Raw: []string{"HTTP/1.1 200 OK\r\nContent-Length: 23\r\n\r\n" + body(see)}}
	case strings.Contains(uri, "empty"):
		return backendResponse{Raw: []string{"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"}}
	case strings.Contains(uri, "304nolen"):
		return backendResponse{Raw: []string{"HTTP/1.1 304 Not Modified\r\n\r\n"}}
	case strings.Contains(uri, "304len"):
		return backendResponse{Raw: []string{"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"}}
	case strings.Contains(uri, "chunk0"):
		return backendResponse{Raw: []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body("0\r\n\r\n")}}
	case strings.Contains(uri, "chunked"):
		return backendResponse{Raw: []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body("17\r\n"+see+"\r\n0\r\n\r\n")}}
	case strings.Contains(uri, "complex"):
		parts := []string{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"}
		if !head {
			parts = append(parts, strings.Repeat("a\r\n0123456789\r\n", 50), strings.Repeat("a\r\n0123456789\r\n", 50),
				"17\r\n"+see+"\r\n0\r\n", "\r\n")
		}
		return backendResponse{Raw: parts}
	case strings.Contains(uri, "closed"):
		return backendResponse{Raw: []string{"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 12\r\n\r\n0123456789\r\n"}, Close: true}
	}
	return backendResponse{Raw: []string{"HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\nOops\r\n"}, Close: true}
}

// TestPoolReuseAfterEveryFraming ports nginx's proxy_keepalive.t: after a
// response framed by length, empty, 304 with and without a length, chunked,
// a zero chunk, chunks split over many reads, and a HEAD answer, the
// upstream connection is reused (buffered and with proxy_buffering off);
// after "Connection: close" a new one is opened and nothing fails.
func TestPoolReuseAfterEveryFraming(t *testing.T) {
	rec := startBackend(t, nginxKeepaliveHandler)
	cfg := poolConfig(rec, "keepalive 1;", "")
	cfg.HTTP = strings.Replace(cfg.HTTP, "    location / {", `    location /unbuffered/ {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_buffering off;
        proxy_pass http://rec;
    }
    location / {`, 1)
	sp := startSliceproxyConfig(t, cfg)
	cases := []struct {
		path, method string
		status       int
		body         string
		reuse        bool
	}{
		{"length", "GET", 200, "TEST-OK-IF-YOU-SEE-THIS", true},
		{"length/head", "HEAD", 200, "", true},
		{"empty", "GET", 200, "", true},
		{"304nolen", "GET", 304, "", true},
		{"304len", "GET", 304, "", true},
		{"chunked", "GET", 200, "TEST-OK-IF-YOU-SEE-THIS", true},
		{"complex", "GET", 200, strings.Repeat("0123456789", 100) + "TEST-OK-IF-YOU-SEE-THIS", true},
		{"chunk0", "GET", 200, "", true},
		{"closed", "GET", 200, "0123456789\r\n", false},
	}
	for _, mode := range []string{"buffered", "unbuffered"} {
		for _, c := range cases {
			t.Run(mode+"/"+c.path, func(t *testing.T) {
				var conns []int
				for i := 1; i <= 2; i++ {
					if i == 2 {
						// The framing rule is the subject here; the race of a
						// request arriving at once is TestPoolReuseImmediately's.
						time.Sleep(20 * time.Millisecond)
					}
					uri := fmt.Sprintf("/%s/%s%d", mode, c.path, i)
					rc, err := dialRaw(sp.Addr)
					if err != nil {
						t.Fatal(err)
					}
					_ = rc.Write(c.method + " " + uri + " HTTP/1.1\r\nHost: k.test\r\nConnection: close\r\n\r\n")
					r, err := rc.ReadResponse(c.method == "HEAD")
					rc.Close()
					if err != nil || r.Status != c.status || string(r.Body) != c.body {
						t.Fatalf("%s %s: %v, status %d, body %q; want %d %q", c.method, uri, err, statusOf(r), bodyOf(r), c.status, c.body)
					}
					reqs := rec.Requests()
					last := reqs[len(reqs)-1]
					if !strings.HasSuffix(last.URI, uri) {
						t.Fatalf("upstream's last request %q, want %q", last.URI, uri)
					}
					conns = append(conns, last.ConnID)
				}
				if reused := conns[0] == conns[1]; reused != c.reuse {
					t.Errorf("upstream connections %v: reused %v, want %v", conns, reused, c.reuse)
				}
			})
		}
	}
}

func statusOf(r *rawResponse) int {
	if r == nil {
		return 0
	}
	return r.Status
}

func bodyOf(r *rawResponse) string {
	if r == nil {
		return ""
	}
	return string(r.Body)
}

// TestPoolReuseImmediately: a client that sends its next request the moment
// it has read a response must find the upstream connection back in the
// pool (nginx frees the peer before the response leaves). 100 pairs per
// response kind, keepalive 1; a pair that dials again is a miss.
func TestPoolReuseImmediately(t *testing.T) {
	rec := startBackend(t, nginxKeepaliveHandler)
	// keepalive_requests above the 1200 requests made here: the default
	// 1000 would retire the connection once, rightly.
	sp := startSliceproxyConfig(t, poolConfig(rec, "keepalive 1; keepalive_requests 10000;", ""))
	var misses []string
	for _, kind := range []string{"length", "empty", "304nolen", "chunked"} {
		n := 0
		for i := 0; i < 100; i++ {
			mustFetch(t, sp.Addr, "GET", "k.test", "/warm-length", "")
			before := len(rec.Conns())
			rc, err := dialRaw(sp.Addr)
			if err != nil {
				t.Fatal(err)
			}
			_ = rc.Write("GET /" + kind + " HTTP/1.1\r\nHost: k.test\r\nConnection: close\r\n\r\n")
			_, _ = rc.ReadResponse(false)
			rc.Close()
			if st, err := fetch(sp.Addr, "GET", "k.test", "/length-next", ""); st != 200 {
				t.Fatalf("%s: %d %v", kind, st, err)
			}
			if len(rec.Conns()) != before {
				n++
			}
		}
		if n > 0 {
			misses = append(misses, fmt.Sprintf("%s: %d of 100", kind, n))
		}
	}
	if len(misses) > 0 {
		t.Errorf("the upstream connection is sometimes not back in the pool when the client has the whole response, so its immediate next request dials again: %s", strings.Join(misses, ", "))
	}
}
