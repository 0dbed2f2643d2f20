//go:build linux

package rawsys

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Recv is one recvfrom(fd, p, flags) on a non-blocking socket (retried on
// EINTR); p must not be empty. The errno is 0 on success.
func Recv(fd uintptr, p []byte, flags int) (int, syscall.Errno) {
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(flags), 0, 0)
		if e != syscall.EINTR {
			return int(n), e
		}
	}
}

// Peek reports what a read on the non-blocking socket fd would find
// without consuming it: n is 1 when a byte is waiting, 0 at the end of the
// stream; errno is EAGAIN when nothing has arrived.
func Peek(fd uintptr) (n int, errno syscall.Errno) {
	var b [1]byte
	return Recv(fd, b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
}

// EpollWaitNow collects the events ready on epfd without waiting
// (epoll_wait with a zero timeout; EINTR counts as none).
func EpollWaitNow(epfd uintptr, events []unix.EpollEvent) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, epfd, uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	switch e {
	case 0:
		return int(n), nil
	case syscall.EINTR:
		return 0, nil
	}
	return 0, e
}

// AppendIovecs appends to iov an iovec for each non-empty buffer of bufs,
// stopping when iov holds max of them (one sendmsg takes a bounded list).
func AppendIovecs(iov []unix.Iovec, bufs [][]byte, max int) []unix.Iovec {
	for _, b := range bufs {
		if len(iov) >= max {
			break
		}
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
	}
	return iov
}

// Sendmsg is one sendmsg(fd, iov, MSG_NOSIGNAL) on a non-blocking socket
// (retried on EINTR); iov must not be empty. raw makes it without the
// runtime's system call bookkeeping (no thread handoff if the kernel
// deschedules the caller inside it). The errno is 0 on success.
func Sendmsg(fd uintptr, iov []unix.Iovec, raw bool) (int, syscall.Errno) {
	msg := unix.Msghdr{Iov: &iov[0]}
	msg.SetIovlen(len(iov))
	send := syscall.Syscall
	if raw {
		send = syscall.RawSyscall
	}
	for {
		n, _, e := send(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&msg)), unix.MSG_NOSIGNAL)
		if e != syscall.EINTR {
			return int(n), e
		}
	}
}
