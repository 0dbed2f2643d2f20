package http1

import (
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
