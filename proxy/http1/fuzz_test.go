package http1

import (
	"bytes"
	"io"
	"testing"
)

func FuzzReadRequest(f *testing.F) {
	for _, tc := range requestCases {
		f.Add([]byte(tc.raw))
	}
	f.Add([]byte(browserRequest))
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := Options{HeaderBufferSize: 64, LargeHeaderBuffers: 2, LargeHeaderBufferSize: 256}
		rd := NewReader(bytes.NewReader(data), opt)
		var req Request
		err := rd.ReadRequest(&req)
		if err != nil {
			if _, ok := err.(*Error); !ok && err != ErrClosedBeforeRequest {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if req.HeadLength > len(data) || len(req.Method) == 0 {
			t.Fatalf("HeadLength %d of %d, method %q", req.HeadLength, len(data), req.Method)
		}
		if req.Chunked && req.ContentLength != -1 {
			t.Fatalf("chunked with a length")
		}
		if req.Chunked && req.Header.Count("content-length") > 0 {
			t.Fatalf("chunked request with Content-Length accepted")
		}
		// The body reader never panics and never reads past what is there.
		var body BodyReader
		body.ResetForRequest(rd, &req)
		_, _ = io.Copy(io.Discard, &body)

		// What we parsed re-serialises into a head that parses the same.
		head := AppendRequestHead(nil, req.Method, req.Target, req.ProtoMinor, &req.Header)
		if req.Host != nil {
			return // absolute-form: the target we keep is only the path part
		}
		var again Request
		if err := NewReader(bytes.NewReader(head), Options{KeepInvalidHeaders: true, UnderscoresInHeaders: true}).ReadRequest(&again); err != nil {
			t.Fatalf("re-parse of %q: %v", head, err)
		}
		if !bytes.Equal(again.Method, req.Method) || !bytes.Equal(again.Target, req.Target) ||
			again.Header.Len() != req.Header.Len() || again.ContentLength != req.ContentLength ||
			again.Chunked != req.Chunked {
			t.Fatalf("round trip differs: %q", head)
		}
		for i, f := range req.Header.Fields {
			g := again.Header.Fields[i]
			if !bytes.Equal(f.Name, g.Name) || !bytes.Equal(f.Value, g.Value) {
				t.Fatalf("field %d: %q: %q became %q: %q", i, f.Name, f.Value, g.Name, g.Value)
			}
		}
	})
}

func FuzzChunked(f *testing.F) {
	for _, s := range []string{
		"5\r\nhello\r\n0\r\n\r\n", "2\r\nhe\r\n3;x=y\r\nllo\r\n0\r\nT: v\r\n\r\n",
		"0\r\n\r\n", "A\r\n0123456789\r\n0\r\n\r\n", "5\nhello\r\n0\r\n\r\n", "ffffffffffffffff\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := Options{MaxChunkSizeLine: 64, MaxTrailerSize: 128}
		rd := NewReader(bytes.NewReader(data), opt)
		var b BodyReader
		b.ResetChunked(rd, false)
		var payload bytes.Buffer
		_, err := io.Copy(&payload, struct{ io.Reader }{&b}) // Read path
		// The WriteTo path decodes the same bytes with the same verdict.
		var b2 BodyReader
		b2.ResetChunked(NewReader(bytes.NewReader(data), opt), false)
		var viaWriteTo bytes.Buffer
		_, err2 := b2.WriteTo(&viaWriteTo)
		if StatusOf(err) != StatusOf(err2) || (err == nil) != (err2 == nil) {
			t.Fatalf("Read: %v, WriteTo: %v", err, err2)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if !bytes.Equal(payload.Bytes(), viaWriteTo.Bytes()) {
			t.Fatalf("Read and WriteTo decode differently")
		}
		if b.Consumed() > int64(len(data)) {
			t.Fatalf("consumed %d of %d bytes", b.Consumed(), len(data))
		}
		// Re-chunk and decode again: same payload and trailers.
		var wire bytes.Buffer
		cw := NewChunkedWriter(&wire)
		if _, err := cw.Write(payload.Bytes()); err != nil {
			t.Fatal(err)
		}
		if err := cw.Close(&b.Trailer); err != nil {
			t.Fatal(err)
		}
		var b3 BodyReader
		b3.ResetChunked(NewReader(&wire, Options{MaxTrailerSize: 1 << 20}), false)
		var again bytes.Buffer
		if _, err := io.Copy(&again, &b3); err != nil {
			t.Fatalf("re-decode: %v (%q)", err, wire.Bytes())
		}
		if !bytes.Equal(again.Bytes(), payload.Bytes()) || b3.Trailer.Len() != b.Trailer.Len() {
			t.Fatalf("round trip differs")
		}
	})
}

func FuzzReadResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nbody",
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 403.1 Forbidden\r\nKeep-Alive: timeout=5, max=10\r\nContent-Length: 0\r\n\r\n",
	} {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		rd := NewReader(bytes.NewReader(data), Options{ResponseHeaderSize: 512})
		var resp Response
		if err := rd.ReadResponse(&resp, head); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if resp.Chunked && resp.Header.Count("content-length") > 0 {
			t.Fatalf("both framings accepted")
		}
		if resp.KeepAlive && resp.UntilClose {
			t.Fatalf("keep-alive with a body delimited by close")
		}
		if resp.Status < 100 || resp.Status > 999 || resp.HeadLength > len(data) {
			t.Fatalf("status %d head %d", resp.Status, resp.HeadLength)
		}
		var body BodyReader
		body.ResetForResponse(rd, &resp)
		_, _ = body.WriteTo(io.Discard)
	})
}

func FuzzNormalizePath(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "/a//b/./c", "/%2e%2e/", "/a%2Fb", "/%zz", "?x", "/a/b/..", "/..."} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, target []byte, merge bool) {
		if len(target) == 0 || (target[0] != '/' && target[0] != '?') {
			return
		}
		out, err := NormalizePath(nil, target, merge)
		if err != nil {
			if StatusOf(err) != 400 {
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(out) == 0 || out[0] != '/' {
			t.Fatalf("%q -> %q: not absolute", target, out)
		}
		for _, seg := range bytes.Split(out, []byte("/"))[1:] {
			if string(seg) == "." || string(seg) == ".." {
				t.Fatalf("%q -> %q: dot segment left", target, out)
			}
		}
		if merge && bytes.Contains(out, []byte("//")) {
			t.Fatalf("%q -> %q: slashes not merged", target, out)
		}
	})
}
