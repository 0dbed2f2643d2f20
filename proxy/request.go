package proxy

import (
	"bufio"
	"bytes"
	"strconv"
	"sync"
	"time"

	"sliceproxy/proxy/http1"
	"sliceproxy/proxy/static"
	"sliceproxy/upstream"
	"sliceproxy/vars"
)

// reqState is one request in flight on a client connection. It lives in the
// clientConn and is reset, not reallocated, for every request, so its
// buffers (upstream head, copy buffer, attempts) are reused.
type reqState struct {
	c   *clientConn
	rt  *Runtime
	req *http1.Request
	vr  *vars.Request
	// vrReg is the registry vr was made for: a reload needs a new one.
	vrReg *vars.Registry

	srv  *serverConf
	loc  *locationConf
	conf *locConf

	start time.Time
	// clock is the request's cached time, as nginx's cached
	// ngx_current_msec: read where the request resumes after a wait (its
	// head arrived, an upstream response head arrived, a body was read;
	// see tick) and used for deadlines, the Date header and $upstream_*
	// timings until the next such point. A request read the clock a dozen
	// times before, at ~40 ns each (proxy/perf/NOTES.md).
	clock time.Time

	// keepAlive: the client connection may carry another request.
	keepAlive bool
	// headerSent: the response head went out; an error now can only close.
	headerSent bool
	// status is the response status as logged ($status).
	status int
	// bodyState tracks the client request body.
	body bodyState
	// internal counts internal redirects (error_page, try_files, rewrite
	// last): nginx stops at 10 cycles.
	internal   int
	errorPaged bool
	// isInternal: the request went through an internal redirect
	// (error_page, try_files, index, a named location): nginx's
	// r->internal, which "internal" locations require.
	isInternal bool
	// uriChanged: a rewrite or internal redirect changed the URI, so the
	// client's raw request target no longer applies (valid_unparsed_uri).
	uriChanged bool
	// validLocation: the location prefix may be replaced by proxy_pass's
	// URI part ("rewrite ... break" clears it, as nginx's valid_location).
	validLocation bool
	// quotedURI: the raw path had percent-escapes (nginx's quoted_uri).
	quotedURI bool
	// forceStatus is the status an error_page keeps (0: none).
	forceStatus int
	// keptHdr: fields set before an error_page that its page still sends
	// (finalize.go, keepChallenge).
	keptHdr http1.Header

	// Buffers reused across requests.
	head     []byte // response head being built
	upHead   []byte // upstream request head
	scratch  []byte
	hostBuf  []byte // the validated Host
	docBuf   []byte // $document_root being computed
	docRoot  string // the last $document_root, reused while unchanged
	dateBuf  []byte // Date and Content-Length values of the response head
	redirBuf []byte // rewritten Location/Refresh values
	attempts []vars.UpstreamAttempt
	urd      *http1.Reader
	// urdHeadSize is the proxy_buffer_size urd was made for.
	urdHeadSize int
	resp        http1.Response
	ubody       http1.BodyReader
	cbody       http1.BodyReader
	chunked     http1.ChunkedWriter
	sentHdr     http1.Header
	copyBuf     []byte
	// copyBufPtr is copyBuf's pool handle: putting it back allocates nothing.
	copyBufPtr *[]byte
	// picker is the request's balancer state (no allocation per request).
	picker upstream.PickerState
	// iov lends Writev the upstream head and a buffered body.
	iov  [2][]byte
	sres static.Result
	// attemptStart is when the current upstream attempt began.
	attemptStart time.Time
	// sentUpstream counts request bytes written in the current attempt.
	sentUpstream int64
}

// bodyState is what happened to the client's request body.
type bodyState struct {
	// buffered holds the whole body when it was read before connecting
	// (replayable for retries).
	buffered []byte
	// isBuffered: buffered is the complete body (possibly empty).
	isBuffered bool
	// consumed: bytes of the body were read from the client.
	consumed bool
	// done: the body was read completely (or there is none).
	done bool
	// continueSent: "100 Continue" went out.
	continueSent bool
}

