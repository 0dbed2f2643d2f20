//go:build !unix

package http1

import "errors"

// setupIdleRead: without unix system calls, a Reader reads into a buffer as usual.
func (rd *Reader) setupIdleRead() { rd.raw = nil }

func (rd *Reader) fillIdle() error { return errors.New("http1: idle reads need unix") }
