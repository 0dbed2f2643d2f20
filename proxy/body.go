package proxy

import (
	"errors"
	"io"
	"net"
	"time"

	"sliceproxy/proxy/http1"
	"sliceproxy/upstream"
)

// Request bodies up to these sizes are read completely before the upstream
// is contacted (nginx's proxy_request_buffering on spools them to memory or
// a temporary file): one writev sends head and body, and a retry can replay
// them. Larger bodies stream and can only be replayed while none of them has
// been read.
const (
	memBodyLimitBuffered = 1 << 20
	memBodyLimitStreamed = 64 << 10
)

var continueLine = []byte("HTTP/1.1 100 Continue\r\n\r\n")

// errBodyTooLarge ends a streamed chunked body over client_max_body_size.
var errBodyTooLarge = errors.New("client intended to send too large chunked body")

// prepareUpstreamBody decides how the body goes upstream and reads what
// it buffers. It answers the client itself (413, 400, 408) and returns
// false when the body cannot be read.
//
// A body that fits the memory limit is read completely first (replayable,
// sent with its head in one writev, a chunked one with a Content-Length). A
// longer one streams: a Content-Length body as it is, a chunked one
// re-chunked after the part already read, counted against
// client_max_body_size as it goes. An HTTP/1.0 upstream needs a length, so
// a chunked body longer than the limit is refused with 413 there (nginx
// would spool it to a temporary file).
func (st *reqState) prepareUpstreamBody() (upstreamBody, bool) {
	req := st.req
	if !req.HasBody() {
		return upstreamBody{length: req.ContentLength}, true
	}
	if !st.conf.passReqBody {
		if !st.discardBody() {
			st.keepAlive = false
		}
		return upstreamBody{length: -1}, true
	}
	st.sendContinue()
	st.cbody.ResetForRequest(st.c.rd, req)
	limit := int64(memBodyLimitStreamed)
	if st.conf.requestBuffering {
		limit = memBodyLimitBuffered
	}
	if !req.Chunked {
		if req.ContentLength > limit {
			return upstreamBody{length: req.ContentLength}, true
		}
		if !st.readBodyToMemory(limit) {
			return upstreamBody{}, false
		}
		return upstreamBody{length: int64(len(st.body.buffered))}, true
	}
	max := st.conf.clientMaxBodySize
	if max == 0 || max > limit {
		max = limit
	}
	if !st.readBodyToMemory(max) {
		return upstreamBody{}, false
	}
	if st.body.isBuffered {
		return upstreamBody{length: int64(len(st.body.buffered))}, true
	}
	// More than the memory limit, within client_max_body_size so far.
	if !st.conf.httpVersion11 {
		st.logError(LevelError, "client sent a chunked body of more than "+itoa(int(limit))+
			" bytes for an HTTP/1.0 upstream (sliceproxy does not spool bodies to disk)", "")
		st.keepAlive = false
		st.finalize(413)
		return upstreamBody{}, false
	}
	return upstreamBody{length: -1, chunked: true}, true
}

// sendContinue answers "Expect: 100-continue" before the body is read, as
// nginx does when it starts reading a body.
func (st *reqState) sendContinue() {
	if !st.req.Expect100 || st.body.continueSent || st.c.rd.Buffered() > 0 {
		return
	}
	st.body.continueSent = true
	st.c.armWriteDeadline(st.clock, st.writeDeadline())
	w := st.w()
	_, _ = w.Write(continueLine)
	_ = w.Flush()
}

// readBodyToMemory reads the client body into st.body.buffered, up to max
// bytes. It reports false after answering an error. When the body is longer
// than max, what was read stays in st.body.buffered (isBuffered false) for
// the streaming send, or, when the body is chunked and over
// client_max_body_size, the request ends with 413.
func (st *reqState) readBodyToMemory(max int64) bool {
	buf := st.body.buffered[:0]
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= max {
				// Full: the body is longer than max.
				st.body.buffered = buf
				return st.checkBodySize(int64(len(buf)) + 1)
			}
			size := min(max64(4096, int64(2*cap(buf))), int(max))
			nb := make([]byte, len(buf), size)
			copy(nb, buf)
			buf = nb
		}
		st.readBodyBy()
		n, err := st.cbody.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		st.body.consumed = true
		if err == io.EOF {
			break
		}
		if err != nil {
			st.body.buffered = buf[:0]
			st.clientBodyError(err)
			return false
		}
	}
	st.body.buffered = buf
	st.body.isBuffered = true
	st.body.done = true
	st.vr.RequestLength = int64(st.req.HeadLength) + st.cbody.Consumed()
	return true
}

// checkBodySize enforces client_max_body_size on a chunked body as it is
// read (a Content-Length is checked before): n bytes read so far.
func (st *reqState) checkBodySize(n int64) bool {
	max := st.conf.clientMaxBodySize
	if max == 0 || n <= max {
		return true
	}
	st.logError(LevelError, "client intended to send too large chunked body: "+itoa(int(n))+" bytes", "")
	st.keepAlive = false
	st.finalize(413)
	return false
}

func max64(a, b int64) int {
	if a > b {
		return int(a)
	}
	return int(b)
}

