package http1

import (
	"io"
	"net"
	"syscall"
)

// SocketConn is a net.Conn whose Read and Write go through a RawSocket
// (Linux TCP and unix sockets): the proxy wraps accepted client connections
// in it. Everything else (deadlines, addresses, Close, CloseWrite,
// SyscallConn) is the wrapped connection's.
type SocketConn struct {
	net.Conn
	rs *RawSocket
}

// WrapSocket returns c wrapped in a SocketConn when raw socket I/O is
// available for it, else c itself.
func WrapSocket(c net.Conn) net.Conn {
	rs := NewRawSocket(c)
	if rs == nil {
		return c
	}
	return &SocketConn{Conn: c, rs: rs}
}

// Read implements net.Conn.
func (c *SocketConn) Read(p []byte) (int, error) { return c.rs.Read(p) }

// Write implements net.Conn.
func (c *SocketConn) Write(p []byte) (int, error) { return c.rs.Write(p) }

// Writev writes the buffers in order, in one system call when the kernel
// takes them all.
func (c *SocketConn) Writev(bufs [][]byte) (int64, error) { return c.rs.Writev(bufs) }

// ReadFrom copies r to the socket with the wrapped connection's ReadFrom,
// so that a file still goes out with sendfile and another socket's data with
// splice (io.Copy prefers it, and *net.TCPConn recognises only its own
// kind). A SocketConn source, alone or under an io.LimitedReader, is
// unwrapped for that: a RawSocket buffers nothing, so reading its
// connection directly skips no data.
func (c *SocketConn) ReadFrom(r io.Reader) (int64, error) {
	rf, ok := c.Conn.(io.ReaderFrom)
	if !ok {
		return io.Copy(writerOnly{c}, r)
	}
	switch src := r.(type) {
	case *SocketConn:
		return rf.ReadFrom(src.Conn)
	case *io.LimitedReader:
		if sc, ok := src.R.(*SocketConn); ok {
			inner := io.LimitedReader{R: sc.Conn, N: src.N}
			n, err := rf.ReadFrom(&inner)
			src.N = inner.N
			return n, err
		}
	}
	return rf.ReadFrom(r)
}

// writerOnly hides a ReadFrom method from io.Copy, which would call it again.
type writerOnly struct{ io.Writer }

// SyscallConn is the wrapped connection's, so that a Reader can still wait
// for an idle connection without holding a buffer.
func (c *SocketConn) SyscallConn() (syscall.RawConn, error) {
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, syscall.EINVAL
	}
	return sc.SyscallConn()
}

// CloseWrite half-closes the wrapped connection (a tunnel's end of stream).
func (c *SocketConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return syscall.EINVAL
}

// Unwrap returns the wrapped connection.
func (c *SocketConn) Unwrap() net.Conn { return c.Conn }
