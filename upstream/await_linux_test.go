//go:build linux

package upstream

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"sliceproxy/internal/rawsys"
)

// TestWriteAndAwait: the request arrives whole, the call returns once the
// response starts arriving (or the read deadline passes, or the upstream
// closes), and the Read that follows sees what the wait saw. A request
// larger than the socket takes at once falls back to Writev and is not
// awaited.
func TestWriteAndAwait(t *testing.T) {
	head, body := []byte("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n"), []byte("data")
	big := bytes.Repeat([]byte("b"), 16<<20)
	tests := []awaitCase{
		{
			name: "response after a delay",
			bufs: [][]byte{head, body},
			upstream: func(t *testing.T, s net.Conn, n int) {
				readN(t, s, n)
				time.Sleep(50 * time.Millisecond)
				_, _ = s.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
			},
			deadline: 10 * time.Second,
			awaited:  true,
			read: func(t *testing.T, got []byte, err error) {
				if err != nil || !bytes.HasPrefix(got, []byte("HTTP/1.1 204")) {
					t.Fatalf("read %q, %v", got, err)
				}
			},
		},
		{
			name:     "no response: the read deadline passes",
			bufs:     [][]byte{head},
			upstream: func(t *testing.T, s net.Conn, n int) { readN(t, s, n) },
			deadline: 100 * time.Millisecond,
			awaited:  true,
			read: func(t *testing.T, got []byte, err error) {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("read %q, %v; want the deadline", got, err)
				}
			},
		},
		{
			name: "upstream closes without answering",
			bufs: [][]byte{head, body},
			upstream: func(t *testing.T, s net.Conn, n int) {
				readN(t, s, n)
				s.Close()
			},
			deadline: 10 * time.Second,
			awaited:  true,
			read: func(t *testing.T, got []byte, err error) {
				if err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("read %q, %v; want the end of the stream", got, err)
				}
			},
		},
		{
			name: "larger than the socket takes: Writev, not awaited",
			bufs: [][]byte{head, big},
			upstream: func(t *testing.T, s net.Conn, n int) {
				time.Sleep(50 * time.Millisecond) // let the send fill the buffers
				readN(t, s, n)
				_, _ = s.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
			},
			deadline: 10 * time.Second,
			awaited:  false,
			read: func(t *testing.T, got []byte, err error) {
				if err != nil || !bytes.HasPrefix(got, []byte("HTTP/1.1 200")) {
					t.Fatalf("read %q, %v", got, err)
				}
			},
		},
	}
	for _, tc := range tests {
		for _, raw := range []bool{false, true} {
			name := tc.name
			if raw {
				name += " (RawSocketIO)"
			}
			t.Run(name, func(t *testing.T) { tc.run(t, raw) })
		}
	}
}

// awaitCase is one TestWriteAndAwait case.
type awaitCase struct {
	name     string
	bufs     [][]byte
	upstream func(t *testing.T, s net.Conn, request int) // reads the request, then acts
	deadline time.Duration
	awaited  bool
	read     func(t *testing.T, got []byte, err error) // the Read after the call
}

func (tc awaitCase) run(t *testing.T, raw bool) {
	srv, c := dialTestConn(t, raw)
	s := srv.accept(t)
	total := 0
	for _, b := range tc.bufs {
		total += len(b)
	}
	lens := []int{len(tc.bufs[0]), len(tc.bufs[len(tc.bufs)-1])}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tc.upstream(t, s, total)
	}()
	_ = c.SetReadDeadline(time.Now().Add(tc.deadline))
	n, awaited, err := c.WriteAndAwait(tc.bufs)
	if err != nil || n != int64(total) || awaited != tc.awaited {
		t.Fatalf("WriteAndAwait = %d, %v, %v; want %d, %v, nil", n, awaited, err, total, tc.awaited)
	}
	if len(tc.bufs[0]) != lens[0] || len(tc.bufs[len(tc.bufs)-1]) != lens[1] {
		t.Fatal("WriteAndAwait changed the caller's buffers")
	}
	if tc.name == "response after a delay" && !readableNow(t, c) {
		t.Fatal("WriteAndAwait returned before the response arrived")
	}
	got := make([]byte, 64)
	m, rerr := c.Read(got)
	tc.read(t, got[:m], rerr)
	<-done
}

// readableNow peeks at c's socket without waiting.
func readableNow(t *testing.T, c *Conn) bool {
	rc, err := c.Conn.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	_ = rc.Control(func(fd uintptr) { n, _ = rawsys.Peek(fd) })
	return n > 0
}

// readN reads exactly n bytes of the request, failing the test otherwise.
func readN(t *testing.T, s net.Conn, n int) {
	_ = s.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.CopyN(io.Discard, s, int64(n)); err != nil {
		t.Errorf("upstream read the request: %v", err)
	}
}

// TestWriteAndAwaitClosed: a connection closed before the call reports the
// send failure and waits for nothing.
func TestWriteAndAwaitClosed(t *testing.T) {
	_, c := dialTestConn(t, false)
	c.Conn.Close()
	n, awaited, err := c.WriteAndAwait([][]byte{[]byte("GET / HTTP/1.1\r\n\r\n")})
	if !errors.Is(err, net.ErrClosed) || n != 0 || awaited {
		t.Fatalf("WriteAndAwait = %d, %v, %v; want net.ErrClosed", n, awaited, err)
	}
}

// TestWriteAndAwaitAllocatesNothing: the request path stays allocation free.
func TestWriteAndAwaitAllocatesNothing(t *testing.T) {
	srv, c := dialTestConn(t, false)
	s := srv.accept(t)
	go func() { // an echo upstream
		buf := make([]byte, 64)
		for {
			n, err := s.Read(buf)
			if err != nil {
				return
			}
			if _, err := s.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	bufs := [][]byte{[]byte("head"), []byte("body")}
	sink := make([]byte, 8)
	_ = c.SetReadDeadline(time.Now().Add(time.Minute))
	allocs := testing.AllocsPerRun(100, func() {
		if _, awaited, err := c.WriteAndAwait(bufs); err != nil || !awaited {
			t.Fatalf("WriteAndAwait: awaited %v, %v", awaited, err)
		}
		if _, err := io.ReadFull(c, sink); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per request, want 0", allocs)
	}
}
