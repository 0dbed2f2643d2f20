//go:build linux

package proxy

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"sliceproxy/internal/rawsys"
)

// idleParker is the server's idle poller, made at the first park and
// stopped when the server has ended (after every connection did).
type idleParker struct {
	mu      sync.Mutex
	p       *idlePoller
	stopped bool
	// broken: the poller could not be made (no epoll, out of
	// descriptors); connections then wait in their goroutines as before.
	broken bool
}

// park hands c to the poller; false when it cannot be parked.
func (ip *idleParker) park(c *clientConn) bool {
	ip.mu.Lock()
	if ip.p == nil && !ip.stopped && !ip.broken {
		p, err := newIdlePoller()
		if err != nil {
			ip.broken = true
			c.srv.logRuntime(LevelAlert, 0, "idle keep-alive poller: "+err.Error())
		}
		ip.p = p
	}
	p := ip.p
	ip.mu.Unlock()
	if p == nil {
		return false
	}
	return p.park(c)
}

// readableWithin waits from now until end (or up to twice as long again)
// for c's socket to become readable (data, end of stream, an error, or
// closed by the server); false when the wait ended without.
func (ip *idleParker) readableWithin(c *clientConn, now, end time.Time) bool {
	ps := &c.parked
	if ps.readyFn == nil {
		if c.rawConn() == nil {
			return true
		}
		// The first call looks (MSG_PEEK, so the reader reads the bytes
		// later): Go's poller would not report data that arrived before
		// the wait began. A later call comes after the poller saw the
		// socket readable.
		ps.readyFn = func(fd uintptr) bool {
			if !ps.readyPoll {
				return true
			}
			ps.readyPoll = false
			return peekSocket(fd)
		}
	}
	// Any armed deadline from end to end plus twice the wait will do: a
	// connection answering request after request then re-arms its timer
	// about once per two waits, not per request. readBy keeps it for the
	// head read that follows.
	if err := c.rdl.SetReadBetween(c.nc, end, end.Add(2*end.Sub(now))); err != nil {
		return true
	}
	ps.readyPoll = true
	err := ps.raw.Read(ps.readyFn)
	return !errors.Is(err, os.ErrDeadlineExceeded)
}

// peekSocket reports whether a read on fd would not block.
func peekSocket(fd uintptr) bool {
	_, errno := rawsys.Peek(fd)
	return errno != unix.EAGAIN
}

// supported: connections may park on this platform.
func (*idleParker) supported() bool { return true }

// unpark wakes c if it is parked.
func (ip *idleParker) unpark(c *clientConn) {
	ip.mu.Lock()
	p := ip.p
	ip.mu.Unlock()
	if p != nil {
		p.unpark(c)
	}
}

// stop ends the poller; no connection parks afterwards.
func (ip *idleParker) stop() {
	ip.mu.Lock()
	p := ip.p
	ip.p, ip.stopped = nil, true
	ip.mu.Unlock()
	if p != nil {
		p.stop()
	}
}

// idlePoller watches parked connections with one epoll instance and ends
// their keep-alive waits with one timer. The epoll descriptor is waited on
// through Go's network poller (as upstream/watch_linux.go does for idle
// pooled upstream connections), so the poller costs one parked goroutine.
type idlePoller struct {
	ep   *rawsys.Epoll
	done chan struct{}

	mu sync.Mutex
	// conns is indexed by parkState.slot-1; free lists the empty slots.
	conns []*clientConn
	free  []uint32
	gen   uint32
	// deadlines orders the parked connections by keepalive_timeout end;
	// timer fires at the earliest.
	deadlines parkHeap
	timer     *time.Timer
	closed    bool
	// parks counts successful parks (tests tell a parked wait from one
	// served in its goroutine).
	parks uint64
}

// One-shot: an event disables the registration until the next park
// re-arms it, so a connection is woken once per park.
const parkEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newIdlePoller() (*idlePoller, error) {
	ep, err := rawsys.NewEpoll("client-keepalive-epoll", 128)
	if err != nil {
		return nil, err
	}
	p := &idlePoller{ep: ep, done: make(chan struct{})}
	p.timer = time.AfterFunc(time.Hour, p.expire)
	p.timer.Stop()
	go p.loop()
	return p, nil
}