// begin prepares st for a new request on c under rt.
func (st *reqState) begin(c *clientConn, rt *Runtime) {
	st.c = c
	st.rt = rt
	st.req = &c.req
	if st.vr == nil || st.vrReg != rt.reg {
		st.vr = rt.reg.NewRequest()
		st.vrReg = rt.reg
	} else {
		st.vr.Reset()
	}
	st.srv, st.loc, st.conf = nil, nil, nil
	st.start = time.Now()
	st.clock = st.start
	st.keepAlive = c.req.KeepAlive
	st.headerSent = false
	st.status = 0
	st.body = bodyState{buffered: st.body.buffered[:0], done: !c.req.HasBody()}
	st.internal = 0
	st.errorPaged = false
	st.isInternal = false
	st.uriChanged = false
	st.forceStatus = 0
	st.keptHdr.Reset()
	st.validLocation = true
	st.quotedURI = bytes.IndexByte(c.req.Path, '%') >= 0
	st.attempts = st.attempts[:0]
	// A request without Host must not see the previous request's (this
	// connection's, or another's whose state was lent, s2_statepool.go).
	st.hostBuf = st.hostBuf[:0]

	f := &st.vr.Facts
	f.Client = &c.req
	f.RemoteAddr = c.remote
	f.LocalAddr = c.local
	f.TLS = c.tls
	f.SNI = c.sni
	f.ConnSerial = c.serial
	f.ConnRequests = c.requests
	f.Start = st.start
	f.ConnStart = c.start
	f.RequestLength = int64(c.req.HeadLength)
}

// releaseBuffers gives the big buffers back between requests, so that an
// idle keep-alive client holds only its goroutine and a few small slices
// (nginx holds about a kilobyte per idle connection).
func (st *reqState) releaseBuffers() {
	if st.copyBufPtr != nil {
		copyBufPool.Put(st.copyBufPtr)
		st.copyBuf, st.copyBufPtr = nil, nil
	}
	if cap(st.body.buffered) > 64<<10 {
		st.body.buffered = nil
	}
	if st.urd != nil {
		st.urd.Reset(nil)
		st.urd.Release()
	}
	if c := st.c; c != nil && c.bw != nil {
		c.bw.Reset(nil)
		c.srv.writers.Put(c.bw)
		c.bw = nil
	}
}

// copyBufSize is the chunk a body is copied in.
const copyBufSize = 32 << 10

var copyBufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

func (st *reqState) buffer() []byte {
	if st.copyBuf == nil {
		st.copyBufPtr = copyBufPool.Get().(*[]byte)
		st.copyBuf = *st.copyBufPtr
	}
	return st.copyBuf
}

// w is the client writer, taken from the server's pool for the request.
func (st *reqState) w() *bufio.Writer {
	c := st.c
	if c.bw == nil {
		c.bw = c.srv.writers.Get().(*bufio.Writer)
		c.bw.Reset(c.nc)
	}
	return c.bw
}

// logContext appends nginx's ", client: ..., server: ..., request: ..." tail
// to an error log message.
func (st *reqState) logContext(msg string, upstreamURL string) string {
	b := make([]byte, 0, len(msg)+128)
	b = append(b, msg...)
	b = append(b, ", client: "...)
	if st.c.remote.IsValid() {
		b = append(b, st.c.remote.Addr().Unmap().String()...)
	}
	b = append(b, ", server: "...)
	if st.srv != nil {
		b = append(b, st.srv.primaryName...)
	}
	b = append(b, `, request: "`...)
	b = append(b, st.req.RequestLine...)
	b = append(b, '"')
	if upstreamURL != "" {
		b = append(b, `, upstream: "`...)
		b = append(b, upstreamURL...)
		b = append(b, '"')
	}
	if h := st.hostForLog(); h != "" {
		b = append(b, `, host: "`...)
		b = append(b, h...)
		b = append(b, '"')
	}
	return string(b)
}

func (st *reqState) hostForLog() string {
	if st.req.HostHeader != nil {
		return string(st.req.HostHeader)
	}
	return ""
}

// logError writes an error log line about this request.
func (st *reqState) logError(l Level, msg, upstreamURL string) {
	if st.rt.errorLog.Enabled(l) {
		st.rt.errorLog.Log(l, st.c.serial, st.logContext(msg, upstreamURL))
	}
}

// dateCache formats the Date header once per second.
type dateCache struct {
	mu   sync.Mutex
	sec  int64
	text []byte
}

// tick reads the clock where the request resumes after a wait.
func (st *reqState) tick() time.Time {
	st.clock = time.Now()
	return st.clock
}

// appendDate appends now in HTTP date format; the text is made once a
// second.
func (d *dateCache) appendDate(dst []byte, now time.Time) []byte {
	sec := now.Unix()
	d.mu.Lock()
	if sec != d.sec {
		d.sec = sec
		d.text = now.UTC().AppendFormat(d.text[:0], "Mon, 02 Jan 2006 15:04:05 GMT")
	}
	dst = append(dst, d.text...)
	d.mu.Unlock()
	return dst
}

func appendInt(dst []byte, n int64) []byte { return strconv.AppendInt(dst, n, 10) }
