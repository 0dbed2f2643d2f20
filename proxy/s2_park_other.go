//go:build !linux

package proxy

import "time"

// idleParker has no poller on this platform: idle keep-alive connections
// wait in their goroutines (see s2_park.go).
type idleParker struct{}

func (*idleParker) supported() bool       { return false }
func (*idleParker) park(*clientConn) bool { return false }

// readableWithin reports ready at once: nothing parks, the caller reads in
// its goroutine.
func (*idleParker) readableWithin(*clientConn, time.Time, time.Time) bool { return true }
func (*idleParker) unpark(*clientConn)                                    {}
func (*idleParker) stop()                                                 {}
