package proxy

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"sliceproxy/proxy/http1"
	"sliceproxy/upstream"
	"sliceproxy/vars"
)

// failKind classifies how one upstream attempt failed, in
// proxy_next_upstream's terms.
type failKind uint8

const (
	failNone failKind = iota
	failError
	failTimeout
	failInvalidHeader
	failStatus // a response whose status is listed in proxy_next_upstream
	failClient // reading the client's body failed while streaming it
)

// attemptResult is what one try on one connection produced.
type attemptResult struct {
	kind failKind
	err  error
	// msg is nginx's log message ("upstream prematurely closed connection
	// while reading response header from upstream").
	msg string
	// requestSent: some bytes of the request were written (u->request_sent).
	requestSent bool
	// responseStarted: some bytes of a response arrived.
	responseStarted bool
}

// proxy runs proxy_pass for the current request: it picks peers, sends the
// request, retries as proxy_next_upstream allows, and relays the response.
func (st *reqState) proxy(pp *proxyPass) {
	t, err := pp.resolve(st)
	if err != nil {
		st.logError(LevelError, err.Error(), "")
		st.finalize(502)
		return
	}
	st.vr.ProxyHost, st.vr.ProxyPort = t.host, t.port

	body, ok := st.prepareUpstreamBody()
	if !ok {
		return
	}
	st.buildUpstreamHead(pp, &t, body)
	st.runAttempts(t.group, body)
}

// runAttempts is the retry loop (ngx_http_upstream_next).
func (st *reqState) runAttempts(g *upstream.Group, body upstreamBody) {
	conf := st.conf
	vr := st.vr
	picker := g.PickerIn(&st.picker, vr)
	var key string
	var limit int
	if g.Pool != nil && g.Sliced() {
		key, limit, _ = g.Slice(vr)
	}
	idempotent := isIdempotent(st.req.Method)
	maxTries := conf.nextTries // 0: as many as the group has peers
	var deadline time.Time
	if conf.nextTimeout > 0 {
		deadline = st.start.Add(conf.nextTimeout)
	}
	tries := 0
	var peer *upstream.Peer
	fresh := false // retry on a new connection to the same peer
	var last attemptResult
	for {
		if !fresh {
			p, err := picker.Next()
			if err != nil {
				if tries == 0 {
					st.logError(LevelError, "no live upstreams while connecting to upstream", "http://"+g.Name+string(st.upstreamPath()))
					st.addAttempt(g.Name, 0, false, "")
					st.finalize(502)
					return
				}
				st.failWith(last)
				return
			}
			peer = p
			tries++
		}
		wasFresh := fresh
		fresh = false

		conn, reused, res := st.connect(g, peer, key, wasFresh)
		st.c.setUpstream(conn)
		if res.kind == failNone {
			res = st.sendAndReadHead(conn, body)
		}
		att := &st.attempts[len(st.attempts)-1]
		att.KeepaliveReused = reused
		att.Slice = key
		att.ResponseTime = st.clock.Sub(st.attemptStart) // ticked when the head (or a failure) came

		if res.kind == failNone {
			// A response head arrived. Decide on a status-based retry.
			status := st.resp.Status
			att.Status = status
			mask := statusMask(status)
			if mask != 0 && conf.nextUpstream&mask != 0 && st.mayRetry(g, tries, maxTries, deadline, idempotent, true) {
				conn.Close()
				picker.Done(peer, mask != nextHTTP403 && mask != nextHTTP404)
				last = attemptResult{kind: failStatus}
				continue
			}
			picker.Done(peer, false)
			st.relay(g, conn, key, limit)
			return
		}

		// The attempt failed.
		if conn != nil {
			conn.Close()
		}
		if res.kind == failClient {
			picker.Done(peer, false)
			st.clientBodyError(res.err)
			return
		}
		if res.kind == failTimeout {
			att.Status = 504
		} else {
			att.Status = 502
		}
		url := "http://" + peer.Name + string(st.upstreamPath())
		// A kept-alive connection the upstream had closed (mpm-itk dropping a
		// connection of another vhost, a keepalive timeout racing with us):
		// nothing of a response arrived, so try again on a new connection
		// without using up a try — for idempotent requests, and for any
		// request none of which reached the upstream.
		if reused && !res.responseStarted && res.kind == failError &&
			(idempotent || !res.requestSent || conf.nextUpstream&nextNonIdempotent != 0) &&
			st.bodyReplayable() {
			st.logError(LevelInfo, res.msg+" (retrying on a new connection)", url)
			fresh = true
			continue
		}
		st.logError(LevelError, res.msg, url)
		picker.Done(peer, true)
		last = res
		if st.nextAllowed(res.kind) && st.mayRetry(g, tries, maxTries, deadline, idempotent, res.requestSent) {
			continue
		}
		st.failWith(res)
		return
	}
}

// failWith answers the client after the last attempt failed.
func (st *reqState) failWith(res attemptResult) {
	switch res.kind {
	case failTimeout:
		st.finalize(504)
	case failStatus:
		// Unreachable: a status failure without retry is relayed.
		st.finalize(502)
	default:
		st.finalize(502)
	}
}

// nextAllowed reports whether proxy_next_upstream lists the failure.
func (st *reqState) nextAllowed(k failKind) bool {
	m := st.conf.nextUpstream
	if m&nextOff != 0 {
		return false
	}
	switch k {
	case failError:
		return m&nextError != 0
	case failTimeout:
		return m&nextTimeout != 0
	case failInvalidHeader:
		return m&nextInvalidHeader != 0
	}
	return false
}

