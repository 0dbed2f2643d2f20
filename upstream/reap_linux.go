//go:build linux

package upstream

import (
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// release replaces nc's socket with a descriptor of /dev/null (r.mu held).
// It reports false when nc is not a plain socket of ours (TLS must send its
// close_notify) or /dev/null cannot be had; the caller then closes nc.
func (r *reaper) release(nc net.Conn) bool {
	switch nc.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return false
	}
	if !r.opened {
		r.opened = true
		r.null = -1
		// Opened once per pool, through the runtime: this one system call
		// may wake sysmon.
		if fd, err := unix.Open("/dev/null", unix.O_RDWR|unix.O_CLOEXEC, 0); err == nil {
			r.null = fd
		}
	}
	if r.null < 0 {
		return false
	}
	rc, err := nc.(syscall.Conn).SyscallConn()
	if err != nil {
		return false
	}
	var errno unix.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = unix.RawSyscall(unix.SYS_DUP3, uintptr(r.null), fd, unix.O_CLOEXEC)
	}); err != nil {
		return false // closed already: Close reports it
	}
	if errno != 0 {
		return false
	}
	// Nobody uses a discarded connection; were it used anyway, a passed
	// deadline fails the I/O instead of reaching /dev/null. (No system
	// call: deadlines live in the runtime's poller.)
	_ = nc.SetDeadline(longAgo)
	return true
}

var longAgo = time.Unix(1, 0)

func (r *reaper) closeNull() {
	if r.opened && r.null >= 0 {
		unix.Close(r.null)
	}
	r.null, r.opened = -1, true
}
