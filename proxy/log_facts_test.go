package proxy

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestResponseFactsInAccessLog: the facts behind $request_completion,
// $sent_http_connection, $upstream_response_length and $connection_time,
// read through an access log as users read them.
func TestResponseFactsInAccessLog(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		switch r.URI {
		case "/p/chunked":
			return fakeReply{Status: 200, Body: "hello world", Chunked: true}
		case "/p/cut":
			// Announces 100 bytes, sends 3 and closes.
			return fakeReply{Raw: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", Close: true}
		}
		return fakeReply{Status: 200, Body: "hello"}
	})
	tp := startProxy(t, `
log_format facts '$request_uri "$request_completion" "$sent_http_connection" "$upstream_response_length" $connection_time';
server {
    listen 127.0.0.1:0;
    access_log {{DIR}}/facts.log facts;
    location /p/ { proxy_pass http://`+be.Addr()+`; }
    location /ret { return 200 "text"; }
    location /static/ { root {{DIR}}; }
}`, map[string]string{"static/f.txt": "file body"})

	// A response the upstream cuts short is not complete (its line is
	// written before the connection closes, so it comes first).
	cut := tp.dial()
	cut.send("GET /p/cut HTTP/1.1\r\nHost: t\r\n\r\n")
	_ = cut.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if raw, err := io.ReadAll(cut.br); err != nil || !strings.HasSuffix(string(raw), "\r\n\r\nabc") {
		t.Fatalf("cut response: %q, %v; want the head and 3 bytes, then the close", raw, err)
	}

	c := tp.dial()
	steps := []struct {
		uri   string
		close bool
		pause time.Duration // before the request, so $connection_time grows
	}{
		{uri: "/p/plain"},
		{uri: "/p/chunked"},
		{uri: "/ret", pause: 50 * time.Millisecond},
		{uri: "/static/f.txt"},
		{uri: "/ret", close: true},
	}
	for _, s := range steps {
		time.Sleep(s.pause)
		conn := ""
		if s.close {
			conn = "Connection: close\r\n"
		}
		c.send("GET " + s.uri + " HTTP/1.1\r\nHost: t\r\n" + conn + "\r\n")
		c.read("GET")
	}
	tp.Close()

	lines := strings.Split(strings.TrimSpace(readFile(t, tp.dir+"/facts.log")), "\n")
	want := []string{
		`/p/cut "" "keep-alive" "3"`,
		`/p/plain "OK" "keep-alive" "5"`,
		`/p/chunked "OK" "keep-alive" "11"`, // body bytes, without the chunk framing
		`/ret "OK" "keep-alive" "-"`,
		`/static/f.txt "OK" "keep-alive" "-"`,
		`/ret "OK" "close" "-"`,
	}
	if len(lines) != len(want) {
		t.Fatalf("access log has %d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	var prev float64
	for i, line := range lines {
		j := strings.LastIndexByte(line, ' ')
		head, ct := line[:j+1], line[j+1:]
		head = strings.TrimSuffix(head, " ")
		if head != want[i] {
			t.Errorf("line %d: %q, want %q", i+1, head, want[i])
		}
		secs, err := strconv.ParseFloat(ct, 64)
		if err != nil || !strings.Contains(ct, ".") || len(ct)-strings.IndexByte(ct, '.') != 4 {
			t.Errorf("line %d: $connection_time %q is not seconds.milliseconds", i+1, ct)
			continue
		}
		if i >= 1 {
			// One client connection: the time only grows, and the pause
			// before its third request shows in it.
			if secs < prev {
				t.Errorf("line %d: $connection_time %v went back from %v", i+1, secs, prev)
			}
			if i >= 3 && secs < 0.050 {
				t.Errorf("line %d: $connection_time %v, want at least the 50ms pause", i+1, secs)
			}
			prev = secs
		}
	}
}
