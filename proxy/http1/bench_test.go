package http1

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// browserRequest is a typical browser request: 10 headers, ~600 bytes.
const browserRequest = "GET /static/app/main.css?v=1699999999 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"Connection: keep-alive\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n" +
	"Accept: text/css,*/*;q=0.1\r\n" +
	"Sec-Fetch-Site: same-origin\r\n" +
	"Sec-Fetch-Mode: no-cors\r\n" +
	"Sec-Fetch-Dest: style\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"Accept-Encoding: gzip, deflate, br\r\n" +
	"Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n" +
	"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n" +
	"\r\n"

const upstreamResponse = "HTTP/1.1 200 OK\r\n" +
	"Date: Sat, 21 Nov 2026 06:00:00 GMT\r\n" +
	"Server: Apache/2.4.57 (Debian)\r\n" +
	"Last-Modified: Fri, 20 Nov 2026 10:00:00 GMT\r\n" +
	"ETag: \"64-5f0a1b2c3d4e5\"\r\n" +
	"Accept-Ranges: bytes\r\n" +
	"Content-Length: 100\r\n" +
	"Keep-Alive: timeout=5, max=100\r\n" +
	"Connection: Keep-Alive\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"\r\n"

// repeatReader serves the same bytes over and over, like a keep-alive connection
// carrying one request after another.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off += n
	if r.off == len(r.data) {
		r.off = 0
	}
	return n, nil
}

func BenchmarkReadRequest(b *testing.B) {
	rd := NewReader(&repeatReader{data: []byte(browserRequest)}, Options{})
	var req Request
	b.SetBytes(int64(len(browserRequest)))
	b.ReportAllocs()
	for b.Loop() {
		if err := rd.ReadRequest(&req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadResponse(b *testing.B) {
	body := strings.Repeat("x", 100)
	rd := NewReader(&repeatReader{data: []byte(upstreamResponse + body)}, Options{})
	var resp Response
	var br BodyReader
	b.SetBytes(int64(len(upstreamResponse) + len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := rd.ReadResponse(&resp, false); err != nil {
			b.Fatal(err)
		}
		br.ResetForResponse(rd, &resp)
		if _, err := br.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendRequestHead(b *testing.B) {
	rd := NewReader(strings.NewReader(browserRequest), Options{})
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRequestHead(buf[:0], req.Method, req.Target, 1, &req.Header)
	}
}

func BenchmarkChunkedDecode(b *testing.B) {
	var wire bytes.Buffer
	cw := NewChunkedWriter(&wire)
	chunk := bytes.Repeat([]byte("a"), 8192)
	for range 128 { // 1 MiB in 8 KiB chunks
		_, _ = cw.Write(chunk)
	}
	_ = cw.Close(nil)
	data := wire.Bytes()
	src := bytes.NewReader(data)
	rd := NewReader(src, Options{})
	var br BodyReader
	b.SetBytes(128 * 8192)
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(data)
		rd.Reset(src)
		br.ResetChunked(rd, true)
		if _, err := br.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChunkedEncode(b *testing.B) {
	cw := NewChunkedWriter(io.Discard)
	chunk := bytes.Repeat([]byte("a"), 8192)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = cw.Write(chunk)
	}
}