// mayRetry checks the limits of another try: proxy_next_upstream_tries and
// _timeout, the peers left, a replayable body, and the non-idempotent rule.
func (st *reqState) mayRetry(g *upstream.Group, tries, maxTries int, deadline time.Time, idempotent, sent bool) bool {
	if st.conf.nextUpstream&nextOff != 0 {
		return false
	}
	if maxTries > 0 && tries >= maxTries {
		return false
	}
	if tries >= usablePeers(g) {
		return false
	}
	if !deadline.IsZero() && time.Now().After(deadline) {
		return false
	}
	if sent && !idempotent && st.conf.nextUpstream&nextNonIdempotent == 0 {
		return false
	}
	return st.bodyReplayable()
}

// usablePeers is nginx's peer.tries: the peers that are not down.
func usablePeers(g *upstream.Group) int {
	n := 0
	for _, p := range g.Peers {
		if !p.Down {
			n++
		}
	}
	return n
}

// isIdempotent is nginx's list: everything but POST, LOCK and PATCH.
func isIdempotent(method []byte) bool {
	switch string(method) {
	case "POST", "LOCK", "PATCH":
		return false
	}
	return true
}

// connect gets a pooled connection (unless fresh) or dials one, and records
// the attempt.
func (st *reqState) connect(g *upstream.Group, peer *upstream.Peer, key string, fresh bool) (*upstream.Conn, bool, attemptResult) {
	// The first attempt of a request without a body starts when the
	// request did; a retry or a request whose body was read, now.
	start := st.clock
	if len(st.attempts) > 0 || st.req.HasBody() {
		start = st.tick()
	}
	st.attemptStart = start
	st.addAttempt(peer.Name, -1, false, key)
	if !fresh && g.Pool != nil {
		if c := g.Pool.Get(peer, key); c != nil {
			st.attempts[len(st.attempts)-1].ConnectTime = 0
			return c, true, attemptResult{}
		}
	}
	ctx := context.Background()
	c, err := g.Pool.DialWith(ctx, peer, upstream.DialOptions{Timeout: st.conf.connectTimeout, SocketKeepalive: st.conf.socketKeepalive})
	if err != nil {
		st.tick()
		res := attemptResult{kind: failError, err: err}
		if isTimeout(err) {
			res.kind = failTimeout
			res.msg = "upstream timed out (110: Connection timed out) while connecting to upstream"
		} else {
			res.msg = "connect() failed (" + errnoText(err) + ") while connecting to upstream"
		}
		return nil, false, res
	}
	st.attempts[len(st.attempts)-1].ConnectTime = st.tick().Sub(start)
	return c, false, attemptResult{}
}

// addAttempt appends an $upstream_* record.
func (st *reqState) addAttempt(addr string, connect time.Duration, reused bool, key string) {
	st.attempts = append(st.attempts, vars.UpstreamAttempt{
		Addr:            addr,
		ConnectTime:     connect,
		HeaderTime:      -1,
		KeepaliveReused: reused,
		Slice:           key,
	})
	st.vr.Upstream = st.attempts
}

// sendAndReadHead writes the request (head and body) and reads the
// response head into st.resp.
func (st *reqState) sendAndReadHead(conn *upstream.Conn, body upstreamBody) attemptResult {
	att := &st.attempts[len(st.attempts)-1]
	res, awaited := st.sendRequest(conn, body)
	att.BytesSent = st.sentUpstream
	if res.kind != failNone {
		st.tick()
		return res
	}
	if st.urd == nil || st.urdHeadSize != st.conf.responseHeadSize {
		st.urd = http1.NewReader(conn, http1.Options{Buffers: st.c.srv.bufs, ResponseHeaderSize: st.conf.responseHeadSize})
		st.urdHeadSize = st.conf.responseHeadSize
	} else {
		st.urd.Reset(conn)
	}
	if !awaited {
		if st.req.HasBody() {
			st.tick() // sending a body may have waited
		}
		_ = conn.ArmReadDeadline(st.clock, st.clock.Add(st.conf.readTimeout))
	}
	err := st.urd.ReadResponse(&st.resp, st.upstreamIsHead())
	st.tick()
	att.BytesReceived = st.urd.BytesRead()
	if err != nil {
		res := attemptResult{err: err, requestSent: true, responseStarted: st.urd.BytesRead() > 0}
		switch {
		case isTimeout(err):
			res.kind = failTimeout
			res.msg = "upstream timed out (110: Connection timed out) while reading response header from upstream"
		case errors.Is(err, http1.ErrUpstreamClosed) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			res.kind = failError
			res.msg = "upstream prematurely closed connection while reading response header from upstream"
		case http1.StatusOf(err) != 0:
			res.kind = failInvalidHeader
			var he *http1.Error
			if errors.As(err, &he) {
				res.msg = he.Msg + " while reading response header from upstream"
			}
		default:
			res.kind = failError
			res.msg = "recv() failed (" + errnoText(err) + ") while reading response header from upstream"
		}
		return res
	}
	att.HeaderTime = st.clock.Sub(st.attemptStart)
	att.ResponseHeader = &st.resp.Header
	return attemptResult{}
}

// isTimeout reports a deadline or dial timeout.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// errnoText renders an error as nginx does: "111: Connection refused".
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return itoa(int(errno)) + ": " + capitalize(errno.Error())
	}
	return err.Error()
}

func itoa(n int) string { return string(appendInt(nil, int64(n))) }

func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// upstreamPath is the URI part of st.upHead's request line, for log lines.
func (st *reqState) upstreamPath() []byte {
	h := st.upHead
	i := indexByte(h, ' ')
	if i < 0 {
		return nil
	}
	rest := h[i+1:]
	j := indexByte(rest, ' ')
	if j < 0 {
		return nil
	}
	return rest[:j]
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}
