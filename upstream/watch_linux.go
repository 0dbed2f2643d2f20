//go:build linux

package upstream

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"sliceproxy/internal/rawsys"
)

// epollWatcher watches a pool's idle connections with one epoll instance.
// The epoll descriptor itself is waited on through Go's network poller, so
// a pool costs one parked goroutine and no thread.
type epollWatcher struct {
	epfd int
	file *os.File
	raw  syscall.RawConn
	done chan struct{}
}

const watchEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newEpollWatcher(p *Pool) (*epollWatcher, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("epoll fd nonblocking: %w", err)
	}
	f := os.NewFile(uintptr(epfd), "upstream-keepalive-epoll")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("epoll fd raw conn: %w", err)
	}
	w := &epollWatcher{epfd: epfd, file: f, raw: raw, done: make(chan struct{})}
	go w.loop(p)
	return w, nil
}

func (w *epollWatcher) loop(p *Pool) {
	defer close(w.done)
	events := make([]unix.EpollEvent, 128)
	var stale []*Conn
	var n int
	var werr error
	// One closure for the goroutine's life: waiting allocates nothing.
	wait := func(fd uintptr) bool {
		n, werr = rawsys.EpollWaitNow(fd, events)
		return n > 0 || werr != nil
	}
	for {
		err := w.raw.Read(wait)
		if err != nil {
			return // closed by stop
		}
		if werr != nil {
			p.cfg.Log.Error().Err(werr).Str("upstream", p.cfg.Name).Msg("keepalive: epoll_wait failed")
			return
		}
		stale = stale[:0]
		p.mu.Lock()
		for _, ev := range events[:n] {
			if c := p.watchEvent(uint32(ev.Fd), uint32(ev.Pad)); c != nil {
				stale = append(stale, c)
			}
		}
		p.mu.Unlock()
		for i, c := range stale {
			c.Conn.Close()
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
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, int(c.w.fd), &ev); err != nil {
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
	if err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_MOD, int(c.w.fd), &ev); err != nil {
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
	if err := w.raw.Control(c.w.rearmFn); err != nil {
		return err
	}
	return c.w.rearmErr
}

// stop closes the epoll instance and waits for the loop to end.
func (w *epollWatcher) stop() {
	w.file.Close()
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
