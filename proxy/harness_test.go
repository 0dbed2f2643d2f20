package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
)

// testProxy is a running Server built from a test configuration.
type testProxy struct {
	t    testing.TB
	srv  *Server
	addr string
	dir  string
	done chan struct{}
}

// startProxy loads "http { ... }" made of httpBody (with {{DIR}} replaced by
// a temporary directory) and serves it; servers should "listen
// 127.0.0.1:0". Extra files (relative name → content) are written first.
func startProxy(t testing.TB, httpBody string, files map[string]string) *testProxy {
	t.Helper()
	return startProxyWith(t, httpBody, files, LoadOptions{})
}

// startProxyWith is startProxy with load options (Prefix is always the
// temporary directory).
func startProxyWith(t testing.TB, httpBody string, files map[string]string, opt LoadOptions) *testProxy {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(body, "{{DIR}}", dir)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	conf := "error_log " + dir + "/error.log info;\npid off;\nevents { worker_connections 256; }\nhttp {\n" +
		"access_log " + dir + "/access.log;\n" + strings.ReplaceAll(httpBody, "{{DIR}}", dir) + "\n}\n"
	cfg, diags := nginxconf.ParseBytes(filepath.Join(dir, "nginx.conf"), []byte(conf), nginxconf.Options{Prefix: dir + "/"})
	failOnErrors(t, diags, conf)
	opt.Prefix = dir + "/"
	rt, diags := Load(cfg, opt)
	failOnErrors(t, diags, conf)
	srv, err := NewServer(rt)
	if err != nil {
		rt.Close()
		t.Fatal(err)
	}
	tp := &testProxy{t: t, srv: srv, dir: dir, done: make(chan struct{})}
	addrs := srv.Addrs()
	if len(addrs) == 0 {
		t.Fatal("no listener")
	}
	tp.addr = addrs[0].String()
	go func() {
		defer close(tp.done)
		_ = srv.Serve()
	}()
	t.Cleanup(tp.Close)
	return tp
}

func failOnErrors(t testing.TB, diags []nginxconf.Diagnostic, conf string) {
	t.Helper()
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("config error: %v\n%s", d, conf)
		}
	}
}

func (tp *testProxy) Close() {
	_ = tp.srv.Close()
	<-tp.done
}

// errorLog returns the error log's text.
func (tp *testProxy) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(tp.dir, "error.log"))
	return string(b)
}

// clientConn is a raw client connection to the proxy.
type testClient struct {
	t  testing.TB
	c  net.Conn
	br *bufio.Reader
}

func (tp *testProxy) dial() *testClient {
	tp.t.Helper()
	c, err := net.Dial("tcp", tp.addr)
	if err != nil {
		tp.t.Fatal(err)
	}
	tp.t.Cleanup(func() { c.Close() })
	return &testClient{t: tp.t, c: c, br: bufio.NewReader(c)}
}

// reload loads a new configuration (an http{} body, access log off) and
// swaps it in as a reload does; its error log is error2.log.
func (tp *testProxy) reload(httpBody string) {
	tp.t.Helper()
	cfg, diags := nginxconf.ParseBytes(filepath.Join(tp.dir, "new.conf"), []byte("http {\naccess_log off;\n"+httpBody+"\n}\n"), nginxconf.Options{Prefix: tp.dir + "/"})
	failOnErrors(tp.t, diags, "")
	rt, diags := Load(cfg, LoadOptions{Prefix: tp.dir + "/", ErrorLog: tp.dir + "/error2.log"})
	failOnErrors(tp.t, diags, "")
	if err := tp.srv.Reload(rt); err != nil {
		tp.t.Fatal(err)
	}
}

// send writes raw bytes.
func (tc *testClient) send(s string) {
	tc.t.Helper()
	_ = tc.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(tc.c, s); err != nil {
		tc.t.Fatal(err)
	}
}

// testResponse is a response read by a testClient.
type testResponse struct {
	Status int
	Proto  string
	Header http.Header
	Body   string
	Raw    *http.Response
}

// read reads one response to a request of the given method.
func (tc *testClient) read(method string) *testResponse {
	tc.t.Helper()
	_ = tc.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(tc.br, &http.Request{Method: method})
	if err != nil {
		tc.t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tc.t.Fatalf("reading body: %v", err)
	}
	return &testResponse{Status: resp.StatusCode, Proto: resp.Proto, Header: resp.Header, Body: string(body), Raw: resp}
}

// expectClosed checks that the proxy closes the connection (after any
// response already read).
func (tc *testClient) expectClosed() {
	tc.t.Helper()
	_ = tc.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := tc.br.ReadByte()
	if err == nil {
		tc.t.Fatalf("expected the connection to close, got byte %q", b)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		tc.t.Fatal("expected the connection to close, it stayed open")
	}
}

// roundTrip sends a raw request on a new connection and reads the response.
func (tp *testProxy) roundTrip(raw string) *testResponse {
	tp.t.Helper()
	c := tp.dial()
	c.send(raw)
	method, _, _ := strings.Cut(raw, " ")
	return c.read(method)
}

// get sends "GET uri" with Host host on a new connection.
func (tp *testProxy) get(host, uri string) *testResponse {
	tp.t.Helper()
	return tp.roundTrip("GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newTestReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
