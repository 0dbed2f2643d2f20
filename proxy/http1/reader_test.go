package http1

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestUntilCloseAndTunnel reads an until-close body the three ways the proxy may:
// small reads through the buffer, large reads that bypass it, and WriteTo.
func TestUntilCloseAndTunnel(t *testing.T) {
	payload := strings.Repeat("0123456789", 2000)
	raw := "HTTP/1.1 200 OK\r\n\r\n" + payload
	for _, mode := range []string{"small", "large", "writeto", "discard"} {
		t.Run(mode, func(t *testing.T) {
			rd := NewReader(&oneByteReaderChunks{s: raw, n: 700}, Options{})
			var resp Response
			if err := rd.ReadResponse(&resp, false); err != nil || !resp.UntilClose || resp.KeepAlive {
				t.Fatalf("%v untilclose=%v keepalive=%v", err, resp.UntilClose, resp.KeepAlive)
			}
			var b BodyReader
			b.ResetForResponse(rd, &resp)
			var out bytes.Buffer
			var err error
			switch mode {
			case "small":
				buf := make([]byte, 100)
				for err == nil {
					var n int
					n, err = b.Read(buf)
					out.Write(buf[:n])
				}
			case "large":
				buf := make([]byte, 64<<10)
				for err == nil {
					var n int
					n, err = b.Read(buf)
					out.Write(buf[:n])
				}
			case "writeto":
				_, err = b.WriteTo(&out)
				if err == nil {
					err = io.EOF
				}
			case "discard":
				var n int64
				n, err = b.Discard(1 << 20)
				out.WriteString(payload[:n])
				if err == nil {
					err = io.EOF
				}
			}
			if err != io.EOF || out.String() != payload {
				t.Fatalf("err %v, got %d bytes of %d", err, out.Len(), len(payload))
			}
			if b.Consumed() != int64(len(payload)) || rd.BytesRead() != int64(len(raw)) {
				t.Errorf("consumed %d, read %d", b.Consumed(), rd.BytesRead())
			}
			if string(resp.StatusLine) != "HTTP/1.1 200 OK" {
				t.Errorf("head slice changed while the body streamed: %q", resp.StatusLine)
			}
		})
	}
}

// oneByteReaderChunks returns at most n bytes per Read.
type oneByteReaderChunks struct {
	s string
	n int
}

func (r *oneByteReaderChunks) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.n)], r.s)
	r.s = r.s[n:]
	return n, nil
}

// TestReaderReuse runs two upstream exchanges through one Reader with Reset, as the
// proxy does for each attempt, and a Content-Length body via ResetLength.
func TestReaderReuse(t *testing.T) {
	rd := NewReader(strings.NewReader("HTTP/1.1 204 No Content\r\n\r\n"), Options{})
	var resp Response
	if err := rd.ReadResponse(&resp, false); err != nil || resp.Status != 204 || resp.HasBody() {
		t.Fatalf("first: %v %d", err, resp.Status)
	}
	rd.Reset(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbodyEXTRA"))
	if rd.BytesRead() != 0 || rd.Buffered() != 0 {
		t.Fatalf("Reset kept state: read %d buffered %d", rd.BytesRead(), rd.Buffered())
	}
	if err := rd.ReadResponse(&resp, false); err != nil || !resp.HasBody() {
		t.Fatal(err)
	}
	var b BodyReader
	b.ResetLength(rd, resp.ContentLength, true)
	body, err := io.ReadAll(&b)
	if err != nil || string(body) != "body" || b.PayloadRead() != 4 {
		t.Fatalf("%q %v", body, err)
	}
	// Bytes after the response: the proxy must not pool such a connection.
	if rd.Buffered() != len("EXTRA") {
		t.Errorf("Buffered = %d, want 5", rd.Buffered())
	}
}

func TestTruncatedBodies(t *testing.T) {
	for _, c := range []struct {
		name     string
		raw      string
		upstream bool
		status   int
	}{
		{"client length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc", false, 400},
		{"client chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", false, 400},
	} {
		rd := NewReader(strings.NewReader(c.raw), Options{})
		var req Request
		if err := rd.ReadRequest(&req); err != nil {
			t.Fatal(err)
		}
		var b BodyReader
		b.ResetForRequest(rd, &req)
		_, err := io.ReadAll(&b)
		if e, ok := err.(*Error); !ok || e.Status != c.status || e.Msg != msgPrematureClose {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	rd := NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), Options{})
	var resp Response
	if err := rd.ReadResponse(&resp, false); err != nil {
		t.Fatal(err)
	}
	var b BodyReader
	b.ResetForResponse(rd, &resp)
	if _, err := b.WriteTo(io.Discard); StatusOf(err) != 502 {
		t.Errorf("upstream truncated: %v", err)
	}
}

func TestTrailerFramingFieldsDropped(t *testing.T) {
	raw := "0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nHost: evil\r\nX-Ok: 1\r\n\r\n"
	var b BodyReader
	b.ResetChunked(NewReader(strings.NewReader(raw), Options{}), false)
	if _, err := io.ReadAll(&b); err != nil {
		t.Fatal(err)
	}
	if b.Trailer.Len() != 1 || !b.Trailer.Has("X-Ok") {
		t.Errorf("trailer %q", b.Trailer.Fields)
	}
}

func TestErrorString(t *testing.T) {
	e := newError(400, msgInvalidHeaderLine, []byte("Foo Bar: x"))
	if got := e.Error(); got != `client sent invalid header line: "Foo Bar: x" (400)` {
		t.Errorf("%q", got)
	}
	if StatusOf(io.EOF) != 0 || StatusOf(e) != 400 {
		t.Error("StatusOf")
	}
	long := newError(400, "m", bytes.Repeat([]byte("a"), 1000))
	if len(long.Detail) != maxDetail {
		t.Errorf("detail not bounded: %d", len(long.Detail))
	}
}
