//go:build unix

package http1

import (
	"io"
	"os"
	"syscall"
)

// setupIdleRead remembers the connection's RawConn so that a Reader without a
// buffer can wait for the next request without holding one (see fillIdle).
func (rd *Reader) setupIdleRead() {
	rd.raw = nil
	if rd.opt.Buffers == nil {
		return
	}
	sc, ok := rd.src.(syscall.Conn)
	if !ok {
		return
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rd.raw = raw
	if rd.idleFn == nil {
		rd.idleFn = rd.idleRead // a method value, made once per Reader
	}
}

// fillIdle reads the first bytes of a message into a pooled buffer taken only once
// the socket is readable: as nginx does on an idle keep-alive connection, no buffer
// is held while waiting, and no extra system call is made. Deadlines apply as for
// conn.Read.
func (rd *Reader) fillIdle() error {
	rd.idleN, rd.idleErr = 0, nil
	err := rd.raw.Read(rd.idleFn)
	for err != nil && rd.extendDeadline(err) {
		err = rd.raw.Read(rd.idleFn)
	}
	if err != nil {
		rd.releaseIdleBuffer()
		return err
	}
	if rd.idleErr != nil {
		return rd.idleErr
	}
	rd.w += rd.idleN
	rd.read += int64(rd.idleN)
	return nil
}

// idleRead is called by RawConn.Read when the socket may be readable.
func (rd *Reader) idleRead(fd uintptr) bool {
	ptr, buf := rd.opt.Buffers.get()
	n, e := recvNonblock(fd, buf)
	switch {
	case e == syscall.EAGAIN:
		rd.opt.Buffers.put(ptr)
		return false // wait for readability, then try again
	case e != 0:
		rd.opt.Buffers.put(ptr)
		rd.idleErr = os.NewSyscallError("read", e)
		return true
	case n == 0:
		rd.opt.Buffers.put(ptr)
		rd.idleErr = io.EOF
		return true
	}
	rd.buf, rd.bufPtr = buf, ptr
	rd.r, rd.w, rd.floor = 0, 0, 0
	rd.idleN = n
	return true
}
