package proxy

import "time"

// unreadDeclaredBody returns how many bytes of a Content-Length body the
// client still has to send after an answer that closes the connection (a
// 413 for a too large Content-Length answered before the body arrived):
// the declared length less what already waits in the reader's buffer. 0
// for a chunked body, and for one whose reading started: reading it failed
// (a timeout, a client error), and nginx then closes without waiting.
func (st *reqState) unreadDeclaredBody() int64 {
	req := st.req
	if req == nil || req.Chunked || req.ContentLength <= 0 || st.body.done || st.body.consumed {
		return 0
	}
	n := req.ContentLength
	if st.c.rd != nil {
		n -= int64(st.c.rd.Buffered())
	}
	return max(n, 0)
}

// discardDeclaredBody reads and drops the rest of a declared request body
// before the lingering close half-closes the connection. nginx keeps
// discarding such a body with the connection fully open (its discarded
// body handler, lingering_timeout between reads) and closes only once the
// body has arrived; a client that waits for the body's answer therefore
// sees the connection open, not an early FIN. It reports false when the
// client went silent or away (the connection then simply closes).
func (c *clientConn) discardDeclaredBody(n int64, end time.Time) bool {
	var buf [4096]byte
	for n > 0 {
		d := time.Now().Add(lingeringTimeout)
		if d.After(end) {
			d = end
		}
		c.setReadDeadline(d)
		m, err := c.nc.Read(buf[:min(int64(len(buf)), n)])
		n -= int64(m)
		if err != nil || c.srv.closing.Load() {
			return false
		}
	}
	return true
}
