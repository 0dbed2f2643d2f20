package proxy

import (
	"errors"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// errClosedBeforeFirstByte: the client closed the connection without
// sending anything.
var errClosedBeforeFirstByte = errors.New("client closed the connection before sending a byte")

// looksLikeTLS tells a TLS client from a plain HTTP one on an ssl port by
// the first byte it sends, as ngx_http_ssl_handshake does: a TLS record
// starts with 0x16 (handshake), an SSLv2 hello has the high bit set. The
// byte is peeked (MSG_PEEK), so the connection is left as it was for
// whichever reader comes next. It waits until deadline for that byte; an
// error means the client sent nothing usable (closed, timed out). A
// connection that is not a socket is taken for TLS.
func looksLikeTLS(nc net.Conn, deadline time.Time) (bool, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true, nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return true, nil
	}
	_ = nc.SetReadDeadline(deadline)
	defer func() { _ = nc.SetReadDeadline(time.Time{}) }()
	var b [1]byte
	var n int
	var perr error
	err = raw.Read(func(fd uintptr) bool {
		n, _, perr = unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK)
		// EAGAIN: nothing yet, let the poller wait (under the deadline).
		return !errors.Is(perr, unix.EAGAIN)
	})
	switch {
	case err != nil:
		return false, err
	case perr != nil:
		return false, perr
	case n == 0:
		return false, errClosedBeforeFirstByte
	}
	return b[0] == 0x16 || b[0]&0x80 != 0, nil
}

// refusePlainOnSSL answers a plain HTTP request that came to an ssl port,
// once its head is read and its server is selected (nginx's
// ngx_http_process_request): 400 with the page "The plain HTTP request was
// sent to HTTPS port" (nginx's internal 497, which error_page can catch),
// and the connection closes. It reports whether it answered.
func (st *reqState) refusePlainOnSSL() bool {
	if !st.c.plainOnSSL {
		return false
	}
	st.logError(LevelInfo, "client sent plain HTTP request to HTTPS port", "")
	st.keepAlive = false
	st.finalize(497)
	return true
}