// park registers c. It fails when c's socket is closed, or when the server
// closed c after it went idle (its closer found nothing to wake then).
func (p *idlePoller) park(c *clientConn) bool {
	rc := c.rawConn()
	if rc == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.insert(c)
	var cerr error
	// Control keeps the descriptor open, and its number ours, during the
	// registration.
	err := rc.Control(func(fd uintptr) { cerr = p.register(int(fd), &c.parked) })
	// The server's closers change c.idle before they unpark: a close that
	// came before the insert is seen here, one after it finds c parked.
	if err != nil || cerr != nil || c.idle.Load() != connIdleKeepAlive {
		p.remove(c)
		return false
	}
	if c.parked.heapIdx == 0 {
		p.timer.Reset(time.Until(c.parked.deadline))
	}
	p.parks++
	return true
}

// register arms fd's one-shot registration: added at the first park,
// modified at the following ones (an event left it disabled; closing the
// socket removes it).
func (p *idlePoller) register(fd int, ps *parkState) error {
	ev := unix.EpollEvent{Events: parkEvents, Fd: int32(ps.slot), Pad: int32(ps.gen)}
	if ps.registered {
		return unix.EpollCtl(p.ep.Fd, unix.EPOLL_CTL_MOD, fd, &ev)
	}
	err := unix.EpollCtl(p.ep.Fd, unix.EPOLL_CTL_ADD, fd, &ev)
	if errors.Is(err, unix.EEXIST) {
		err = unix.EpollCtl(p.ep.Fd, unix.EPOLL_CTL_MOD, fd, &ev)
	}
	ps.registered = err == nil
	return err
}

// rawConn returns the connection's socket for the poller, looked up once
// (nil when it has none).
func (c *clientConn) rawConn() syscall.RawConn {
	ps := &c.parked
	if ps.raw == nil {
		if sc, ok := c.nc.(syscall.Conn); ok {
			ps.raw, _ = sc.SyscallConn()
		}
	}
	return ps.raw
}

// insert gives c a slot and a place in the deadline heap (p.mu held).
func (p *idlePoller) insert(c *clientConn) {
	p.gen++
	c.parked.gen = p.gen
	if n := len(p.free); n > 0 {
		c.parked.slot = p.free[n-1]
		p.free = p.free[:n-1]
		p.conns[c.parked.slot-1] = c
	} else {
		p.conns = append(p.conns, c)
		c.parked.slot = uint32(len(p.conns))
	}
	p.deadlines.push(c)
}

// remove takes c out of the table and the heap (p.mu held); false when c
// is not parked.
func (p *idlePoller) remove(c *clientConn) bool {
	s := c.parked.slot
	if s == 0 || int(s) > len(p.conns) || p.conns[s-1] != c {
		return false
	}
	p.conns[s-1] = nil
	p.free = append(p.free, s)
	c.parked.slot = 0
	p.deadlines.remove(c)
	return true
}

// unpark wakes c if it is still parked.
func (p *idlePoller) unpark(c *clientConn) {
	p.mu.Lock()
	ok := p.remove(c)
	p.mu.Unlock()
	if ok {
		c.wake(wakeClosed)
	}
}

// loop wakes the connections whose sockets became readable.
func (p *idlePoller) loop() {
	defer close(p.done)
	var woken []*clientConn
	for {
		events, err := p.ep.Wait()
		if err != nil {
			return // closed by stop (epoll_wait cannot fail otherwise)
		}
		woken = woken[:0]
		p.mu.Lock()
		for _, ev := range events {
			s := uint32(ev.Fd)
			if s == 0 || int(s) > len(p.conns) {
				continue
			}
			c := p.conns[s-1]
			if c == nil || c.parked.gen != uint32(ev.Pad) {
				continue // the slot's connection was woken otherwise
			}
			p.remove(c)
			woken = append(woken, c)
		}
		p.mu.Unlock()
		for i, c := range woken {
			c.wake(wakeReadable)
			woken[i] = nil
		}
	}
}

// expire wakes the connections whose keepalive_timeout passed.
func (p *idlePoller) expire() {
	var expired []*clientConn
	p.mu.Lock()
	now := time.Now()
	for len(p.deadlines) > 0 && !p.deadlines[0].parked.deadline.After(now) {
		c := p.deadlines[0]
		p.remove(c)
		expired = append(expired, c)
	}
	if len(p.deadlines) > 0 && !p.closed {
		p.timer.Reset(time.Until(p.deadlines[0].parked.deadline))
	}
	p.mu.Unlock()
	for _, c := range expired {
		c.wake(wakeTimeout)
	}
}

// stop closes the epoll instance and waits for the loop to end. The server
// calls it once every connection has ended, so nothing is parked.
func (p *idlePoller) stop() {
	p.mu.Lock()
	p.closed = true
	p.timer.Stop()
	p.mu.Unlock()
	p.ep.Close()
	<-p.done
}
