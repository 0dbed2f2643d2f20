package perf

import (
	"net"
	"testing"
	"time"
)

// BenchmarkRuntimeCosts prices what the proxy pays per request besides the
// system calls: a clock read and a socket deadline (a runtime timer
// modification under the poll descriptor's lock). The proxy does about ten
// clock reads and four to six deadline changes per request, next to four
// system calls of 1-3 µs each.
func BenchmarkRuntimeCosts(b *testing.B) {
	b.Run("time.Now", func(b *testing.B) {
		var t time.Time
		for i := 0; i < b.N; i++ {
			t = time.Now()
		}
		_ = t
	})
	b.Run("SetReadDeadline", func(b *testing.B) {
		c := loopbackConn(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
		}
	})
	b.Run("SetDeadline-zero", func(b *testing.B) {
		c := loopbackConn(b)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
			_ = c.SetDeadline(time.Time{})
		}
	})
}

// loopbackConn is one end of a loopback TCP connection, closed with tb.
func loopbackConn(tb testing.TB) net.Conn {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	done := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- nil
			return
		}
		done <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	peer := <-done
	tb.Cleanup(func() {
		c.Close()
		if peer != nil {
			peer.Close()
		}
	})
	return c
}
