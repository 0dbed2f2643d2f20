package proxy

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"sliceproxy/internal/deadline"

	"sliceproxy/proxy/http1"
	"sliceproxy/upstream"
)

// clientWriteBuffer is the size of the buffered writer to a client: a
// response head and a typical small body leave in one write.
const clientWriteBuffer = 8 << 10

// clientConn is one client connection and the state reused by every request
// on it: the request reader and head, the writer, the upstream reader and the
// per-request context. Nothing here is shared with other goroutines except
// the idle flag and the socket (which Server may close).
type clientConn struct {
	srv    *Server
	nc     net.Conn
	lkey   string // listener the connection came from
	serial uint64
	// start is when the connection was accepted ($connection_time).
	start  time.Time
	remote netip.AddrPort
	local  netip.AddrPort
	tls    bool
	sni    string
	// plainOnSSL: a plain HTTP client on an ssl port; its request is
	// answered with nginx's 400 "plain HTTP request was sent to HTTPS port".
	plainOnSSL bool
	// pipe marks the in-memory connection of one HTTP/2 stream: TLS is
	// already done and it holds no worker_connections slot.
	pipe bool
	// h2 marks an HTTP/2 connection; h2Streams counts its streams in
	// flight, so that a reload or QUIT can close it once it is idle.
	h2        atomic.Bool
	h2Streams atomic.Int32

	rd  *http1.Reader
	bw  *bufio.Writer // from Server.writers while a request is answered
	req http1.Request
	// wdl arms the write deadline (send_timeout) lazily: a connection
	// answering request after request keeps the one it has when the new one
	// is only a little later (deadline.Lazy). Every write deadline of nc
	// goes through armWriteDeadline or is recorded in wdl.
	wdl deadline.Lazy
	// rdl remembers the armed read deadline. Every read deadline of nc goes
	// through readBy, setReadDeadline or the grace wait (s2_park_linux.go).
	rdl deadline.Lazy

	// idle is not connBusy while the connection waits for a request: the
	// only time Server may close it without cutting a request (states in
	// x2_idle.go).
	idle atomic.Int32

	requests int
	// st is the request state, lent by the server while the connection is
	// not parked (see state in s2_statepool.go): about 2 KB an idle
	// keep-alive connection need not hold.
	st *reqState
	// headerTimeout and keepaliveTimeout are the waits for the next request
	// (from the server that answered the last one); parked is the state of
	// a keep-alive wait handed to the idle poller (s2_park.go).
	headerTimeout    time.Duration
	keepaliveTimeout time.Duration
	parked           parkState
	// linger: the connection closes after an answer while the client may
	// still be sending its body (413, 400 ...): drain before closing so that
	// the kernel does not reset the connection under the answer.
	linger bool
	// lingerBody: bytes of a declared body still to come when lingering
	// starts; they are discarded before the half-close (see
	// discardDeclaredBody).
	lingerBody int64

	// upstream is the upstream connection of the request in flight, so that
	// a fast stop can cut it too. upMu also guards the replacement of nc by
	// its TLS wrapper.
	upMu     sync.Mutex
	upstream net.Conn
}

// setUpstream records the upstream connection in use (nil when none).
func (c *clientConn) setUpstream(u *upstream.Conn) {
	c.upMu.Lock()
	if u == nil {
		c.upstream = nil
	} else {
		c.upstream = u.Conn
	}
	c.upMu.Unlock()
}

// abort closes the client connection and the upstream one in use.
func (c *clientConn) abort() {
	c.upMu.Lock()
	_ = c.nc.Close()
	if c.upstream != nil {
		_ = c.upstream.Close()
	}
	c.upMu.Unlock()
	c.unpark()
}

