//go:build !linux

package upstream

import "errors"

// epollWatcher is Linux only; elsewhere every idle connection gets a
// goroutine watcher.
type epollWatcher struct{}

func newEpollWatcher(*Pool) (*epollWatcher, error) {
	return nil, errors.New("epoll is Linux only")
}

func (*epollWatcher) add(*Conn) error         { return errors.New("epoll is Linux only") }
func (*epollWatcher) rearm(*Conn) error       { return errors.New("epoll is Linux only") }
func (*epollWatcher) rearmShared(*Conn) error { return errors.New("epoll is Linux only") }
func (*epollWatcher) stop()                   {}

func peekConn(int) peekResult { return peekNothing }
