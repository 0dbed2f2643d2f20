package upstream

import (
	"net"
	"sync/atomic"
	"time"

	"sliceproxy/internal/deadline"

	"sliceproxy/proxy/http1"
)

// connState is where a pooled connection is.
type connState uint8

const (
	stateInUse  connState = iota // handed out by Dial or Get
	stateIdle                    // parked in the pool
	stateClosed                  // closed by the pool or the caller
)

// Conn is an upstream connection that a Pool handed out. Use it as a
// net.Conn; give it back with Pool.Put (which keeps or closes it) or close it.
type Conn struct {
	net.Conn

	// Peer is the peer the connection goes to.
	Peer *Peer
	// Key is the slice the connection belongs to, set when it is first kept
	// (empty without slices or before the first Put).
	Key string
	// Limit is the slice limit in force when the connection was last kept.
	Limit int
	// Requests counts the requests the connection has been handed out for,
	// the current one included (nginx's c->requests).
	Requests int
	// Created is when the connection was dialed.
	Created time.Time
	// Reused is true when the connection came from the pool (Get) rather than
	// from Dial, for $upstream_keepalive-style logging and retry decisions.
	Reused bool

	// rs does Read and Write as raw system calls when the platform and the
	// connection allow it (see http1.RawSocket), nil otherwise.
	rs *http1.RawSocket
	// nb and nbArr let Writev use net.Buffers (writev) without allocating
	// when rs is nil: WriteTo consumes the list it is given.
	nb    net.Buffers
	nbArr [4][]byte
	// rdl and wdl arm the read and write deadlines lazily (ArmReadDeadline):
	// a pooled connection serving request after request keeps the deadline
	// it has when the new one is only a little later.
	rdl, wdl deadline.Lazy
	// aw is WriteAndAwait's state.
	aw awaitState

	pool  *Pool
	state connState
	bound bool // Key is fixed: the connection was kept once

	// Pool bookkeeping, guarded by pool.mu while parked.
	sl               *slice
	addr             int32 // index of the peer's address in the pool
	lruPrev, lruNext *Conn // every idle conn, most recently used first
	slPrev, slNext   *Conn // the slice's list for this address, MRU first
	expPrev, expNext *Conn // the expiry bucket, earliest deadline first
	bucket           int8  // expiry bucket, -1 for none
	createdNano      int64 // Created on the pool's monotonic scale
	deadline         int64 // idle deadline on that scale
	requestCap       int   // upstream Keep-Alive: max= cap on Requests, 0 for none

	w watchState
}

// watchState is the per-connection part of the idle watcher.
type watchState struct {
	fd    int32  // -1: not known yet; -2: no file descriptor
	slot  uint32 // slot+1 in the pool's watch table, 0 when not registered
	gen   uint32
	armed atomic.Bool // epoll registration armed (EPOLLONESHOT not consumed)
	// rearmFn re-arms through the epoll file's Control (Put, without the
	// pool lock); rearmErr is its result. Only the connection's owner uses
	// them.
	rearmFn  func(epfd uintptr)
	rearmErr error
	// goroutine watcher (no epoll): stop interrupts it, done is closed when
	// it ended; gotData/readErr say what its Read saw.
	stop    chan struct{}
	done    chan struct{}
	gotData bool
	readErr error
}

// Close closes the connection. A connection handed out may be closed instead
// of being Put back.
func (c *Conn) Close() error {
	if c.pool != nil {
		c.pool.forget(c)
	}
	return c.Conn.Close()
}

// ArmReadDeadline sets the read deadline to t, asked at now, or keeps the
// armed one when it is at most a little earlier (deadline.Lazy).
func (c *Conn) ArmReadDeadline(now, t time.Time) error { return c.rdl.SetRead(c.Conn, now, t) }

// ArmWriteDeadline is ArmReadDeadline for the write deadline.
func (c *Conn) ArmWriteDeadline(now, t time.Time) error { return c.wdl.SetWrite(c.Conn, now, t) }

// SetReadDeadline sets the read deadline at once (net.Conn).
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.rdl.Armed(t)
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline sets the write deadline at once (net.Conn).
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.wdl.Armed(t)
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both deadlines at once (net.Conn).
func (c *Conn) SetDeadline(t time.Time) error {
	c.rdl.Armed(t)
	c.wdl.Armed(t)
	return c.Conn.SetDeadline(t)
}

// Read reads from the connection; on Linux TCP and unix sockets without the
// runtime's system call bookkeeping (http1.RawSocket). Deadlines apply.
func (c *Conn) Read(p []byte) (int, error) {
	if c.rs != nil {
		return c.rs.Read(p)
	}
	return c.Conn.Read(p)
}

// Write writes all of p, as Read does.
func (c *Conn) Write(p []byte) (int, error) {
	if c.rs != nil {
		return c.rs.Write(p)
	}
	return c.Conn.Write(p)
}

// Writev writes the buffers in order, in one system call when the kernel
// takes them all (a request head and a buffered body). bufs is not modified.
func (c *Conn) Writev(bufs [][]byte) (int64, error) {
	if c.rs != nil {
		return c.rs.Writev(bufs)
	}
	c.nb = append(c.nbArr[:0], bufs...)
	n, err := c.nb.WriteTo(c.Conn)
	c.nb = nil
	clear(c.nbArr[:]) // no references to the caller's memory
	return n, err
}

// skipBytes appends to dst the part of bufs after its first n bytes (bufs
// is not modified).
func skipBytes(dst, bufs [][]byte, n int64) [][]byte {
	for _, b := range bufs {
		if n >= int64(len(b)) {
			n -= int64(len(b))
			continue
		}
		dst = append(dst, b[n:])
		n = 0
	}
	return dst
}
