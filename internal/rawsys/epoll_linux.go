//go:build linux

package rawsys

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrEpollClosed is what Epoll.Wait returns once Close was called.
var ErrEpollClosed = errors.New("epoll instance closed")

// Epoll is an epoll instance whose own descriptor is waited on through Go's
// network poller, so whoever watches it costs a parked goroutine and no
// thread; the events are then collected with a raw epoll_wait that does not
// block. The proxy's idle client poller and the upstream pools' idle
// watchers are both one.
type Epoll struct {
	// Fd is the epoll descriptor, for epoll_ctl while it cannot be closed
	// (the owner's lock held, or inside Control).
	Fd int

	file   *os.File
	raw    syscall.RawConn
	events []unix.EpollEvent
	n      int
	err    error
	waitFn func(fd uintptr) bool // made once: Wait allocates nothing
}

// NewEpoll creates an epoll instance that collects up to maxEvents events
// per Wait; name labels its descriptor.
func NewEpoll(name string, maxEvents int) (*Epoll, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("epoll fd nonblocking: %w", err)
	}
	f := os.NewFile(uintptr(epfd), name)
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("epoll fd raw conn: %w", err)
	}
	e := &Epoll{Fd: epfd, file: f, raw: raw, events: make([]unix.EpollEvent, maxEvents)}
	e.waitFn = func(fd uintptr) bool {
		e.n, e.err = EpollWaitNow(fd, e.events)
		return e.n > 0 || e.err != nil
	}
	return e, nil
}

// Wait parks the calling goroutine until events are ready and returns them
// (valid until the next Wait). It returns ErrEpollClosed after Close, or
// epoll_wait's error. One goroutine waits at a time.
func (e *Epoll) Wait() ([]unix.EpollEvent, error) {
	if err := e.raw.Read(e.waitFn); err != nil {
		return nil, ErrEpollClosed
	}
	if e.err != nil {
		return nil, os.NewSyscallError("epoll_wait", e.err)
	}
	return e.events[:e.n], nil
}

// Control runs f with the epoll descriptor, which cannot be closed (and its
// number reused) meanwhile.
func (e *Epoll) Control(f func(epfd uintptr)) error { return e.raw.Control(f) }

// Close closes the instance; a Wait in progress returns ErrEpollClosed.
func (e *Epoll) Close() error { return e.file.Close() }
