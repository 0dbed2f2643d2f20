package vars

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
)

// fixedNow is the clock of every test registry.
var fixedNow = time.Date(2026, 11, 21, 5, 43, 46, 123_000_000, time.UTC)

func testRegistry(t testing.TB) *Registry {
	t.Helper()
	return NewRegistry(RegistryOptions{
		Hostname: "testhost", PID: 4242, Now: func() time.Time { return fixedNow },
	})
}

// clientRequest builds the parsed request http1 would produce for a
// request line and header lines ("Name: value").
func clientRequest(method, target string, headers ...string) *http1.Request {
	c := &http1.Request{
		Method: []byte(method), Target: []byte(target), Proto: []byte("HTTP/1.1"),
		ProtoMajor: 1, ProtoMinor: 1, ContentLength: -1, KeepAlive: true,
	}
	c.RequestLine = []byte(method + " " + target + " HTTP/1.1")
	path, query, hasQuery := strings.Cut(target, "?")
	if strings.HasPrefix(path, "http://") || strings.HasPrefix(path, "https://") {
		scheme, rest, _ := strings.Cut(path, "://")
		host, p, found := strings.Cut(rest, "/")
		c.Scheme = []byte(scheme)
		c.Host = []byte(strings.ToLower(host))
		path = "/" + p
		if !found {
			path = "/"
		}
	}
	c.Path = []byte(path)
	if hasQuery {
		c.Query = []byte(query)
		c.HasQuery = true
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		value = strings.TrimSpace(value)
		c.Header.Add([]byte(name), []byte(value))
		if strings.EqualFold(name, "Host") && c.HostHeader == nil {
			c.HostHeader = []byte(value)
		}
	}
	return c
}

func newTestRequest(t testing.TB, reg *Registry, c *http1.Request) *Request {
	t.Helper()
	q := reg.NewRequest()
	q.Start = fixedNow.Add(-1500 * time.Millisecond)
	q.RemoteAddr = netip.MustParseAddrPort("192.0.2.7:51234")
	q.LocalAddr = netip.MustParseAddrPort("127.0.0.1:8080")
	q.ServerName = "default.example"
	q.ConnSerial = 17
	q.ConnRequests = 3
	if c != nil {
		if err := q.SetClient(c); err != nil {
			t.Fatalf("SetClient: %v", err)
		}
	}
	return q
}

func eval(t testing.TB, reg *Registry, q *Request, s string) string {
	t.Helper()
	tpl, err := reg.Compile(s, nginxconf.Pos{File: "test.conf", Line: 1})
	if err != nil {
		t.Fatalf("Compile(%q): %v", s, err)
	}
	return tpl.String(q)
}

// parseHTTP parses a configuration snippet placed inside "http { }" and
// returns the http block's statements.
func parseHTTP(t testing.TB, body string) []*nginxconf.Directive {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes("test.conf", []byte("http {\n"+body+"\n}\n"), nginxconf.Options{SingleFile: true})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("parse: %v", d)
		}
	}
	for _, d := range cfg.Directives() {
		if d.Name == "http" {
			return d.Body()
		}
	}
	t.Fatal("no http block")
	return nil
}
