//go:build linux

package upstream

import (
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"sliceproxy/internal/rawsys"
)

// awaitState is a Conn's part of WriteAndAwait. The callback is made once
// per connection, so a request allocates nothing.
type awaitState struct {
	rc    syscall.RawConn // nil until first used; noRaw when unavailable
	noRaw bool
	step  func(fd uintptr) bool

	bufs  [][]byte
	iov   [4]unix.Iovec
	total int64 // bytes in bufs
	wrote bool  // the send was attempted (the first step ran)
	n     int64 // bytes sent by it
	err   error // its error, other than EAGAIN
}

// WriteAndAwait sends a whole request held in memory (a head and maybe a
// buffered body, at most four buffers) and then waits until the
// connection is readable or its read deadline passes; arm the read deadline
// (proxy_read_timeout) first. awaited reports the wait; when false (the
// socket took only part of it, or this connection cannot do it) the rest
// was written with Writev under the write deadline and the caller reads as
// usual.
//
// Why: a Read through Go's poller first discards the readiness the poller
// already knows, so reading right after sending a request costs a read that
// fails with EAGAIN before the goroutine parks. Sending from inside
// RawConn.Read's callback resets readiness before the request leaves: the
// response can only arrive after that, its edge is kept, and the wait needs
// no failing read (nginx likewise reads only when epoll says so). An event
// from before the send (an upstream close) is followed by one the send
// itself provokes (the reset), so nothing is waited for that never comes.
//
// The send is a sendmsg made as a normal system call, as the runtime's own
// writes are (a raw one with RawSocketIO). An error from the wait itself is
// not returned: the Read that follows reports it (a passed deadline, a
// closed connection).
func (c *Conn) WriteAndAwait(bufs [][]byte) (n int64, awaited bool, err error) {
	aw := &c.aw
	if len(bufs) > len(aw.iov) || !aw.ready(c) {
		n, err = c.Writev(bufs)
		return n, false, err
	}
	aw.bufs, aw.total, aw.wrote, aw.n, aw.err = bufs, 0, false, 0, nil
	for _, b := range bufs {
		aw.total += int64(len(b))
	}
	_ = aw.rc.Read(aw.step)
	aw.bufs = nil
	clear(aw.iov[:]) // no references to the caller's memory
	if aw.err != nil {
		return aw.n, false, aw.err
	}
	if aw.wrote && aw.n == aw.total {
		return aw.n, true, nil
	}
	// Not attempted (the connection was closed or past its deadline) or
	// only partly sent: the rest goes the usual way, which also reports
	// those errors in the usual words.
	var rest [4][]byte
	m, err := c.Writev(skipBytes(rest[:0], bufs, aw.n))
	return aw.n + m, false, err
}

// ready fetches the connection's RawConn once.
func (aw *awaitState) ready(c *Conn) bool {
	if aw.rc != nil {
		return true
	}
	if aw.noRaw {
		return false
	}
	sc, ok := c.Conn.(*net.TCPConn)
	if !ok {
		aw.noRaw = true // unix sockets and test doubles: the plain path
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		aw.noRaw = true
		return false
	}
	aw.rc = rc
	aw.step = func(fd uintptr) bool { return aw.onReadable(c, fd) }
	return true
}

// onReadable is RawConn.Read's callback: the first call sends and asks to
// wait (false) when everything left; the second comes when the socket is
// readable and ends the wait without reading.
func (aw *awaitState) onReadable(c *Conn, fd uintptr) bool {
	if aw.wrote {
		return true
	}
	aw.wrote = true
	iov := rawsys.AppendIovecs(aw.iov[:0], aw.bufs, len(aw.iov))
	if len(iov) == 0 {
		return true
	}
	// RawSocketIO connections send without the runtime's bookkeeping too.
	r, e := rawsys.Sendmsg(fd, iov, c.rs != nil)
	switch e {
	case 0:
		aw.n = int64(r)
		return aw.n < aw.total // all sent: wait for the response
	case syscall.EAGAIN:
		return true // the socket's buffer is full: write the usual way
	}
	aw.err = &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(),
		Err: os.NewSyscallError("sendmsg", e)}
	return true
}
