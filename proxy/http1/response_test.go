package http1

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestReadResponseTable(t *testing.T) {
	cases := []struct {
		name       string
		raw        string
		head       bool
		status     int    // response status, or 0 when an error is expected
		errMsg     string // expected Error.Msg when status == 0
		keepAlive  bool
		length     int64
		chunked    bool
		untilClose bool
		noBody     bool
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false, 200, "", true, 5, false, false, false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", false, 200, "", true, -1, true, false, false},
		{"until close", "HTTP/1.1 200 OK\r\n\r\nbody", false, 200, "", false, -1, false, true, false},
		{"http/1.0 never kept", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", false, 200, "", false, 0, false, false, false},
		{"connection close", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", false, 200, "", false, 0, false, false, false},
		{"204 no body", "HTTP/1.1 204 No Content\r\n\r\n", false, 204, "", true, -1, false, false, true},
		{"304 no body", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", false, 304, "", true, 10, false, false, true},
		{"HEAD no body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", true, 200, "", true, 10, false, false, true},
		{"100 skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", false, 201, "", true, 0, false, false, false},
		{"101 returned", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n", false, 101, "", false, -1, false, false, true},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", false, 200, "", true, 0, false, false, false},
		{"no reason", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", false, 200, "", true, 0, false, false, false},
		{"IIS status", "HTTP/1.1 403.1 Forbidden\r\nContent-Length: 0\r\n\r\n", false, 403, "", true, 0, false, false, false},
		{"IIS duplicate status line", "HTTP/1.1 200 OK\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", false, 200, "", true, 0, false, false, false},

		{"CL and TE", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, msgUpstreamCLAndTE, false, 0, false, false, false},
		{"TE and CL", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", false, 0, msgUpstreamCLAndTE, false, 0, false, false, false},
		{"two CL", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", false, 0, msgUpstreamDuplicateHeader, false, 0, false, false, false},
		{"two TE", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", false, 0, msgUpstreamDuplicateHeader, false, 0, false, false, false},
		{"bad CL", "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n", false, 0, msgUpstreamInvalidCL, false, 0, false, false, false},
		{"TE gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", false, 0, msgUpstreamUnknownTE, false, 0, false, false, false},
		{"not http", "SSH-2.0-OpenSSH\r\n\r\n", false, 0, msgUpstreamNoValidHeader, false, 0, false, false, false},
		{"http/0.9 body", "<html>hello</html>", false, 0, msgUpstreamNoValidHeader, false, 0, false, false, false},
		{"two digit status", "HTTP/1.1 20 OK\r\n\r\n", false, 0, msgUpstreamNoValidHeader, false, 0, false, false, false},
		{"status 4 digits", "HTTP/1.1 2000 OK\r\n\r\n", false, 0, msgUpstreamNoValidHeader, false, 0, false, false, false},
		{"space in header name", "HTTP/1.1 200 OK\r\nFoo Bar: 1\r\n\r\n", false, 0, msgUpstreamInvalidHeader, false, 0, false, false, false},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX: 1\r\n 2\r\n\r\n", false, 0, msgUpstreamInvalidHeader, false, 0, false, false, false},
		{"truncated head", "HTTP/1.1 200 OK\r\nContent-Len", false, 0, msgUpstreamPrematureClose, false, 0, false, false, false},
		{"nothing", "", false, 0, msgUpstreamPrematureClose, false, 0, false, false, false},
		{"too big", "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 5000) + "\r\n\r\n", false, 0, msgUpstreamTooBigHeader, false, 0, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rd := NewReader(&oneByteReader{s: c.raw}, Options{})
			var resp Response
			err := rd.ReadResponse(&resp, c.head)
			if c.status == 0 {
				e, ok := err.(*Error)
				if !ok || e.Msg != c.errMsg || e.Status != 502 {
					t.Fatalf("err %v, want 502 %q", err, c.errMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != c.status || resp.KeepAlive != c.keepAlive || resp.ContentLength != c.length ||
				resp.Chunked != c.chunked || resp.UntilClose != c.untilClose || resp.NoBody != c.noBody {
				t.Fatalf("got status=%d keepalive=%v length=%d chunked=%v untilclose=%v nobody=%v",
					resp.Status, resp.KeepAlive, resp.ContentLength, resp.Chunked, resp.UntilClose, resp.NoBody)
			}
		})
	}
}

func TestResponseDetails(t *testing.T) {
	raw := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Fine Thanks\r\nKeep-Alive: timeout=5, max=99\r\nContent-Length: 3\r\n\r\nabc"
	rd := NewReader(strings.NewReader(raw), Options{})
	var resp Response
	if err := rd.ReadResponse(&resp, false); err != nil {
		t.Fatal(err)
	}
	if resp.KeepAliveTimeout != 5*time.Second || resp.KeepAliveMax != 99 || !resp.KeepAliveMaxSet {
		t.Errorf("keep-alive %v %d", resp.KeepAliveTimeout, resp.KeepAliveMax)
	}
	if string(resp.Reason) != "Fine Thanks" || string(resp.StatusText) != "200 Fine Thanks" || resp.Skipped1xx != 1 {
		t.Errorf("reason %q text %q skipped %d", resp.Reason, resp.StatusText, resp.Skipped1xx)
	}
	if got := string(AppendUpstreamStatusLine(nil, &resp)); got != "HTTP/1.1 200 Fine Thanks\r\n" {
		t.Errorf("status line %q", got)
	}
	var body BodyReader
	body.ResetForResponse(rd, &resp)
	var out bytes.Buffer
	if _, err := body.WriteTo(&out); err != nil || out.String() != "abc" {
		t.Fatalf("body %q %v", out.String(), err)
	}
	if !body.Done() || body.Consumed() != 3 {
		t.Errorf("done=%v consumed=%d", body.Done(), body.Consumed())
	}
	if string(resp.StatusText) != "200 Fine Thanks" {
		t.Errorf("head slice changed by the body read")
	}
}

func TestUpstreamClosedSentinel(t *testing.T) {
	var resp Response
	err := NewReader(strings.NewReader(""), Options{}).ReadResponse(&resp, false)
	if err != ErrUpstreamClosed {
		t.Errorf("empty upstream: %v, want ErrUpstreamClosed", err)
	}
	err = NewReader(strings.NewReader("HTTP/1.1 2"), Options{}).ReadResponse(&resp, false)
	if err == ErrUpstreamClosed || StatusOf(err) != 502 {
		t.Errorf("partial response: %v, want another 502", err)
	}
}

func TestChunkedDecoding(t *testing.T) {
	cases := []struct {
		name    string
		raw     string
		want    string
		trailer string // "name=value"
		status  int    // expected error status, 0 = success
	}{
		{"simple", "5\r\nhello\r\n0\r\n\r\n", "hello", "", 0},
		{"two chunks", "2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n", "hello", "", 0},
		{"upper hex", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789", "", 0},
		{"extension", "5;name=value\r\nhello\r\n0;x\r\n\r\n", "hello", "", 0},
		{"trailer", "5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n", "hello", "X-Sum=42", 0},
		{"leading zeros", "0005\r\nhello\r\n0\r\n\r\n", "hello", "", 0},
		{"bare LF size", "5\nhello\r\n0\r\n\r\n", "", "", 400},
		{"bare LF after data", "5\r\nhello\n0\r\n\r\n", "", "", 400},
		{"missing CRLF after data", "5\r\nhelloX0\r\n\r\n", "", "", 400},
		{"negative size", "-5\r\nhello\r\n0\r\n\r\n", "", "", 400},
		{"0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", "", "", 400},
		{"empty size", "\r\nhello\r\n0\r\n\r\n", "", "", 400},
		{"overflow", "10000000000000000\r\n", "", "", 400},
		{"size then garbage", "5x\r\nhello\r\n0\r\n\r\n", "", "", 400},
		{"CR inside extension", "5;a\rb\r\nhello\r\n0\r\n\r\n", "", "", 400},
		{"long extension", "5;" + strings.Repeat("a", 5000) + "\r\nhello\r\n0\r\n\r\n", "", "", 400},
		{"truncated data", "5\r\nhel", "", "", 400},
		{"truncated trailer", "0\r\nX: 1\r\n", "", "", 400},
		{"huge trailer", "0\r\nX: " + strings.Repeat("a", 9000) + "\r\n\r\n", "", "", 400},
	}
	for _, c := range cases {
		for _, useWriteTo := range []bool{false, true} {
			t.Run(c.name, func(t *testing.T) {
				rd := NewReader(&oneByteReader{s: c.raw}, Options{})
				var b BodyReader
				b.ResetChunked(rd, false)
				var out bytes.Buffer
				var err error
				if useWriteTo {
					_, err = b.WriteTo(&out)
				} else {
					_, err = io.Copy(&out, struct{ io.Reader }{&b})
				}
				if c.status != 0 {
					if StatusOf(err) != c.status {
						t.Fatalf("err %v, want status %d", err, c.status)
					}
					return
				}
				if err != nil || out.String() != c.want {
					t.Fatalf("got %q %v, want %q", out.String(), err, c.want)
				}
				if b.Consumed() != int64(len(c.raw)) {
					t.Errorf("consumed %d of %d", b.Consumed(), len(c.raw))
				}
				if c.trailer != "" {
					name, value, _ := strings.Cut(c.trailer, "=")
					if v, ok := b.Trailer.Get(name); !ok || string(v) != value {
						t.Errorf("trailer %s = %q", name, v)
					}
				}
			})
		}
	}
}

func TestChunkedRoundTrip(t *testing.T) {
	var wire bytes.Buffer
	cw := NewChunkedWriter(&wire)
	payload := strings.Repeat("0123456789abcdef", 1000)
	for i := 0; i < len(payload); i += 1000 {
		if _, err := cw.Write([]byte(payload[i:min(i+1000, len(payload))])); err != nil {
			t.Fatal(err)
		}
	}
	var tr Header
	tr.Add([]byte("X-T"), []byte("v"))
	if err := cw.Close(&tr); err != nil {
		t.Fatal(err)
	}
	rd := NewReader(&wire, Options{})
	var b BodyReader
	b.ResetChunked(rd, true)
	var out bytes.Buffer
	var again bytes.Buffer
	if _, err := CopyChunked(NewChunkedWriter(&again), &b); err != nil {
		t.Fatal(err)
	}
	// Decode the re-chunked copy once more.
	rd2 := NewReader(&again, Options{})
	var b2 BodyReader
	b2.ResetChunked(rd2, true)
	if _, err := io.Copy(&out, &b2); err != nil {
		t.Fatal(err)
	}
	if out.String() != payload {
		t.Fatalf("payload differs after two round trips")
	}
	if v, _ := b2.Trailer.Get("x-t"); string(v) != "v" {
		t.Errorf("trailer lost: %q", v)
	}
}

func TestWriters(t *testing.T) {
	var h Header
	h.Add([]byte("Host"), []byte("example.com"))
	h.Add([]byte("X-A"), []byte("1"))
	got := string(AppendRequestHead(nil, []byte("GET"), []byte("/p?q"), 1, &h))
	want := "GET /p?q HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\n\r\n"
	if got != want {
		t.Errorf("request head %q", got)
	}
	for code, line := range map[int]string{
		504: "HTTP/1.1 504 Gateway Time-out\r\n",
		494: "HTTP/1.1 400 Bad Request\r\n",
		405: "HTTP/1.1 405 Not Allowed\r\n",
		299: "HTTP/1.1 299 \r\n",
	} {
		if got := string(AppendStatusLine(nil, code)); got != line {
			t.Errorf("%d: %q, want %q", code, got, line)
		}
	}
	if NeedsPadding([]byte("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36")) != true ||
		NeedsPadding([]byte("Mozilla/5.0 (X11; rv:120.0) Gecko/20100101 Firefox/120.0")) != false ||
		NeedsPadding([]byte("curl/8.0")) != false {
		t.Error("NeedsPadding")
	}
	resp := string(AppendErrorResponse(nil, 502, "nginx", nil, false, false))
	if !strings.HasPrefix(resp, "HTTP/1.1 502 Bad Gateway\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 150\r\nConnection: close\r\n\r\n<html>") {
		t.Errorf("error response %q", resp)
	}
}

func TestHeaderMethods(t *testing.T) {
	var h Header
	h.Add([]byte("A"), []byte("1"))
	h.Add([]byte("b"), []byte("2"))
	h.Add([]byte("a"), []byte("3"))
	if v, ok := h.Get("A"); !ok || string(v) != "1" {
		t.Errorf("Get")
	}
	if h.Count("a") != 2 || !h.Has("B") || h.Has("c") {
		t.Errorf("Count/Has")
	}
	h.Set([]byte("A"), []byte("9"))
	if h.Len() != 2 || string(h.Fields[0].Value) != "9" {
		t.Errorf("Set: %q", h.Fields)
	}
	if h.Del("b") != 1 || h.Len() != 1 {
		t.Errorf("Del")
	}
	n := 0
	h.Each(func(name, value []byte) bool { n++; return true })
	if n != 1 {
		t.Errorf("Each")
	}
}

func TestDiscard(t *testing.T) {
	raw := "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789" +
		"GET /3 HTTP/1.1\r\nHost: a\r\n\r\n"
	rd := NewReader(&oneByteReader{s: raw}, Options{})
	var req Request
	var b BodyReader
	for i, want := range []int64{3, 10, 0} {
		if err := rd.ReadRequest(&req); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		b.ResetForRequest(rd, &req)
		n, err := b.Discard(1 << 20)
		if err != nil || n != want {
			t.Fatalf("request %d: discarded %d %v, want %d", i+1, n, err, want)
		}
	}
	rd = NewReader(strings.NewReader("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789"), Options{})
	if err := rd.ReadRequest(&req); err != nil {
		t.Fatal(err)
	}
	b.ResetForRequest(rd, &req)
	if _, err := b.Discard(5); err == nil {
		t.Errorf("Discard over the limit succeeded")
	}
}
