package proxy

import (
	"io"
	"net"
	"sync"
	"time"

	"sliceproxy/upstream"
)

// tunnel turns a 101 Switching Protocols exchange into a two-way byte pipe
// (WebSocket and other upgrades). The upstream connection never returns to
// the pool; the client connection ends with the tunnel. proxy_read_timeout
// bounds the silence in either direction, as in nginx.
func (st *reqState) tunnel(conn *upstream.Conn) {
	st.keepAlive = false
	st.buildRelayHead()
	c := st.c
	c.armWriteDeadline(st.clock, st.writeDeadline())
	w := st.w()
	if _, err := w.Write(st.head); err != nil {
		conn.Close()
		return
	}
	st.headerSent = true
	if err := w.Flush(); err != nil {
		conn.Close()
		return
	}
	idle := st.conf.readTimeout
	// pipe sets the client's read deadline itself, exactly.
	c.setReadDeadline(time.Time{})
	var wg sync.WaitGroup
	wg.Add(2)
	var up, down int64
	go func() {
		defer wg.Done()
		// Client to upstream: what the client reader buffered goes first.
		up = pipe(conn.Conn, c.rd, c.nc, idle)
		closeWrite(conn.Conn)
	}()
	go func() {
		defer wg.Done()
		down = pipe(c.nc, st.urd, conn.Conn, idle)
		closeWrite(c.nc)
	}()
	wg.Wait()
	conn.Close()
	st.vr.Response.BytesSent += down
	st.sentUpstream += up
	st.attempts[len(st.attempts)-1].ResponseTime = time.Since(st.attemptStart)
}

// pipe copies src to dst until EOF, an error, or idle time without data.
// deadlineConn is the connection src reads from, for the idle deadline.
func pipe(dst net.Conn, src io.Reader, deadlineConn net.Conn, idle time.Duration) int64 {
	buf := make([]byte, 16<<10)
	var total int64
	for {
		_ = deadlineConn.SetReadDeadline(time.Now().Add(idle))
		n, err := src.Read(buf)
		if n > 0 {
			_ = dst.SetWriteDeadline(time.Now().Add(idle))
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return total
			}
			total += int64(n)
		}
		if err != nil {
			return total
		}
	}
}

// closeWrite half-closes a connection so the peer sees EOF while the other
// direction may still carry data.
func closeWrite(c net.Conn) {
	type closeWriter interface{ CloseWrite() error }
	if cw, ok := c.(closeWriter); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = c.Close()
}
