package proxy

// States of clientConn.idle. A connection is closed by the server only
// while it waits for a request, never in the middle of one; which waits may
// be cut depends on why the server closes it.
const (
	connBusy int32 = iota // reading or answering a request
	// connIdleKeepAlive: waiting for the next request after at least one.
	connIdleKeepAlive
	// connClosedIdle: closed by the server while waiting.
	connClosedIdle
	// connAwaitingFirst: accepted, waiting for its first request. A reload
	// leaves it alone: the listener and the process stay, so a client whose
	// first request is on its way must get an answer (nginx's exiting old
	// workers would drop it; sliceproxy need not).
	connAwaitingFirst
)

// idleState is the waiting state of the connection before its next read.
func (c *clientConn) idleState() int32 {
	if c.requests == 0 {
		return connAwaitingFirst
	}
	return connIdleKeepAlive
}

// closeIfIdleKeepAlive closes the connection on a reload when it waits
// between two requests (an HTTP/2 one: when no stream is in flight), as
// nginx's old workers close their idle keep-alive connections: they would
// otherwise keep the old configuration's connection settings.
func (c *clientConn) closeIfIdleKeepAlive() {
	if c.h2.Load() {
		if c.h2Streams.Load() == 0 {
			c.abort()
		}
		return
	}
	if c.idle.CompareAndSwap(connIdleKeepAlive, connClosedIdle) {
		_ = c.nc.Close()
		c.unpark()
	}
}
