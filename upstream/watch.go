package upstream

import (
	"syscall"
)

// watchParked starts watching c, just parked, for an upstream close. Called
// with p.mu held. It reports whether the caller must start a goroutine
// watcher (after unlocking).
func (p *Pool) watchParked(c *Conn) (needGoroutine bool) {
	switch p.cfg.Watch {
	case WatchOff:
		return false
	case WatchGoroutine:
		return true
	}
	if c.w.fd == -1 {
		c.w.fd = -2
		if sc, ok := c.Conn.(syscall.Conn); ok {
			if rc, err := sc.SyscallConn(); err == nil {
				_ = rc.Control(func(fd uintptr) { c.w.fd = int32(fd) })
			}
		}
	}
	if c.w.fd < 0 || p.noEpoll {
		return true
	}
	if c.w.slot != 0 {
		if !c.w.armed.Load() {
			if err := p.watch.rearm(c); err != nil {
				p.cfg.Log.Warn().Err(err).Str("upstream", p.cfg.Name).Msg("keepalive: cannot watch idle connection")
				return true
			}
		}
		return false
	}
	if p.watch == nil {
		w, err := newEpollWatcher(p)
		if err != nil {
			p.noEpoll = true
			p.cfg.Log.Warn().Err(err).Str("upstream", p.cfg.Name).Msg("keepalive: epoll watcher unavailable, using goroutines")
			return true
		}
		p.watch = w
		p.watchShared.Store(w)
	}
	p.allocSlot(c)
	if err := p.watch.add(c); err != nil {
		p.releaseSlot(c)
		p.cfg.Log.Warn().Err(err).Str("upstream", p.cfg.Name).Msg("keepalive: cannot watch idle connection")
		return true
	}
	return false
}

// allocSlot gives c an entry in the watch table; the epoll event carries
// the slot and its generation, so a late event never reaches a connection
// that reused the slot.
func (p *Pool) allocSlot(c *Conn) {
	var slot uint32
	if n := len(p.freeSlt); n > 0 {
		slot = p.freeSlt[n-1]
		p.freeSlt = p.freeSlt[:n-1]
	} else {
		p.slots = append(p.slots, nil)
		p.slotGen = append(p.slotGen, 0)
		slot = uint32(len(p.slots) - 1)
	}
	p.slotGen[slot]++
	p.slots[slot] = c
	c.w.slot = slot + 1
	c.w.gen = p.slotGen[slot]
}

// releaseSlot frees c's watch-table entry. Closing the socket removes it
// from the epoll set.
func (p *Pool) releaseSlot(c *Conn) {
	if c.w.slot == 0 {
		return
	}
	i := c.w.slot - 1
	p.slots[i] = nil
	p.slotGen[i]++
	p.freeSlt = append(p.freeSlt, i)
	c.w.slot = 0
}

// rearmUnlocked re-arms c's one-shot epoll registration without the pool
// lock (Put does it before locking to keep the syscall out of the critical
// section).
func (p *Pool) rearmUnlocked(c *Conn) {
	if w := p.watchShared.Load(); w != nil {
		_ = w.rearmShared(c)
	}
}

// watchEvent handles an epoll event for slot/gen with p.mu held: a parked
// connection that became readable is peeked at; EOF, an error or bytes mean
// the upstream closed it or talks out of turn, so it leaves the pool now.
// It returns the connection to close, if any.
func (p *Pool) watchEvent(slot, gen uint32) *Conn {
	if int(slot) >= len(p.slots) || p.slotGen[slot] != gen {
		return nil
	}
	c := p.slots[slot]
	if c == nil {
		return nil
	}
	c.w.armed.Store(false)
	if c.state != stateIdle {
		// In use: the event is the response arriving. Put re-arms.
		return nil
	}
	switch peekConn(int(c.w.fd)) {
	case peekNothing:
		if p.watch != nil {
			if err := p.watch.rearm(c); err == nil {
				return nil
			}
		}
		p.total.closedByUpstream++
		p.perPeer[c.Peer.Index].closedByUpstream++
	case peekData:
		p.total.unsolicited++
		p.perPeer[c.Peer.Index].unsolicited++
	default:
		p.total.closedByUpstream++
		p.perPeer[c.Peer.Index].closedByUpstream++
	}
	p.removeIdle(c)
	return c
}

// removeIdle takes a parked connection out of the pool for good (p.mu
// held); the caller closes the socket outside the lock.
func (p *Pool) removeIdle(c *Conn) {
	s := c.sl
	p.unpark(c)
	p.releaseSliceIfEmpty(s)
	p.retire(c)
}

type peekResult uint8

const (
	peekNothing peekResult = iota // would block: a stale event
	peekData                      // unsolicited bytes
	peekClosed                    // EOF or error (FIN, RST)
)