// clientBodyError answers a failure to read the client's body: 408 after a
// timeout (nginx logs it and closes), 400 for bad framing, nothing when the
// client went away.
func (st *reqState) clientBodyError(err error) {
	st.keepAlive = false
	switch {
	case errors.Is(err, errBodyTooLarge):
		st.logError(LevelError, err.Error(), "")
		st.finalize(413)
	case isTimeout(err):
		st.logError(LevelInfo, "client timed out (110: Connection timed out) while reading client request body", "")
		st.status = 408
		st.headerSent = true // nginx sends nothing, it only logs 408
	case http1.StatusOf(err) != 0:
		st.logError(LevelInfo, err.Error(), "")
		st.finalize(http1.StatusOf(err))
	default:
		st.logError(LevelInfo, "client prematurely closed connection while reading client request body", "")
		st.status = 400
		st.headerSent = true
	}
}

// discardBody reads and drops the client's body, so that the connection
// can carry the next request. It reports false when that failed.
func (st *reqState) discardBody() bool {
	if st.body.done {
		return true
	}
	if st.body.consumed && !st.body.isBuffered {
		return false
	}
	// nginx answers "Expect: 100-continue" even for a body it discards.
	st.sendContinue()
	st.cbody.ResetForRequest(st.c.rd, st.req)
	buf := st.buffer()
	for {
		st.readBodyBy()
		_, err := st.cbody.Read(buf)
		if err == io.EOF {
			st.body.done = true
			return true
		}
		if err != nil {
			return false
		}
	}
}

// bodyReplayable reports whether the request can be sent again.
func (st *reqState) bodyReplayable() bool {
	if !st.req.HasBody() || !st.conf.passReqBody || st.body.isBuffered {
		return true
	}
	return !st.body.consumed
}

// readBodyBy bounds the next client body read by client_body_timeout
// (between two reads), under the grace wait's deadline when it is still
// ahead (clientConn.readBy).
func (st *reqState) readBodyBy() {
	now := time.Now()
	st.c.readBy(now, now.Add(st.conf.clientBodyTimeout))
}

// writeDeadline is the client write deadline (send_timeout).
func (st *reqState) writeDeadline() time.Time {
	d := 60 * time.Second
	if st.conf != nil {
		d = st.conf.sendTimeout
	}
	return st.clock.Add(d)
}

// sendRequest writes the request head and body to the upstream. A request
// held whole in memory is sent by WriteAndAwait, which also waits for the
// response to start arriving (awaited): the read deadline is armed first.
func (st *reqState) sendRequest(conn *upstream.Conn, body upstreamBody) (res attemptResult, awaited bool) {
	_ = conn.ArmWriteDeadline(st.clock, st.clock.Add(st.conf.upstreamSendTO)) // connect read the clock
	st.sentUpstream = 0
	if st.body.isBuffered || !st.req.HasBody() || !st.conf.passReqBody {
		// Head and a buffered body leave in one sendmsg.
		st.iov = [2][]byte{st.upHead}
		if len(st.body.buffered) > 0 && st.body.isBuffered && st.conf.passReqBody {
			st.iov[1] = st.body.buffered
		}
		_ = conn.ArmReadDeadline(st.clock, st.clock.Add(st.conf.readTimeout))
		n, awaited, err := conn.WriteAndAwait(st.iov[:])
		st.iov = [2][]byte{}
		st.sentUpstream = n
		if err != nil {
			return st.sendFailure(err, n > 0), false
		}
		return attemptResult{}, awaited
	}
	// Streaming body.
	m, err := conn.Write(st.upHead)
	st.sentUpstream = int64(m)
	if err != nil {
		return st.sendFailure(err, m > 0), false
	}
	st.body.consumed = true
	var dst io.Writer = conn
	if body.chunked {
		st.chunked.Reset(conn)
		dst = &st.chunked
	}
	total := int64(len(st.body.buffered))
	if total > 0 {
		// The part read while deciding to stream.
		w, werr := dst.Write(st.body.buffered)
		st.sentUpstream += int64(w)
		if werr != nil {
			return st.sendFailure(werr, true), false
		}
	}
	buf := st.buffer()
	for {
		st.readBodyBy()
		n, rerr := st.cbody.Read(buf)
		total += int64(n)
		if body.chunked && st.conf.clientMaxBodySize > 0 && total > st.conf.clientMaxBodySize {
			return attemptResult{kind: failClient, err: errBodyTooLarge, requestSent: true}, false
		}
		if n > 0 {
			now := time.Now()
			_ = conn.ArmWriteDeadline(now, now.Add(st.conf.upstreamSendTO))
			w, werr := dst.Write(buf[:n])
			st.sentUpstream += int64(w)
			if werr != nil {
				return st.sendFailure(werr, true), false
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return attemptResult{kind: failClient, err: rerr, requestSent: true}, false
		}
	}
	if body.chunked {
		if err := st.chunked.Close(&st.cbody.Trailer); err != nil {
			return st.sendFailure(err, true), false
		}
	}
	st.body.done = true
	st.vr.RequestLength = int64(st.req.HeadLength) + st.cbody.Consumed()
	return attemptResult{}, false
}

func (st *reqState) sendFailure(err error, sent bool) attemptResult {
	res := attemptResult{kind: failError, err: err, requestSent: sent}
	if isTimeout(err) {
		res.kind = failTimeout
		res.msg = "upstream timed out (110: Connection timed out) while sending request to upstream"
	} else if errors.Is(err, net.ErrClosed) {
		res.msg = "upstream connection closed while sending request to upstream"
	} else {
		res.msg = "writev() failed (" + errnoText(err) + ") while sending request to upstream"
	}
	return res
}
