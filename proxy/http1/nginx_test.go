package http1

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startNginx runs nginx in the foreground on a free loopback port with a config that
// answers every accepted request with 200 (and /e/CODE with CODE), and stops it when
// the test ends. It skips the test when nginx is not installed.
func startNginx(t *testing.T) string {
	t.Helper()
	return startNginxWith(t, "")
}

// startNginxWith is startNginx with extra directives in the server block.
func startNginxWith(t *testing.T, extra string) string {
	t.Helper()
	// The port is chosen by the kernel, closed, then bound by nginx: another process
	// may take it in between, so try a few ports.
	var lastErr string
	for range 3 {
		addr, errText := tryStartNginx(t, extra)
		if errText == "" {
			return addr
		}
		lastErr = errText
	}
	t.Fatalf("nginx did not start: %s", lastErr)
	return ""
}

// tryStartNginx starts nginx once; it returns the address, or why it failed.
func tryStartNginx(t *testing.T, extra string) (string, string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, serr := os.Stat(p); serr == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Skip("nginx not installed: differential test skipped")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	var errorLocations strings.Builder
	for _, code := range []int{400, 401, 403, 404, 405, 413, 414, 429, 500, 501, 502, 503, 504, 505, 507} {
		fmt.Fprintf(&errorLocations, "    location = /e/%d { return %d; }\n", code, code)
	}
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
error_log %[1]s/logs/error.log info;
pid %[1]s/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  server_tokens off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  server {
    listen %[2]s;
    location / { return 200 "$request_method $request_uri $uri|$args\n"; }
%[3]s%[4]s  }
}
`, dir, addr, errorLocations.String(), extra)
	confPath := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", confPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", "start nginx: " + err.Error()
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-done
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			t.Cleanup(stop)
			return addr, ""
		}
		select {
		case <-done:
			return "", "nginx exited: " + stderr.String()
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", "nginx did not listen on " + addr + ": " + stderr.String()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// rawExchange sends raw bytes on a new connection, half-closes, and returns the whole
// answer (nginx closes after an error; after a good request, the half-close ends it).
func rawExchange(t *testing.T, addr, raw string) []byte {
	t.Helper()
	return exchange(t, addr, raw, true)
}

// exchange is rawExchange; halfClose=false keeps the write side open (nginx takes a
// half-close while proxying as the client going away), so the request must ask for
// "Connection: close".
func exchange(t *testing.T, addr, raw string, halfClose bool) []byte {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		_ = c.(*net.TCPConn).CloseWrite()
	}
	b, _ := io.ReadAll(c)
	return b
}

// statusOfAnswer returns the status code of the first response in b, 0 for none.
func statusOfAnswer(b []byte) int {
	line, _, _ := bytes.Cut(b, []byte("\r\n"))
	f := strings.Fields(string(line))
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/") {
		return 0
	}
	code := f[1]
	if len(code) > 3 && code[3] == '.' {
		code = code[:3] // IIS style "403.1", passed through by nginx
	}
	n, _ := strconv.Atoi(code)
	return n
}

// TestDifferentialNginx sends every request of requestCases to real nginx and checks
// that it answers with the status our parser decides.
func TestDifferentialNginx(t *testing.T) {
	addr := startNginx(t)
	for _, tc := range requestCases {
		t.Run(tc.name, func(t *testing.T) {
			ours := 200
			var req Request
			if err := NewReader(strings.NewReader(tc.raw), Options{}).ReadRequest(&req); err != nil {
				ours = ShownStatus(StatusOf(err))
			}
			want := ours
			if tc.nginx122 != 0 {
				want = tc.nginx122 // documented difference, see the table
			}
			answer := rawExchange(t, addr, tc.raw)
			got := statusOfAnswer(answer)
			if want == -1 {
				if got != 0 {
					t.Errorf("nginx answered %d, expected an HTTP/0.9 answer without status line", got)
				}
				return
			}
			if got != want {
				t.Errorf("nginx %d, ours %d (expected nginx %d)", got, ours, want)
			}
			if got == 200 && ours == 200 && !req.isMethod("HEAD") {
				// nginx's variables agree with our fields.
				_, body, _ := bytes.Cut(answer, []byte("\r\n\r\n"))
				line, _, _ := bytes.Cut(body, []byte("\n"))
				if ourLine := fmt.Sprintf("%s %s %s|%s", req.Method, req.Target, req.URI, req.Query); string(line) != ourLine {
					t.Errorf("variables: nginx %q, ours %q", line, ourLine)
				}
			}
		})
	}
}

// TestErrorPagesMatchNginx compares our error pages and reason phrases with nginx's
// answers for return CODE, and keeps them as goldens under testdata/http1.
func TestErrorPagesMatchNginx(t *testing.T) {
	addr := startNginx(t)
	for _, code := range []int{400, 401, 403, 404, 405, 413, 414, 429, 500, 501, 502, 503, 504, 505, 507} {
		raw := fmt.Sprintf("GET /e/%d HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", code)
		ans := rawExchange(t, addr, raw)
		head, body, ok := bytes.Cut(ans, []byte("\r\n\r\n"))
		if !ok {
			t.Fatalf("%d: no head in %q", code, ans)
		}
		statusLine, _, _ := bytes.Cut(head, []byte("\r\n"))
		wantLine := AppendStatusLine(nil, code)
		if string(statusLine)+"\r\n" != string(wantLine) {
			t.Errorf("%d: status line %q, ours %q", code, statusLine, wantLine)
		}
		if got := ErrorPage(code, "nginx"); !bytes.Equal(got, body) {
			t.Errorf("%d: page differs\nnginx: %q\nours:  %q", code, body, got)
		}
		golden := filepath.Join("..", "..", "testdata", "http1", "errorpage", strconv.Itoa(code)+".html")
		if os.Getenv("UPDATE_GOLDEN") != "" {
			_ = os.MkdirAll(filepath.Dir(golden), 0o755)
			if err := os.WriteFile(golden, body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Chrome gets nginx's padding after the page (msie_padding on).
	chrome := "GET /e/404 HTTP/1.1\r\nHost: a\r\nUser-Agent: Mozilla/5.0 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\nConnection: close\r\n\r\n"
	_, padded, _ := bytes.Cut(rawExchange(t, addr, chrome), []byte("\r\n\r\n"))
	if got := AppendErrorPage(nil, 404, "nginx", true); !bytes.Equal(got, padded) {
		t.Errorf("padded 404 differs\nnginx: %q\nours:  %q", padded, got)
	}

	// 494: a header line longer than large_client_header_buffers.
	ans := rawExchange(t, addr, "GET / HTTP/1.1\r\nHost: a\r\nX: "+strings.Repeat("a", 9000)+"\r\n\r\n")
	_, body, _ := bytes.Cut(ans, []byte("\r\n\r\n"))
	if got := ErrorPage(494, "nginx"); !bytes.Equal(got, body) {
		t.Errorf("494: page differs\nnginx: %q\nours:  %q", body, got)
	}
	if statusOfAnswer(ans) != 400 {
		t.Errorf("494 shown as %d", statusOfAnswer(ans))
	}
}

// TestErrorPageGoldens checks ErrorPage against the pages captured from nginx
// (regenerate with UPDATE_GOLDEN=1 go test -run TestErrorPagesMatchNginx).
func TestErrorPageGoldens(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "http1", "errorpage", "*.html"))
	if len(files) == 0 {
		t.Skip("no goldens")
	}
	for _, f := range files {
		code, _ := strconv.Atoi(strings.TrimSuffix(filepath.Base(f), ".html"))
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if got := ErrorPage(code, "nginx"); !bytes.Equal(got, want) {
			t.Errorf("%d: ErrorPage differs from golden\nwant %q\ngot  %q", code, want, got)
		}
	}
}
