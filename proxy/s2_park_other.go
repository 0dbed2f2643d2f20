//go:build !linux

package proxy

// idleParker has no poller on this platform: idle keep-alive connections
// wait in their goroutines (see s2_park.go).
type idleParker struct{}

func (*idleParker) park(*clientConn) bool { return false }
func (*idleParker) unpark(*clientConn)    {}
func (*idleParker) stop()                 {}
