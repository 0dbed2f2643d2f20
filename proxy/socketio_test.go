package proxy

import (
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"sliceproxy/proxy/http1"
)

// TestSocketIO runs the paths that copy with the kernel's help (sendfile for
// static files, whole and ranged; an until-close upstream body; a large
// request body) under both socket I/O modes: raw system calls (the default)
// and Go's net.Conn (LoadOptions.RuntimeSocketIO).
func TestSocketIO(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 20000) // 320 KB
	backend := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		switch r.URI {
		case "/until-close":
			return fakeReply{Raw: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + big, Close: true}
		case "/echo-length":
			return fakeReply{Status: 200, Body: strconv.Itoa(len(r.Body))}
		}
		return fakeReply{Status: 404}
	})
	conf := `
upstream b { server ` + backend.Addr() + `; keepalive 4; }
server {
    listen 127.0.0.1:0;
    location /files/ { root {{DIR}}; }
    location / { proxy_pass http://b; proxy_http_version 1.1; proxy_set_header Connection ""; }
}`
	files := map[string]string{"files/big.txt": big}
	for _, mode := range []struct {
		name       string
		runtimeIO  bool
		wantClient string // the accepted connection's type
	}{
		{"raw", false, rawClientType()},
		{"runtime", true, "*net.TCPConn"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			tp := startProxyWith(t, conf, files, LoadOptions{RuntimeSocketIO: mode.runtimeIO})
			c := tp.dial()
			c.send("GET /files/big.txt HTTP/1.1\r\nHost: x\r\n\r\n")
			if r := c.read("GET"); r.Status != 200 || r.Body != big {
				t.Fatalf("static file: %d, %d bytes (want %d)", r.Status, len(r.Body), len(big))
			}
			if got := tp.clientConnTypes(); len(got) != 1 || got[0] != mode.wantClient {
				t.Errorf("accepted connections are %v, want one %s", got, mode.wantClient)
			}
			c.send("GET /files/big.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=100-200099\r\n\r\n")
			if r := c.read("GET"); r.Status != 206 || r.Body != big[100:200100] {
				t.Fatalf("range: %d, %d bytes (want 200000)", r.Status, len(r.Body))
			}
			body := strings.Repeat("x", 1<<20)
			c.send(fmt.Sprintf("POST /echo-length HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
			if r := c.read("POST"); r.Status != 200 || r.Body != strconv.Itoa(len(body)) {
				t.Fatalf("POST: %d %q", r.Status, r.Body)
			}
			c.send("GET /until-close HTTP/1.1\r\nHost: x\r\n\r\n")
			if r := c.read("GET"); r.Status != 200 || r.Body != big {
				t.Fatalf("until-close body: %d, %d bytes (want %d)", r.Status, len(r.Body), len(big))
			}
		})
	}
}

// rawClientType is the type an accepted TCP connection has with raw socket
// I/O on this platform.
func rawClientType() string {
	if runtime.GOOS == "linux" {
		return fmt.Sprintf("%T", &http1.SocketConn{})
	}
	return fmt.Sprintf("%T", &net.TCPConn{})
}

// clientConnTypes lists the types of the server's client connections.
func (tp *testProxy) clientConnTypes() []string {
	s := tp.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	var types []string
	for c := range s.conns {
		types = append(types, fmt.Sprintf("%T", c.nc))
	}
	return types
}