func (s *Server) newClientConn(nc net.Conn, l *boundListener) *clientConn {
	c := &clientConn{
		srv:    s,
		nc:     nc,
		lkey:   l.key,
		serial: s.serial.Add(1),
		start:  time.Now(),
	}
	c.remote = addrPortOf(nc.RemoteAddr())
	c.local = addrPortOf(nc.LocalAddr())
	if !s.track(c) {
		_ = nc.Close()
		if s.connSem != nil {
			<-s.connSem
		}
		return nil
	}
	return c
}

func addrPortOf(a net.Addr) netip.AddrPort {
	switch v := a.(type) {
	case *net.TCPAddr:
		return v.AddrPort()
	}
	return netip.AddrPort{}
}

// closeIfIdle closes the connection when it is waiting for a request (an
// HTTP/2 connection: when no stream is in flight).
func (c *clientConn) closeIfIdle() {
	if c.h2.Load() {
		if c.h2Streams.Load() == 0 {
			c.abort()
		}
		return
	}
	if c.idle.CompareAndSwap(connIdleKeepAlive, connClosedIdle) || c.idle.CompareAndSwap(connAwaitingFirst, connClosedIdle) {
		_ = c.nc.Close()
		c.unpark()
	}
}

// serve runs the request loop of the connection until it closes or is
// parked (s2_park.go).
func (c *clientConn) serve() {
	parked := false
	defer func() {
		if !parked {
			c.endConn()
		}
	}()
	rt := c.srv.acquireRuntime()
	if rt == nil {
		return
	}
	sock := rt.socket(c.lkey, c.local)
	if sock == nil {
		rt.release()
		return
	}
	def := rt.servers[sock.servers.Default()]
	if sock.tls != nil && !c.pipe {
		if !c.handshake(sock, def) {
			rt.release()
			return
		}
	}
	opts := def.readerOptions()
	opts.HostRules = sock.readerHostRules() // header lines after Host: its server's rules
	opts.Buffers = c.srv.bufs
	c.rd = http1.NewReader(c.nc, opts)
	c.rd.SetDeadlineExtender(c.armReadDeadline)
	c.headerTimeout = def.headerTimeout
	c.keepaliveTimeout = def.conf.keepaliveTimeout
	rt.release()
	parked = c.requestLoop(false)
}

// endConn closes the connection and lets go of it.
func (c *clientConn) endConn() {
	if c.linger && !c.srv.closing.Load() {
		c.lingeringClose()
	}
	_ = c.nc.Close()
	if c.st != nil {
		c.st.releaseBuffers()
	}
	c.srv.untrack(c)
}

// requestLoop reads and answers requests until the connection must close
// (it returns false) or is parked between two requests (it returns true:
// the caller must not touch the connection any more). resumed continues a
// parked connection whose socket became readable.
func (c *clientConn) requestLoop(resumed bool) bool {
	for {
		// The first request waits client_header_timeout; the following ones
		// keepalive_timeout (nginx then switches to client_header_timeout at
		// the first byte; a whole head arriving slower than keepalive_timeout
		// is the only difference).
		waiting := connIdleKeepAlive // a parked connection's state
		if resumed {
			resumed = false
			c.readBy(time.Now(), c.parked.deadline)
		} else {
			wait := c.headerTimeout
			var deadline time.Time
			if c.requests > 0 {
				wait = c.keepaliveTimeout
				c.rd.Release() // no buffer memory held by idle keep-alive clients
				var parked bool
				if parked, deadline = c.park(wait); parked {
					return true
				}
			}
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(wait)
			}
			c.readBy(now, deadline)
			waiting = c.idleState()
			if !c.idle.CompareAndSwap(connBusy, waiting) {
				return false
			}
		}
		err := c.rd.ReadRequest(&c.req)
		if !c.idle.CompareAndSwap(waiting, connBusy) {
			return false // closed by a reload or a graceful shutdown
		}
		rt := c.srv.acquireRuntime()
		if rt == nil {
			return false
		}
		if err != nil {
			c.requestError(rt, err)
			rt.release()
			return false
		}
		if c.pipe {
			// HTTP/2 streams arrive through the HTTP/1.1 loop; restore their
			// version for $server_protocol and $request.
			c.markHTTP2()
		}
		c.requests++
		keep := c.handle(rt)
		rt.release()
		if !keep || c.srv.closing.Load() {
			return false
		}
		c.headerTimeout = c.st.srv.headerTimeout
		c.keepaliveTimeout = c.st.conf.keepaliveTimeout
	}
}

