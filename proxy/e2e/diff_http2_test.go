package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// TestDiffHTTP2: HTTP/2 clients (ALPN h2 on an `ssl http2` listen) get the
// same answers from sliceproxy as from nginx: returns, proxied GETs and
// POSTs, upstream statuses, and several streams on one connection.
func TestDiffHTTP2(t *testing.T) {
	testenv.LookBinary(t, "nginx", "nginx")
	needBinary(t)
	cert, key := testenv.SelfSigned(t, "h2.example")
	conf := func(b *backend) testenv.NginxConfig {
		return testenv.NginxConfig{
			Files: map[string]string{"tls/h2.crt": cert, "tls/h2.key": key},
			HTTP: strings.ReplaceAll(`server_tokens off;
server {
    listen 127.0.0.1:{{PORT}} ssl http2;
    server_name h2.example;
    ssl_certificate {{DIR}}/tls/h2.crt;
    ssl_certificate_key {{DIR}}/tls/h2.key;
    location / { return 200 "proto=$server_protocol host=$host method=$request_method\n"; }
    location /proxy/ { proxy_pass http://{{BACKEND}}; }
}
`, "{{BACKEND}}", b.Addr),
		}
	}
	ngxBackend, spBackend := startBackend(t, nil), startBackend(t, nil)
	ngx := testenv.StartNginx(t, conf(ngxBackend))
	sp := startSliceproxyConfig(t, conf(spBackend))
	sides := []diffSide{
		{name: "nginx", addr: ngx.Addr, dir: ngx.Dir, backend: ngxBackend},
		{name: "sliceproxy", addr: sp.Addr, dir: sp.Dir, backend: spBackend},
	}
	clients := make([]*http.Client, len(sides))
	for i := range sides {
		tr := &http.Transport{
			TLSClientConfig:   &tls.Config{ServerName: "h2.example", InsecureSkipVerify: true},
			ForceAttemptHTTP2: true,
		}
		t.Cleanup(tr.CloseIdleConnections)
		clients[i] = &http.Client{Transport: tr, Timeout: ioTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	cases := []struct{ name, method, path, body, blocked string }{
		{"return", "GET", "/r?x=1", "", ""},
		{"head", "HEAD", "/r", "", ""},
		{"proxied get", "GET", "/proxy/a?b=c", "", ""},
		{"proxied post", "POST", "/proxy/p", strings.Repeat("q", 100), ""},
		{"proxied 404", "GET", "/proxy/?status=404", "", ""},
		{"proxied chunked upstream", "GET", "/proxy/?chunked=1&size=70000", "", ""},
		{"slash redirect", "GET", "/proxy", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [2]string
			for i, side := range sides {
				var body io.Reader
				if c.body != "" {
					body = strings.NewReader(c.body)
				}
				req, err := http.NewRequest(c.method, "https://"+side.addr+c.path, body)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = "h2.example"
				resp, err := clients[i].Do(req)
				if err != nil {
					got[i] = "error: " + err.Error()
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				var sb strings.Builder
				fmt.Fprintf(&sb, "%s %d\n", resp.Proto, resp.StatusCode)
				for _, h := range []string{"Content-Type", "Content-Length", "Location", "X-Secret"} {
					if v := resp.Header.Values(h); len(v) > 0 {
						fmt.Fprintf(&sb, "%s: %s\n", h, strings.Join(v, " | "))
					}
				}
				fmt.Fprintf(&sb, "body:\n%s\n", printable(b))
				if err != nil {
					sb.WriteString("error: " + err.Error() + "\n")
				}
				got[i] = side.normalize(sb.String())
			}
			if got[0] != got[1] && c.blocked != "" {
				t.Skipf("blocked on %s\n%s %s over HTTP/2: answers differ (- nginx, + sliceproxy):\n%s", c.blocked, c.method, c.path, lineDiff(got[0], got[1]))
			}
			if got[0] != got[1] {
				t.Errorf("%s %s over HTTP/2: answers differ (- nginx, + sliceproxy):\n%s", c.method, c.path, lineDiff(got[0], got[1]))
			}
			if !strings.HasPrefix(got[1], "HTTP/2.0") {
				t.Errorf("sliceproxy did not answer over HTTP/2: %s", got[1])
			}
		})
	}
	// Several concurrent streams on one connection.
	done := make(chan error, 20)
	start := time.Now()
	for i := 0; i < 20; i++ {
		go func() {
			resp, err := clients[1].Get("https://" + sp.Addr + fmt.Sprintf("/proxy/s%d?delay=100", i))
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			done <- err
		}()
	}
	for i := 0; i < 20; i++ {
		if err := <-done; err != nil {
			t.Errorf("concurrent HTTP/2 stream: %v", err)
		}
	}
	t.Logf("20 concurrent streams of 100 ms each took %v", time.Since(start).Round(time.Millisecond))
}
