package http1

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstreamCases are raw upstream responses; the differential test has nginx proxy to
// a server sending them and compares nginx's status with ReadResponse's verdict
// (200 = accepted, 502 = rejected).
var upstreamCases = []struct {
	name string
	raw  string
	// nginx is set where Debian's nginx 1.22 answers differently: 200 where it
	// accepts ambiguous framing that nginx 1.23+ rejects with 502 (we follow 1.23+),
	// 100 where it relays an interim response as the final one (we skip it), -1
	// where it relays the upstream bytes verbatim as an HTTP/0.9 response (we 502).
	nginx int
}{
	{"ok", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0},
	{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 0},
	{"until close", "HTTP/1.1 200 OK\r\n\r\nok", 0},
	{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", 0},
	{"100 then 200", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 100},
	{"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", 200},
	{"two CL", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", 200},
	{"bad CL", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nok", 200},
	{"TE gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok", 200},
	{"space in name", "HTTP/1.1 200 OK\r\nFoo Bar: 1\r\nContent-Length: 2\r\n\r\nok", 0},
	{"obs-fold", "HTTP/1.1 200 OK\r\nX: 1\r\n 2\r\nContent-Length: 2\r\n\r\nok", 0},
	{"NUL in value", "HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 2\r\n\r\nok", 0},
	{"too big header", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 5000) + "\r\nContent-Length: 2\r\n\r\nok", 0},
	{"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", -1},
	{"HTTP/2.0 status line", "HTTP/2.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0},
	{"status with dot", "HTTP/1.1 200.1 OK\r\nContent-Length: 2\r\n\r\nok", 0},
	{"two digit status", "HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok", -1},
	{"empty response", "", 0},
}

// rawUpstream serves upstreamCases[i] for a request to /up/i, then closes.
func rawUpstream(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(3 * time.Second))
				rd := NewReader(c, Options{})
				var req Request
				if rd.ReadRequest(&req) != nil {
					return
				}
				var i int
				if _, err := fmt.Sscanf(string(req.Path), "/up/%d", &i); err != nil || i >= len(upstreamCases) {
					return
				}
				_, _ = c.Write([]byte(upstreamCases[i].raw))
			}()
		}
	}()
	return l.Addr().String()
}

func TestDifferentialNginxUpstream(t *testing.T) {
	up := rawUpstream(t)
	addr := startNginxWith(t, fmt.Sprintf("    location /up/ { proxy_pass http://%s; proxy_buffer_size 4k; }\n", up))
	for i, tc := range upstreamCases {
		t.Run(tc.name, func(t *testing.T) {
			ours := 200
			var resp Response
			if err := NewReader(strings.NewReader(tc.raw), Options{}).ReadResponse(&resp, false); err != nil {
				ours = StatusOf(err)
			}
			want := ours
			if tc.nginx != 0 {
				want = tc.nginx
			}
			ans := exchange(t, addr, fmt.Sprintf("GET /up/%d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", i), false)
			if want == -1 {
				if !bytes.HasPrefix(ans, []byte(tc.raw)) {
					t.Errorf("nginx did not relay the bytes verbatim: %q", ans)
				}
				return
			}
			head, _, _ := bytes.Cut(ans, []byte("\r\n"))
			if got := statusOfAnswer(ans); got != want {
				t.Errorf("nginx %d (%q), ours %d, expected nginx %d", got, head, ours, want)
			}
			if ours == 200 && tc.nginx == 0 {
				// nginx relays the upstream status line; so does AppendUpstreamStatusLine.
				if line := AppendUpstreamStatusLine(nil, &resp); string(head)+"\r\n" != string(line) {
					t.Errorf("status line: nginx %q, ours %q", head, line)
				}
			}
		})
	}
}
