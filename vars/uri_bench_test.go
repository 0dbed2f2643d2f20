package vars

import (
	"strings"
	"testing"

	"sliceproxy/proxy/http1"
)

// readClientRequest parses raw with an http1.Reader, as the proxy does, so
// the request carries the Reader's $uri in URI.
func readClientRequest(tb testing.TB, raw string, opt http1.Options) *http1.Request {
	tb.Helper()
	rd := http1.NewReader(strings.NewReader(raw), opt)
	var c http1.Request
	if err := rd.ReadRequest(&c); err != nil {
		tb.Fatalf("ReadRequest(%q): %v", raw, err)
	}
	return &c
}

// BenchmarkSetClientFromReader is SetClient on a request parsed by the
// Reader: the per-request cost of deriving $uri once the head is read.
func BenchmarkSetClientFromReader(b *testing.B) {
	for _, bc := range []struct{ name, target, want string }{
		{"plain", "/static/js/app.min.js?v=3", "/static/js/app.min.js"},
		{"complex", "/a/b/../c/%69ndex.html?x=1", "/a/c/index.html"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := readClientRequest(b, "GET "+bc.target+" HTTP/1.1\r\nHost: example.com\r\n\r\n", http1.Options{})
			q := testRegistry(b).NewRequest()
			b.ReportAllocs()
			for b.Loop() {
				q.Reset()
				if err := q.SetClient(c); err != nil {
					b.Fatal(err)
				}
			}
			if string(q.URI) != bc.want {
				b.Fatalf("$uri = %q, want %q", q.URI, bc.want)
			}
		})
	}
}