// handshake runs the TLS handshake under client_header_timeout.
func (c *clientConn) handshake(sock *socketConf, def *serverConf) bool {
	isTLS, err := looksLikeTLS(c.nc, time.Now().Add(def.headerTimeout))
	if err != nil {
		return false
	}
	if !isTLS {
		c.plainOnSSL = true
		return true
	}
	tc := tls.Server(c.nc, sock.tls)
	d := time.Now().Add(def.headerTimeout)
	_ = tc.SetDeadline(d)
	c.wdl.Armed(d)
	c.rdl.Armed(d)
	if err := tc.Handshake(); err != nil {
		if !errors.Is(err, io.EOF) && !errors.Is(err, os.ErrDeadlineExceeded) {
			c.srv.logRuntime(LevelInfo, c.serial, "SSL_do_handshake() failed ("+err.Error()+") while SSL handshaking, client: "+c.remote.Addr().String())
		}
		return false
	}
	_ = tc.SetDeadline(time.Time{})
	c.wdl.Armed(time.Time{})
	c.rdl.Armed(time.Time{})
	c.upMu.Lock()
	c.nc = tc
	c.upMu.Unlock()
	c.tls = true
	c.sni = tc.ConnectionState().ServerName
	if isH2(tc) {
		c.serveH2(tc)
		return false
	}
	return true
}

// requestError answers a request head that could not be parsed, as nginx
// does: with the status of the error (none for I/O errors and timeouts) and
// "Connection: close".
func (c *clientConn) requestError(rt *Runtime, err error) {
	if errors.Is(err, http1.ErrClosedBeforeRequest) || errors.Is(err, io.EOF) {
		return
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		if c.requests == 0 || c.rd.Buffered() > 0 {
			// nginx: client timed out while reading client request headers,
			// closes without a response (the 408 is only logged).
			rt.errorLog.Log(LevelInfo, c.serial, "client timed out (110: Connection timed out) while reading client request headers, client: "+c.remote.Addr().String())
		}
		return
	}
	status := http1.StatusOf(err)
	if status == 0 {
		return
	}
	rt.errorLog.Log(LevelInfo, c.serial, err.Error()+", client: "+c.remote.Addr().String())
	c.noteFailedRequest(err)
	st := c.state()
	st.begin(c, rt)
	st.keepAlive = false
	st.body.done = true // never read a body after a broken head
	// nginx answers and logs with the address's default server.
	if sock := rt.socket(c.lkey, c.local); sock != nil {
		st.srv = rt.servers[sock.servers.Default()]
		st.conf = st.srv.conf
		st.vr.ServerName = st.srv.primaryName
	}
	if st.vr.RequestLength == 0 && len(c.req.RequestLine) > 0 {
		st.vr.RequestLength = int64(len(c.req.RequestLine)) + 2 // what was read: the line and its CRLF
	}
	st.sendOwn(status)
	st.finish()
}

// socket finds the socket configuration of a connection: the specific
// address it was made to when a wildcard socket serves several.
func (rt *Runtime) socket(lkey string, local netip.AddrPort) *socketConf {
	for _, s := range rt.sockets {
		if s.key != lkey {
			continue
		}
		if s.specific != nil && local.IsValid() {
			if sp, ok := s.specific[local.Addr().Unmap()]; ok {
				return sp
			}
		}
		return s
	}
	return nil
}

