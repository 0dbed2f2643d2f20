package upstream

import (
	"net"
	"sync"
)

// reapBatch is how many released descriptors wait for their Close: one
// wake-up of the runtime's monitor thread per batch (see reaper).
const reapBatch = 32

// reaper closes the pool's discarded connections without waking the Go
// runtime's monitor thread (sysmon) for each of them.
//
// Why: Close is a system call the runtime makes through entersyscall, and
// entersyscall wakes sysmon whenever it sleeps deeply, which it does each
// time the process has been idle for a moment. Woken, sysmon naps in 20 µs
// steps before it sleeps again. In the mpm-itk case at c=4, where Apache's
// MaxKeepAliveRequests 100 makes the pool dial and close one connection per
// hundred requests, those wake-ups cost up to 1 µs of the proxy's 25 µs of
// CPU per request (a runtime patched not to wake sysmon: 24.8 against 25.8;
// proxy/perf/NOTES.md, seventh session).
//
// A discarded connection's socket is released at once, exactly as close(2)
// would release it (FIN, or RST when unread data is left), by a raw dup3
// that puts a descriptor of /dev/null in its place; the kernel also drops
// it from every epoll set then. Only the descriptor number, now meaningless,
// waits for the runtime's Close, reapBatch at a time, so that one wake-up
// serves them all. Only connections nobody else uses are discarded this way
// (the pool's refusals, evictions and stale idle connections); a connection
// the proxy closes itself, perhaps to interrupt a goroutine blocked on it,
// is closed the usual way.
type reaper struct {
	mu      sync.Mutex
	null    int  // /dev/null once opened; -1 when unavailable
	opened  bool // null was tried (on first use)
	stopped bool
	pending []net.Conn
}

// discard closes nc: released now and its descriptor closed later when
// possible, else closed at once.
func (r *reaper) discard(nc net.Conn) {
	r.mu.Lock()
	if r.stopped || !r.release(nc) {
		r.mu.Unlock()
		nc.Close()
		return
	}
	r.pending = append(r.pending, nc)
	var batch []net.Conn
	if len(r.pending) >= reapBatch {
		batch, r.pending = r.pending, make([]net.Conn, 0, reapBatch)
	}
	r.mu.Unlock()
	closeAll(batch)
}

// stop closes what waits and makes later discards close at once.
func (r *reaper) stop() {
	r.mu.Lock()
	batch := r.pending
	r.pending, r.stopped = nil, true
	r.closeNull()
	r.mu.Unlock()
	closeAll(batch)
}

// waiting is the number of released descriptors not closed yet.
func (r *reaper) waiting() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pending)
}

func closeAll(conns []net.Conn) {
	for _, nc := range conns {
		nc.Close() // the runtime's bookkeeping; the socket is gone already
	}
}
