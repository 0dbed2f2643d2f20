//go:build unix && !linux

package http1

import "syscall"

// recvNonblock reads a non-blocking socket (retried on EINTR); the raw
// recvfrom of Linux is not portable, so this is a plain read.
func recvNonblock(fd uintptr, p []byte) (int, syscall.Errno) {
	for {
		n, err := syscall.Read(int(fd), p)
		if err == nil {
			return n, 0
		}
		if err != syscall.EINTR {
			if e, ok := err.(syscall.Errno); ok {
				return 0, e
			}
			return 0, syscall.EIO
		}
	}
}
