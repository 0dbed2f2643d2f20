package upstream

import (
	"errors"
	"os"
	"time"
)

// startGoroutineWatch watches a parked connection with a goroutine blocked
// in a one-byte Read: the portable watcher, and the one for connections
// without a file descriptor. Any return of that Read while the connection
// is still parked means the upstream closed it or sent bytes.
func (p *Pool) startGoroutineWatch(c *Conn) {
	stop := make(chan struct{})
	done := make(chan struct{})
	p.mu.Lock()
	if c.state != stateIdle || c.w.stop != nil {
		p.mu.Unlock()
		return
	}
	// A deadline the exchange left behind would end the watch early and
	// look like an upstream close. Cleared under the lock: Get cannot take
	// the connection (and set its own deadline) meanwhile.
	_ = c.SetReadDeadline(time.Time{})
	c.w.stop, c.w.done = stop, done
	p.gwg.Add(1)
	p.mu.Unlock()
	go func() {
		defer p.gwg.Done()
		defer close(done)
		var b [1]byte
		n, err := c.Conn.Read(b[:])
		select {
		case <-stop:
			// Get took the connection and interrupted the Read; it decides
			// from watchResult.
			c.w.gotData = n > 0
			c.w.readErr = err
			return
		default:
		}
		p.mu.Lock()
		if c.state != stateIdle {
			// Get took it (and waits for done) or the pool closed it.
			p.mu.Unlock()
			c.w.gotData = n > 0
			c.w.readErr = err
			return
		}
		if n > 0 {
			p.total.unsolicited++
			p.perPeer[c.Peer.Index].unsolicited++
		} else {
			p.total.closedByUpstream++
			p.perPeer[c.Peer.Index].closedByUpstream++
		}
		p.removeIdle(c)
		c.w.stop, c.w.done = nil, nil
		p.mu.Unlock()
		p.reap.discard(c.Conn)
	}()
}

// stopGoroutineWatch ends the watcher of a connection Get just took and
// reports whether the connection is still good.
func (p *Pool) stopGoroutineWatch(c *Conn) bool {
	stop, done := c.w.stop, c.w.done
	c.w.stop, c.w.done = nil, nil
	close(stop)
	_ = c.SetReadDeadline(time.Unix(1, 0))
	<-done
	_ = c.SetReadDeadline(time.Time{})
	good := !c.w.gotData && errors.Is(c.w.readErr, os.ErrDeadlineExceeded)
	c.w.gotData, c.w.readErr = false, nil
	if !good {
		p.mu.Lock()
		p.total.closedByUpstream++
		p.perPeer[c.Peer.Index].closedByUpstream++
		p.retire(c)
		p.mu.Unlock()
	}
	return good
}
