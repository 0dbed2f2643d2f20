package proxy

import (
	"syscall"
	"time"
)

// parkGrace is how long a keep-alive connection waits at least for its next
// request in its goroutine before it is parked (at most three times as
// long: the wait keeps an armed deadline in that range, see readableWithin).
const parkGrace = 10 * time.Millisecond

// Parking idle keep-alive connections.
//
// A client connection waiting for its next request would otherwise keep a
// goroutine blocked in Read, and with it a goroutine stack of several KB
// (grown by the request it just answered): most of what an idle client
// costs. nginx holds about 2 KB per idle keep-alive connection. So between
// two requests a plain TCP connection is parked instead: its socket is
// handed to the server's idle poller (an epoll instance on Linux, see
// s2_park_linux.go), its goroutine ends, and a fresh goroutine continues the
// request loop when the socket becomes readable (or closes), when
// keepalive_timeout passes (one timer per server), or when the server closes
// it (reload, QUIT, TERM).
//
// A connection is parked only after parkGrace without a request: under load
// the next request comes sooner, and the connection is served on without
// the parking's epoll_ctl and fresh goroutine. That wait's read deadline is
// also the one the next request's head and body reads start under
// (clientConn.readBy), so back-to-back requests arm no timer.
//
// Not parked, and served as before by a goroutine blocked in Read:
//   - TLS connections: crypto/tls may hold decrypted records the socket no
//     longer shows as readable;
//   - HTTP/2 connections and their per-stream pipes;
//   - plain HTTP on an ssl port (answered with a 400 and closed anyway);
//   - connections waiting for their first request (short-lived, and a
//     reload must not close them, see x2_idle.go);
//   - a reader with bytes buffered (a pipelined request is served at once);
//   - platforms without the poller (s2_park_other.go).

// wakeReason says why a parked connection is continued.
type wakeReason uint8

const (
	// wakeReadable: the socket has data, or the client closed it.
	wakeReadable wakeReason = iota
	// wakeTimeout: keepalive_timeout passed without a request.
	wakeTimeout
	// wakeClosed: the server closed the connection (reload, QUIT, TERM).
	wakeClosed
)

// parkState is what a parked connection keeps for the poller.
type parkState struct {
	// deadline is when keepalive_timeout ends the wait.
	deadline time.Time
	// slot is the connection's index in the poller's table plus one (0:
	// not parked); gen tells a stale event for a reused slot from a fresh
	// one.
	slot uint32
	gen  uint32
	// heapIdx is the connection's position in the poller's deadline heap.
	heapIdx int
	// raw is the socket (clientConn.rawConn). readyFn waits for it to
	// become readable during parkGrace (made once per connection: waiting
	// allocates nothing).
	raw       syscall.RawConn
	readyFn   func(fd uintptr) bool
	readyPoll bool
	// registered: the socket is in the poller's epoll set (from its first
	// park until it is closed), so a park only modifies its registration.
	registered bool
}

// canPark reports whether the connection may wait for its next request
// parked (see the list above).
func (c *clientConn) canPark() bool {
	return c.srv.idle.supported() && c.requests > 0 && !c.tls && !c.pipe && !c.plainOnSSL && !c.h2.Load() &&
		c.rd.Buffered() == 0
}

// park hands the connection, waiting at most wait for its next request, to
// the server's idle poller. It reports whether it did: the calling goroutine
// must then return without touching the connection, which another goroutine
// may already be continuing. On false the connection is busy again (or
// closed by the server, which the caller's next state change notices), and
// deadline is the end of its keep-alive wait when park computed it (zero
// otherwise).
func (c *clientConn) park(wait time.Duration) (parked bool, deadline time.Time) {
	if !c.canPark() || !c.idle.CompareAndSwap(connBusy, connIdleKeepAlive) {
		return false, time.Time{}
	}
	now := time.Now()
	deadline = now.Add(wait) // keepalive_timeout runs from now
	// Between requests the request state is the server's; the next
	// request takes one (most often this one, from the P's pool cache).
	c.giveBackState()
	// Idle already while it waits parkGrace: a reload or QUIT closes it
	// then too.
	if c.srv.idle.readableWithin(c, now, now.Add(min(parkGrace, wait))) {
		c.idle.CompareAndSwap(connIdleKeepAlive, connBusy) // fails if closed meanwhile
		return false, deadline
	}
	c.parked.deadline = deadline
	// The parked connection holds a count of the server's WaitGroup until
	// the goroutine that continues it ends; the caller's count is still
	// held, so the counter is not zero here.
	c.srv.wg.Add(1)
	if c.srv.idle.park(c) {
		return true, deadline
	}
	c.srv.wg.Done()
	c.idle.CompareAndSwap(connIdleKeepAlive, connBusy)
	return false, deadline
}

// unpark wakes the connection if it is parked: called by the server after
// it closed the connection.
func (c *clientConn) unpark() {
	c.srv.idle.unpark(c)
}

// wake continues a parked connection in a fresh goroutine, which takes over
// the WaitGroup count taken by park. The poller calls it once per park,
// without holding its lock.
func (c *clientConn) wake(why wakeReason) {
	go func() {
		defer c.srv.wg.Done()
		c.resumeParked(why)
	}()
}

// resumeParked continues the request loop of a parked connection, or ends
// the connection when keepalive_timeout passed or the server closed it.
func (c *clientConn) resumeParked(why wakeReason) {
	parked := false
	defer func() {
		if !parked {
			c.endConn()
		}
	}()
	if why != wakeReadable {
		// A timed-out keep-alive wait closes silently, as nginx does; a
		// connection closed by the server is already in connClosedIdle.
		c.idle.CompareAndSwap(connIdleKeepAlive, connBusy)
		return
	}
	parked = c.requestLoop(true)
}
