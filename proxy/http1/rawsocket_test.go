package http1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func rawOrSkip(t *testing.T, c net.Conn) *RawSocket {
	t.Helper()
	rs := NewRawSocket(c)
	if rs == nil {
		if runtime.GOOS == "linux" {
			t.Fatal("no raw socket for a TCP connection on Linux")
		}
		t.Skip("raw socket I/O is Linux-only")
	}
	return rs
}

func TestRawSocketReadWrite(t *testing.T) {
	a, b := tcpPair(t)
	ra, rb := rawOrSkip(t, a), rawOrSkip(t, b)
	msg := []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if n, err := ra.Write(msg); n != len(msg) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	got := make([]byte, 100)
	n, err := rb.Read(got)
	if err != nil || !bytes.Equal(got[:n], msg) {
		t.Fatalf("Read = %q, %v", got[:n], err)
	}
	if n, err := rb.Read(nil); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v", n, err)
	}
	// The peer's FIN is io.EOF, as net.Conn reports it.
	a.CloseWrite()
	if n, err := rb.Read(got); n != 0 || err != io.EOF {
		t.Fatalf("Read after FIN = %d, %v; want 0, io.EOF", n, err)
	}
}

// TestRawSocketWritevLarge writes more than the socket buffers hold, in many
// buffers (more than one sendmsg's worth of iovecs), so that partial writes
// and waits for writability happen; the reader must see every byte in order
// and the caller's list must be untouched.
func TestRawSocketWritevLarge(t *testing.T) {
	a, b := tcpPair(t)
	ra := rawOrSkip(t, a)
	var bufs [][]byte
	var want []byte
	for i := 0; i < 200; i++ { // more than one sendmsg takes (maxIovecs)
		p := bytes.Repeat([]byte{byte('a' + i%26)}, 1+(i*7919)%40000)
		if i%5 == 0 {
			p = nil // empty buffers are skipped
		}
		bufs = append(bufs, p)
		want = append(want, p...)
	}
	saved := append([][]byte(nil), bufs...)
	done := make(chan []byte)
	go func() {
		got, _ := io.ReadAll(b)
		done <- got
	}()
	n, err := ra.Writev(bufs)
	if err != nil || n != int64(len(want)) {
		t.Fatalf("Writev = %d, %v; want %d", n, err, len(want))
	}
	for i := range bufs {
		if len(bufs[i]) != len(saved[i]) || (len(bufs[i]) > 0 && &bufs[i][0] != &saved[i][0]) {
			t.Fatalf("Writev modified the caller's buffer %d", i)
		}
	}
	a.Close()
	if got := <-done; !bytes.Equal(got, want) {
		t.Fatalf("read %d bytes, want %d (equal prefix %d)", len(got), len(want), commonPrefix(got, want))
	}
}

func commonPrefix(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func TestRawSocketDeadlines(t *testing.T) {
	a, _ := tcpPair(t)
	ra := rawOrSkip(t, a)
	_ = a.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := ra.Read(make([]byte, 10))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Read past the deadline: %v, want a timeout", err)
	}
	// A write that cannot complete (the peer never reads) times out too.
	_ = a.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	big := make([]byte, 64<<20)
	n, err := ra.Write(big)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n >= len(big) {
		t.Fatalf("Write past the deadline: %d, %v", n, err)
	}
}

func TestRawSocketErrors(t *testing.T) {
	a, b := tcpPair(t)
	ra := rawOrSkip(t, a)
	// The peer resets the connection: the error carries the errno as the
	// net package's would (the proxy logs "104: Connection reset by peer").
	b.SetLinger(0)
	b.Close()
	time.Sleep(20 * time.Millisecond)
	_, err := ra.Read(make([]byte, 10))
	var errno syscall.Errno
	var op *net.OpError
	if !errors.As(err, &errno) || errno != syscall.ECONNRESET || !errors.As(err, &op) || op.Op != "read" {
		t.Fatalf("Read after RST: %v, want an OpError with ECONNRESET", err)
	}
	_, err = ra.Write([]byte("x"))
	if err == nil {
		// The first write after a reset may still be accepted by the kernel.
		_, err = ra.Write([]byte("x"))
	}
	if err == nil {
		t.Fatal("Write after RST succeeded")
	}
	// Our own close: net.ErrClosed, as net.Conn.
	a.Close()
	if _, err := ra.Read(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v, want net.ErrClosed", err)
	}
}

