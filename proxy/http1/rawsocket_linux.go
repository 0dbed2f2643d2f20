//go:build linux

package http1

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"sliceproxy/internal/rawsys"
)

// RawSocket does a TCP connection's reads and writes as direct recvfrom and
// sendmsg system calls made through the connection's syscall.RawConn: the
// netpoller still waits for readiness and deadlines still apply, but the
// calls skip the runtime's entersyscall/exitsyscall (the socket is
// non-blocking, so a call never blocks) and the kernel's read/write file
// path. With GOMAXPROCS=1 and the proxy sharing its CPU with the backend,
// that is what keeps sysmon from retaking the P whenever a loopback write
// wakes the backend, and a thread handoff per request (see proxy/perf).
//
// One Read and one Write may run at the same time (a net.Conn's contract);
// more readers or writers at once are serialised.
type RawSocket struct {
	rc   syscall.RawConn
	conn net.Conn // for error values that look like the net package's

	rmu    sync.Mutex
	rbuf   []byte
	rn     int
	rerr   error
	readFn func(fd uintptr) bool

	wmu     sync.Mutex
	wbufs   [][]byte // what is left to write, a window of wlist
	wlist   [][]byte // the caller's buffers copied, consumed in place
	wsingle [1][]byte
	wn      int64
	werr    error
	iov     []unix.Iovec
	writeFn func(fd uintptr) bool
}

// NewRawSocket returns the raw I/O of c, or nil when c is not a socket the
// runtime polls (a TLS or in-memory connection): the caller then uses c.
func NewRawSocket(c net.Conn) *RawSocket {
	sc, ok := c.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok {
		return nil
	}
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil // a wrapper whose SyscallConn we cannot vouch for
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	s := &RawSocket{rc: rc, conn: c}
	s.readFn = s.recv   // method values made once, so Read and Write
	s.writeFn = s.sendv // allocate nothing
	return s
}

// Read reads like net.Conn.Read: io.EOF at the end of the stream, the
// netpoller's errors for deadlines and closed connections.
func (s *RawSocket) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	s.rbuf, s.rn, s.rerr = p, 0, nil
	err := s.rc.Read(s.readFn)
	s.rbuf = nil
	if err != nil {
		return 0, err
	}
	if s.rerr != nil {
		return s.rn, s.rerr
	}
	return s.rn, nil
}

// recv is called by RawConn.Read when the socket may be readable; false
// asks it to wait for readability.
func (s *RawSocket) recv(fd uintptr) bool {
	n, e := recvNonblock(fd, s.rbuf)
	switch e {
	case 0:
		if n == 0 {
			s.rerr = io.EOF
		}
		s.rn = n
		return true
	case syscall.EAGAIN:
		return false
	}
	s.rerr = s.opError("read", os.NewSyscallError("recvfrom", e))
	return true
}

// recvNonblock is one recvfrom on a non-blocking socket as a raw system
// call (retried on EINTR); p must not be empty.
func recvNonblock(fd uintptr, p []byte) (int, syscall.Errno) { return rawsys.Recv(fd, p, 0) }

// Write writes all of p like net.Conn.Write.
func (s *RawSocket) Write(p []byte) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.wsingle[0] = p
	n, err := s.writev(s.wsingle[:])
	s.wsingle[0] = nil
	return int(n), err
}

// Writev writes the buffers in order with as few sendmsg calls as the
// kernel allows (one for a response head and a small body). bufs itself is
// not modified.
func (s *RawSocket) Writev(bufs [][]byte) (int64, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.writev(bufs)
}

// maxIovecs bounds one sendmsg's buffers (the kernel's UIO_MAXIOV is 1024).
const maxIovecs = 64

func (s *RawSocket) writev(bufs [][]byte) (int64, error) {
	s.wlist = append(s.wlist[:0], bufs...)
	s.wbufs, s.wn, s.werr = s.wlist, 0, nil
	s.consume(0)
	if len(s.wbufs) == 0 {
		return 0, nil
	}
	err := s.rc.Write(s.writeFn)
	// Drop the references to the caller's memory.
	clear(s.wlist)
	clear(s.iov)
	s.wbufs = nil
	if err != nil {
		return s.wn, err
	}
	return s.wn, s.werr
}

// sendv is called by RawConn.Write when the socket may be writable; it
// returns false to wait for writability after a partial write.
func (s *RawSocket) sendv(fd uintptr) bool {
	for len(s.wbufs) > 0 {
		s.iov = rawsys.AppendIovecs(s.iov[:0], s.wbufs, maxIovecs)
		n, e := rawsys.Sendmsg(fd, s.iov, true)
		switch e {
		case 0:
		case syscall.EAGAIN:
			return false
		default:
			s.werr = s.opError("write", os.NewSyscallError("sendmsg", e))
			return true
		}
		s.wn += int64(n)
		s.consume(int(n))
	}
	return true
}

// consume drops n written bytes, and empty buffers, from the front of
// s.wbufs (a window of the private copy wlist, so the caller's list is never
// modified).
func (s *RawSocket) consume(n int) {
	for len(s.wbufs) > 0 {
		b := s.wbufs[0]
		if n < len(b) {
			s.wbufs[0] = b[n:]
			return
		}
		n -= len(b)
		s.wbufs = s.wbufs[1:]
	}
}

func (s *RawSocket) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: s.conn.LocalAddr().Network(), Source: s.conn.LocalAddr(), Addr: s.conn.RemoteAddr(), Err: err}
}
