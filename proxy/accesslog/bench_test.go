package accesslog

import (
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// BenchmarkFormatCombined renders one combined line into a reused buffer:
// the per-request cost of access logging before the write.
func BenchmarkFormatCombined(b *testing.B) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	f, err := CompileFormat("combined", EscapeDefault, []string{CombinedFormat}, reg, nginxconf.Pos{})
	if err != nil {
		b.Fatal(err)
	}
	tr := testRequests[1] // referer, escaped user agent, query
	req := newTestRequest(b, reg, tr, time.Now())
	now := time.Now()
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.Append(buf[:0], req, now)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkLogBuffered is Config.Log end to end into a buffered file.
func BenchmarkLogBuffered(b *testing.B) {
	dir := b.TempDir()
	reg := vars.NewRegistry(vars.RegistryOptions{})
	s := NewSet(reg, Options{Prefix: dir})
	cfg, diags := s.Merge(nil, nil)
	if len(diags) > 0 {
		b.Fatal(diags)
	}
	srv, _ := s.Merge(cfg, []*nginxconf.Directive{{Name: "access_log", Args: []nginxconf.Arg{{Value: "bench.log"}, {Value: "combined"}, {Value: "buffer=64k"}}}})
	if err := s.Open(); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	req := newTestRequest(b, reg, testRequests[1], time.Now())
	b.ReportAllocs()
	for b.Loop() {
		srv.Log(req)
	}
}
