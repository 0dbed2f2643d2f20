package http1

import (
	"bufio"
	"net/http"
	"testing"
)

// BenchmarkNetHTTPReadRequest is the baseline the purpose-built parser replaces:
// net/http's ReadRequest on the same browser request (issue 6 asks to decide with
// numbers). Only the test imports net/http.
func BenchmarkNetHTTPReadRequest(b *testing.B) {
	br := bufio.NewReader(&repeatReader{data: []byte(browserRequest)})
	b.SetBytes(int64(len(browserRequest)))
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.ReadRequest(br)
		if err != nil {
			b.Fatal(err)
		}
		_ = req
	}
}

// BenchmarkNetHTTPReadResponse is the net/http baseline for BenchmarkReadResponse.
func BenchmarkNetHTTPReadResponse(b *testing.B) {
	data := []byte(upstreamResponse + string(make([]byte, 100)))
	br := bufio.NewReader(&repeatReader{data: data})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := br.Discard(100); err != nil {
			b.Fatal(err)
		}
		_ = resp
	}
}
