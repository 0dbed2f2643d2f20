package static

import (
	"testing"

	"sliceproxy/proxy/http1"
)

// BenchmarkResolveHit resolves a GET of an existing file: location config,
// open, stat, validators and headers — what every static hit costs before
// the body is written.
func BenchmarkResolveHit(b *testing.B) {
	s, _ := fixtureSite(b, nil)
	c := &http1.Request{Method: []byte("GET"), Path: []byte("/a.txt"), Target: []byte("/a.txt")}
	req := s.reg.NewRequest()
	var res Result
	defer res.Close()
	b.ReportAllocs()
	for b.Loop() {
		req.Reset()
		if err := req.SetClient(c); err != nil {
			b.Fatal(err)
		}
		s.server.Resolve(req, &res)
		if res.Status != 200 {
			b.Fatalf("status %d", res.Status)
		}
	}
}

// BenchmarkResolveConditional is a revalidation: If-None-Match → 304.
func BenchmarkResolveConditional(b *testing.B) {
	s, _ := fixtureSite(b, nil)
	c := &http1.Request{Method: []byte("GET"), Path: []byte("/a.txt"), Target: []byte("/a.txt")}
	c.Header.Add([]byte("If-None-Match"), []byte(etagA))
	req := s.reg.NewRequest()
	var res Result
	defer res.Close()
	b.ReportAllocs()
	for b.Loop() {
		req.Reset()
		if err := req.SetClient(c); err != nil {
			b.Fatal(err)
		}
		s.server.Resolve(req, &res)
		if res.Status != 304 {
			b.Fatalf("status %d", res.Status)
		}
	}
}
