package proxy

import (
	"errors"
	"io"
	"time"

	"sliceproxy/proxy/http1"
	"sliceproxy/upstream"
)

// relay sends the upstream's response (head in st.resp) to the client and
// gives the connection back to the pool with what happened on the wire.
func (st *reqState) relay(g *upstream.Group, conn *upstream.Conn, key string, limit int) {
	resp := &st.resp
	conf := st.conf
	att := &st.attempts[len(st.attempts)-1]
	if resp.Status == 101 {
		st.tunnel(conn)
		return
	}
	if conf.interceptErrors && resp.Status >= 300 && st.errorPageFor(resp.Status) != nil {
		// proxy_intercept_errors: the upstream's body is dropped and the
		// error_page answers instead.
		conn.Close()
		st.finalizeIntercepted(resp.Status, &resp.Header)
		return
	}

	chunkOut := st.buildRelayHead()
	w := st.w()
	c := st.c
	c.armWriteDeadline(st.clock, st.writeDeadline())
	n, werr := w.Write(st.head)
	st.vr.Response.HeaderBytes = int64(n)
	st.vr.Response.BytesSent = int64(n)
	st.headerSent = true

	br := &st.ubody
	br.ResetForResponse(st.urd, resp)
	var dst io.Writer = w
	if chunkOut {
		st.chunked.Reset(w)
		dst = &st.chunked
	}
	if st.isHead() {
		// A body sent to a HEAD client's request only because proxy_method
		// changed the method is read to its end and dropped.
		dst = io.Discard
	}
	clientOK := werr == nil
	var upErr error
	buf := st.buffer()
	// waited: a read may have waited for the network, so the clock is read
	// again for $upstream_response_time.
	waited := false
	// What has been written goes out before a read that may wait for the
	// network (proxy_buffering off semantics; on is no worse, nginx sends
	// what it has too). A length or until-close body read waits only when
	// nothing is buffered; a chunked one may also wait with a part of the
	// framing buffered, up to a chunk-size line.
	flushBelow := 1
	if resp.Chunked {
		flushBelow = maxChunkFraming
	}
	for !br.Done() {
		if st.urd.Buffered() < flushBelow && !lengthBodyRead(resp, br) {
			if clientOK {
				if err := w.Flush(); err != nil {
					clientOK = false
					werr = err
				}
			}
			waited = true
			// proxy_read_timeout runs between two reads, send_timeout
			// between two writes; the lazy deadlines re-arm only when the
			// armed ones have fallen behind by more than their slack.
			now := time.Now()
			_ = conn.ArmReadDeadline(now, now.Add(conf.readTimeout))
			if clientOK {
				c.armWriteDeadline(now, now.Add(conf.sendTimeout))
			}
		}
		m, err := br.Read(buf)
		if m > 0 && clientOK {
			if _, err := dst.Write(buf[:m]); err != nil {
				clientOK = false
				werr = err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			upErr = err
			break
		}
		if !clientOK && !conf.ignoreClientAbort {
			break
		}
	}
	complete := br.Done() && st.urd.Buffered() == 0
	att.BytesReceived = st.urd.BytesRead()
	att.ResponseLength = br.PayloadRead()
	if waited {
		st.tick()
	}
	att.ResponseTime = st.clock.Sub(st.attemptStart)

	// The connection goes back before the last bytes reach the client.
	outcome := upstream.Outcome{
		Err:               upErr,
		ResponseComplete:  complete,
		UpstreamKeepAlive: resp.KeepAlive,
		RequestBodySent:   st.body.done || st.body.isBuffered || !st.req.HasBody() || !conf.passReqBody,
		KeepAliveTimeout:  resp.KeepAliveTimeout,
		KeepAliveMax:      resp.KeepAliveMax,
		Key:               key,
		Limit:             limit,
	}
	if resp.KeepAliveMaxSet && resp.KeepAliveMax == 0 {
		outcome.UpstreamKeepAlive = false
	}
	if !br.Done() && upErr == nil {
		outcome.Err = errResponseAbandoned
	}
	// No deadline is cleared before Put: whoever takes the connection next
	// sets its own before every read and write (two timer operations per
	// request saved), and the pool's idle watcher does not read through it.
	_ = g.Pool.Put(conn, outcome)

	if upErr != nil {
		msg := "upstream prematurely closed connection while reading upstream"
		if isTimeout(upErr) {
			msg = "upstream timed out (110: Connection timed out) while reading upstream"
		} else if http1.StatusOf(upErr) != 0 {
			var he *http1.Error
			if errors.As(upErr, &he) {
				msg = he.Msg + " while reading upstream"
			}
		}
		st.logError(LevelError, msg, "http://"+conn.Peer.Name+string(st.upstreamPath()))
		// The client cannot learn the body is cut short except by the
		// connection closing (nginx does the same).
		st.keepAlive = false
	}
	if clientOK && upErr == nil {
		if chunkOut {
			if err := st.chunked.Close(&br.Trailer); err != nil {
				clientOK = false
			}
		}
		if clientOK {
			if err := w.Flush(); err != nil {
				clientOK = false
			}
		}
	}
	if !clientOK {
		st.keepAlive = false
		if st.status == 0 {
			st.status = resp.Status
		}
	}
	if !st.isHead() {
		st.vr.Response.BytesSent += br.PayloadRead()
	}
	// $request_completion: the whole response reached the client.
	st.vr.Response.Complete = clientOK && upErr == nil && br.Done()
}

// maxChunkFraming bounds the framing bytes (CRLF and a chunk-size line with
// extensions, http1's MaxChunkSizeLine) that may sit in the buffer while the
// next chunked read still waits for the network.
const maxChunkFraming = 4096 + 4

var errResponseAbandoned = errors.New("response not read to its end")

// Header names a proxy never forwards from an upstream response: they
// describe the upstream connection, not the response. ("Trailer" passes:
// the trailers it announces are passed on a chunked response.)
var hopByHop = []string{"Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE"}

// hiddenByDefault are proxy_hide_header's defaults (besides X-Accel-*).
var hiddenByDefault = []string{"Date", "Server", "X-Pad"}

// buildRelayHead builds the client response head from st.resp into
// st.head and st.sentHdr; it reports whether the body must be chunked.
func (st *reqState) buildRelayHead() bool {
	resp := &st.resp
	conf := st.conf
	hdr := &st.sentHdr
	hdr.Reset()
	st.dateBuf = st.c.srv.date.appendDate(st.dateBuf[:0], st.clock) // ticked when the upstream head arrived
	st.redirBuf = st.redirBuf[:0]
	// nginx adds its own Server and Date unless the upstream's pass
	// (proxy_pass_header) and are present.
	if !isOneOf(hServer, conf.passHeaders) || !resp.Header.Has("Server") {
		hdr.Add(hServer, st.serverTagBytes())
	}
	if !isOneOf(hDate, conf.passHeaders) || !resp.Header.Has("Date") {
		hdr.Add(hDate, st.dateBuf)
	}
	st.addKept(hdr)
	upgrade := resp.Status == 101
	for i := range resp.Header.Fields {
		f := &resp.Header.Fields[i]
		if !upgrade || !http1.EqualFoldString(f.Name, "Upgrade") {
			if isOneOf(f.Name, hopByHop) {
				continue
			}
		}
		if st.hidden(f.Name) || !isToken(f.Name) || !isFieldValue(f.Value) {
			// A name that is not an HTTP token, or a value with control
			// bytes, would make our response malformed for strict clients;
			// such a line is dropped, never forwarded (nginx passes it).
			continue
		}
		v := f.Value
		rewritten := false
		if conf.redirect.mode != redirectOff && (http1.EqualFoldString(f.Name, "Location") || http1.EqualFoldString(f.Name, "Refresh")) {
			v, rewritten = st.rewriteRedirect(f.Name, v)
		}
		if rewritten && len(v) > 0 && v[0] == '/' && http1.EqualFoldString(f.Name, "Location") {
			// Only a Location that proxy_redirect rewrote becomes nginx's
			// r->headers_out.location, which the header filter makes
			// absolute; any other relative one passes as the upstream
			// sent it (ngx_http_upstream_rewrite_location).
			v = st.absoluteLocation(v)
		}
		hdr.Add(f.Name, v)
	}
	chunkOut := false
	noBody := resp.NoBody || st.isHead()
	if !noBody && resp.ContentLength < 0 && !upgrade {
		if st.req.ProtoMajor == 1 && st.req.ProtoMinor >= 1 && !conf.resp.noChunked {
			hdr.Add(hTransferEnc, hChunked)
			chunkOut = true
		} else {
			st.keepAlive = false // the end of the body is the end of the connection
		}
	}
	if conf.static != nil {
		conf.static.FilterHeaders(st.vr, resp.Status, -1, hdr)
	}
	status := st.effectiveStatus(resp.Status)
	st.status = status
	st.vr.Response.Status = status
	st.vr.Response.Header = hdr
	var h []byte
	if status != resp.Status {
		h = http1.AppendStatusLine(st.head[:0], status)
	} else {
		h = http1.AppendUpstreamStatusLine(st.head[:0], resp)
	}
	h = http1.AppendHeader(h, hdr)
	if upgrade {
		h = append(h, "Connection: upgrade\r\n"...)
	} else {
		h = st.appendConnection(h)
	}
	h = append(h, "\r\n"...)
	st.head = h
	return chunkOut
}

// hidden applies proxy_hide_header and proxy_pass_header.
func (st *reqState) hidden(name []byte) bool {
	conf := st.conf
	if isOneOf(name, conf.hideHeaders) {
		return true
	}
	if isOneOf(name, hiddenByDefault) || hasPrefixFold(name, "X-Accel-") {
		return !isOneOf(name, conf.passHeaders)
	}
	return false
}

func isOneOf(name []byte, list []string) bool {
	for _, s := range list {
		if http1.EqualFoldString(name, s) {
			return true
		}
	}
	return false
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && http1.EqualFoldString(b[:len(prefix)], prefix)
}

// isToken reports whether b is a non-empty RFC 9110 token.
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
		switch c {
		case '"', '(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', '\\', ']', '{', '}':
			return false
		}
	}
	return true
}

// isFieldValue reports whether v has no control bytes other than HTAB.
func isFieldValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
