//go:build linux

package upstream

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"sliceproxy/internal/rawsys"
)

// epollWatcher watches a pool's idle connections with one epoll instance.
// The epoll descriptor itself is waited on through Go's network poller, so
// a pool costs one parked goroutine and no thread.
type epollWatcher struct {
	ep   *rawsys.Epoll
	done chan struct{}
}

const watchEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newEpollWatcher(p *Pool) (*epollWatcher, error) {
	ep, err := rawsys.NewEpoll("upstream-keepalive-epoll", 128)
	if err != nil {
		return nil, err
	}
	w := &epollWatcher{ep: ep, done: make(chan struct{})}
	go w.loop(p)
	return w, nil
}

func (w *epollWatcher) loop(p *Pool) {
	defer close(w.done)
	var stale []*Conn
	for {
		events, err := w.ep.Wait()
		if errors.Is(err, rawsys.ErrEpollClosed) {
			return // closed by stop
		}
		if err != nil {
			p.cfg.Log.Error().Err(err).Str("upstream", p.cfg.Name).Msg("keepalive: epoll_wait failed")
			return
		}
		stale = stale[:0]
		p.mu.Lock()
		for _, ev := range events {
			if c := p.watchEvent(uint32(ev.Fd), uint32(ev.Pad)); c != nil {
				stale = append(stale, c)
			}
		}
		p.mu.Unlock()
		for i, c := range stale {
			p.reap.discard(c.Conn)
			stale[i] = nil
		}
	}
}

func (w *epollWatcher) event(c *Conn) unix.EpollEvent {
	return unix.EpollEvent{Events: watchEvents, Fd: int32(c.w.slot - 1), Pad: int32(c.w.gen)}
}

// add registers c (p.mu held, so the epoll fd is open).
func (w *epollWatcher) add(c *Conn) error {
	ev := w.event(c)
	c.w.armed.Store(true)
	if err := unix.EpollCtl(w.ep.Fd, unix.EPOLL_CTL_ADD, int(c.w.fd), &ev); err != nil {
		c.w.armed.Store(false)
		return fmt.Errorf("epoll_ctl add: %w", err)
	}
	return nil
}

// rearm re-enables c's one-shot registration (p.mu held). armed is set
// before the syscall: an event can only follow it, and the watcher clears
// the flag after the event.
func (w *epollWatcher) rearm(c *Conn) error {
	ev := w.event(c)
	c.w.armed.Store(true)
	if err := unix.EpollCtl(w.ep.Fd, unix.EPOLL_CTL_MOD, int(c.w.fd), &ev); err != nil {
		c.w.armed.Store(false)
		return fmt.Errorf("epoll_ctl mod: %w", err)
	}
	return nil
}

// rearmShared is rearm without p.mu: the file's Control keeps the epoll fd
// from being closed (and its number reused) during the call.
func (w *epollWatcher) rearmShared(c *Conn) error {
	if c.w.rearmFn == nil {
		// Made once per connection, so re-arming allocates nothing.
		c.w.rearmFn = func(epfd uintptr) {
			ev := w.event(c)
			c.w.armed.Store(true)
			c.w.rearmErr = unix.EpollCtl(int(epfd), unix.EPOLL_CTL_MOD, int(c.w.fd), &ev)
			if c.w.rearmErr != nil {
				c.w.armed.Store(false)
			}
		}
	}
	if err := w.ep.Control(c.w.rearmFn); err != nil {
		return err
	}
	return c.w.rearmErr
}

// stop closes the epoll instance and waits for the loop to end.
func (w *epollWatcher) stop() {
	w.ep.Close()
	<-w.done
}

// peekConn looks at a parked connection's socket without consuming.
func peekConn(fd int) peekResult {
	n, err := rawsys.Peek(uintptr(fd))
	switch {
	case err == unix.EAGAIN:
		return peekNothing
	case err != 0 || n == 0:
		return peekClosed
	default:
		return peekData
	}
}