// acquireRuntime returns the current runtime with a reference held, or nil
// when the server is closed.
func (s *Server) acquireRuntime() *Runtime {
	for {
		rt := s.rt.Load()
		if rt == nil {
			return nil
		}
		if rt.tryAcquire() {
			if s.rt.Load() == rt {
				return rt
			}
			rt.release()
		}
	}
}

// logRuntime writes to the current runtime's error log.
func (s *Server) logRuntime(level Level, conn uint64, msg string) {
	if rt := s.acquireRuntime(); rt != nil {
		rt.errorLog.Log(level, conn, msg)
		rt.release()
	}
}

// readerOptions are the request reader's limits from the server's
// large_client_header_buffers, and its header rules until the host selects a
// server (Options.HostRules, x3_hostopts.go).
func (s *serverConf) readerOptions() http1.Options {
	o := http1.DefaultOptions()
	if s.headerBufs.n > 0 {
		o.LargeHeaderBuffers = s.headerBufs.n
		o.LargeHeaderBufferSize = s.headerBufs.size
	}
	r := s.headerRules()
	o.UnderscoresInHeaders = r.UnderscoresInHeaders
	o.KeepInvalidHeaders = r.KeepInvalidHeaders
	o.NoMergeSlashes = s.headerBufs.keepSlashes
	return o
}

// Lingering close (nginx's lingering_close on, lingering_time 30s,
// lingering_timeout 5s).
const (
	lingeringTime    = 30 * time.Second
	lingeringTimeout = 5 * time.Second
)

// lingeringClose half-closes the connection and reads what the client
// still sends, so that the answer already written is not destroyed by a
// reset; it gives up after lingeringTimeout of silence or lingeringTime.
func (c *clientConn) lingeringClose() {
	type closeWriter interface{ CloseWrite() error }
	cw, ok := c.nc.(closeWriter)
	if !ok {
		return
	}
	end := time.Now().Add(lingeringTime)
	if c.lingerBody > 0 && !c.discardDeclaredBody(c.lingerBody, end) {
		return
	}
	if err := cw.CloseWrite(); err != nil {
		return
	}
	var buf [4096]byte
	for {
		d := time.Now().Add(lingeringTimeout)
		if d.After(end) {
			d = end
		}
		c.setReadDeadline(d)
		if _, err := c.nc.Read(buf[:]); err != nil {
			return
		}
		if c.srv.closing.Load() {
			return
		}
	}
}

// readBy makes the request reader's reads end by hard (client_header_timeout,
// keepalive_timeout, client_body_timeout). An armed read deadline that is
// earlier but still ahead — the keep-alive grace wait's — stays, and a read
// it ends is extended to hard (http1.Reader.SetSoftDeadline): a connection
// answering request after request then arms no timer per request. Reads on
// nc itself, not through the reader, must use setReadDeadline.
func (c *clientConn) readBy(now, hard time.Time) {
	if a := c.rdl.Deadline(); !a.IsZero() && a.After(now) && !a.After(hard) {
		c.rd.SetSoftDeadline(hard)
		return
	}
	c.setReadDeadline(hard)
}

// setReadDeadline sets the read deadline to t exactly, with no soft
// deadline behind it (for reads on the socket itself: lingering close,
// tunnels).
func (c *clientConn) setReadDeadline(t time.Time) {
	if c.rd != nil {
		c.rd.SetSoftDeadline(time.Time{})
	}
	_ = c.armReadDeadline(t)
}

// armReadDeadline arms t and records it in rdl; it is also the reader's
// extension of a soft deadline.
func (c *clientConn) armReadDeadline(t time.Time) error {
	c.rdl.Armed(t)
	return c.nc.SetReadDeadline(t)
}

// armWriteDeadline sets the client write deadline to t, asked at now, unless
// the armed one is at most a little earlier (deadline.Lazy).
func (c *clientConn) armWriteDeadline(now, t time.Time) { _ = c.wdl.SetWrite(c.nc, now, t) }
