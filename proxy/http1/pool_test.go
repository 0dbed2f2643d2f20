package http1

import (
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection; both are closed when the
// test ends.
func tcpPair(t testing.TB) (client, server *net.TCPConn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return c.(*net.TCPConn), s.(*net.TCPConn)
}

// TestPooledReaderIdle checks that a Reader with a BufferPool holds no buffer after
// Release, waits for the next request without one, and parses it.
func TestPooledReaderIdle(t *testing.T) {
	client, server := tcpPair(t)
	pool := NewBufferPool(0)
	rd := NewReader(server, Options{Buffers: pool})
	if rd.raw == nil {
		t.Fatal("no RawConn for a TCP connection")
	}
	var req Request
	for i, path := range []string{"/1", "/2", "/3"} {
		go func() {
			time.Sleep(20 * time.Millisecond) // the reader waits idle first
			_, _ = io.WriteString(client, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
		}()
		if err := rd.ReadRequest(&req); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if string(req.Path) != path {
			t.Fatalf("request %d: path %q", i, req.Path)
		}
		rd.Release()
		if rd.buf != nil {
			t.Fatalf("buffer held after Release")
		}
	}
	_ = server.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if err := rd.ReadRequest(&req); err == nil {
		t.Fatal("read past the deadline succeeded")
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("deadline: %v, want a timeout", err)
	}
	_ = server.SetReadDeadline(time.Time{})
	client.Close()
	if err := rd.ReadRequest(&req); err != ErrClosedBeforeRequest {
		t.Fatalf("after close: %v", err)
	}
}

// BenchmarkReadRequestTCPPooled is the keep-alive client path as the proxy runs it:
// a request arrives on a TCP connection, is parsed, and the buffer goes back to the
// pool before the next one.
func BenchmarkReadRequestTCPPooled(b *testing.B) {
	client, server := tcpPair(b)
	rd := NewReader(server, Options{Buffers: NewBufferPool(0)})
	var req Request
	msg := []byte(browserRequest)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := client.Write(msg); err != nil {
			b.Fatal(err)
		}
		if err := rd.ReadRequest(&req); err != nil {
			b.Fatal(err)
		}
		rd.Release()
	}
}