func TestWrapSocket(t *testing.T) {
	a, b := tcpPair(t)
	w := WrapSocket(a)
	if runtime.GOOS != "linux" {
		if w != a {
			t.Fatal("WrapSocket wrapped a connection without raw I/O")
		}
		return
	}
	sc, ok := w.(*SocketConn)
	if !ok {
		t.Fatalf("WrapSocket(TCPConn) = %T", w)
	}
	if _, err := sc.SyscallConn(); err != nil {
		t.Fatalf("SyscallConn: %v", err)
	}
	if _, err := w.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := sc.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	got, err := io.ReadAll(b)
	if err != nil || string(got) != "ping" {
		t.Fatalf("peer read %q, %v", got, err)
	}
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	if WrapSocket(p1) != p1 {
		t.Fatal("an in-memory connection must not be wrapped")
	}
	// A Reader over the wrapper still waits for idle requests without a
	// buffer (it needs the wrapped SyscallConn).
	rd := NewReader(w, Options{Buffers: NewBufferPool(0)})
	if rd.raw == nil {
		t.Fatal("Reader over a SocketConn has no idle wait")
	}
}

func TestRawSocketAllocs(t *testing.T) {
	a, b := tcpPair(t)
	ra, rb := rawOrSkip(t, a), rawOrSkip(t, b)
	msg := []byte("0123456789")
	buf := make([]byte, 64)
	bufs := [][]byte{msg[:4], msg[4:]}
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := ra.Writev(bufs); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(rb, buf[:len(msg)]); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per write+read, want 0", allocs)
	}
}

// BenchmarkSocketRoundTrip is one small write and read over loopback through
// the raw socket path and through net.Conn, for comparison.
func BenchmarkSocketRoundTrip(b *testing.B) {
	for _, raw := range []bool{false, true} {
		name := "net.Conn"
		if raw {
			name = "RawSocket"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				buf := make([]byte, 128)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			var rw io.ReadWriter = c
			if raw {
				if rs := NewRawSocket(c); rs != nil {
					rw = rs
				} else {
					b.Skip("raw socket I/O is Linux-only")
				}
			}
			msg := make([]byte, 100)
			buf := make([]byte, 128)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := rw.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(rw, buf[:len(msg)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// readFromRecorder is a TCP connection that records what its ReadFrom is
// given, to see that SocketConn hands the kernel-copy paths (sendfile,
// splice) a source *net.TCPConn recognises.
type readFromRecorder struct {
	*net.TCPConn
	got io.Reader
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.got = src
	return r.TCPConn.ReadFrom(src)
}

func TestSocketConnReadFrom(t *testing.T) {
	const payload = "0123456789abcdef"
	file := func(t *testing.T) *os.File {
		f, err := os.CreateTemp(t.TempDir(), "body")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		if _, err := f.WriteString(payload); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		return f
	}
	// socket is a SocketConn with payload waiting to be read, its peer
	// closed for writing.
	socket := func(t *testing.T) *SocketConn {
		a, b := tcpPair(t)
		if _, err := b.Write([]byte(payload)); err != nil {
			t.Fatal(err)
		}
		b.CloseWrite()
		return &SocketConn{Conn: a, rs: rawOrSkip(t, a)}
	}
	tests := []struct {
		name  string
		src   func(t *testing.T) io.Reader
		want  string
		left  int64  // N left in an io.LimitedReader source
		given string // the source's type the TCPConn's ReadFrom sees
	}{
		// An *os.File copies itself (its WriteTo finds the socket through
		// SyscallConn and uses sendfile); so does a bytes.Reader, by Write.
		{"file", func(t *testing.T) io.Reader { return file(t) }, payload, -1, "<nil>"},
		{"file limited", func(t *testing.T) io.Reader { return &io.LimitedReader{R: file(t), N: 10} }, payload[:10], 0, "*io.LimitedReader(*os.File)"},
		{"socket", func(t *testing.T) io.Reader { return socket(t) }, payload, -1, "*net.TCPConn"},
		{"socket limited", func(t *testing.T) io.Reader { return &io.LimitedReader{R: socket(t), N: 100} }, payload, 100 - int64(len(payload)), "*io.LimitedReader(*net.TCPConn)"},
		{"other", func(t *testing.T) io.Reader { return bytes.NewReader([]byte(payload)) }, payload, -1, "<nil>"},
	}
	typeName := func(r io.Reader) string {
		if lr, ok := r.(*io.LimitedReader); ok {
			return fmt.Sprintf("%T(%T)", lr, lr.R)
		}
		return fmt.Sprintf("%T", r)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tcpPair(t)
			rec := &readFromRecorder{TCPConn: a}
			dst := &SocketConn{Conn: rec, rs: rawOrSkip(t, a)}
			src := tt.src(t)
			n, err := io.Copy(dst, src)
			if err != nil || n != int64(len(tt.want)) {
				t.Fatalf("io.Copy = %d, %v; want %d", n, err, len(tt.want))
			}
			if got := typeName(rec.got); got != tt.given {
				t.Errorf("the socket's ReadFrom got a %s, want %s", got, tt.given)
			}
			if lr, ok := src.(*io.LimitedReader); ok && lr.N != tt.left {
				t.Errorf("LimitedReader.N = %d after the copy, want %d", lr.N, tt.left)
			}
			a.CloseWrite()
			got, err := io.ReadAll(b)
			if err != nil || string(got) != tt.want {
				t.Fatalf("peer read %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
