package proxy

import (
	"time"

	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

// Server header values and error page signatures, as nginx writes them
// with server_tokens off and on.
const (
	serverTag        = "nginx"
	serverTagVersion = "nginx/" + vars.NginxVersion
)

var hServerTagVersion = []byte(serverTagVersion)

// serverTag is what the Server header and error pages say at this level.
func (st *reqState) serverTag() string {
	if st.conf != nil && !st.conf.serverTokens {
		return serverTag
	}
	return serverTagVersion
}

// serverTagBytes is serverTag without a conversion.
func (st *reqState) serverTagBytes() []byte {
	if st.conf != nil && !st.conf.serverTokens {
		return hServerTag
	}
	return hServerTagVersion
}

// sendOwn sends one of nginx's own responses: the status with its built-in
// error page (an empty body for codes without one).
func (st *reqState) sendOwn(status int) { st.sendOwnWith(status, nil) }

// sendOwnWith is sendOwn keeping header fields the handler already set,
// as ngx_http_send_special_response keeps r->headers_out.headers (the
// Content-Range of a 416 from the range filter).
func (st *reqState) sendOwnWith(status int, extra *http1.Header) {
	padding := false
	if ua, ok := st.req.Header.Get("User-Agent"); ok && status >= 400 {
		padding = http1.NeedsPadding(ua)
	}
	var page [1024]byte
	body := http1.AppendErrorPage(page[:0], status, st.serverTag(), padding)
	ctype := ""
	if len(body) > 0 {
		ctype = "text/html"
	}
	st.sendResponseWith(status, ctype, body, nil, extra)
}

// sendResponse writes a complete response made here (not proxied): status
// line with nginx's phrase, Server, Date, Content-Type, Content-Length,
// Location when given, Connection, add_header, and the body (none for HEAD).
func (st *reqState) sendResponse(status int, ctype string, body []byte, location []byte) {
	st.sendResponseWith(status, ctype, body, location, nil)
}

// sendResponseWith is sendResponse with extra header fields placed after
// Location (their Location, Content-Type and Content-Length are ignored:
// those are this response's own).
func (st *reqState) sendResponseWith(status int, ctype string, body []byte, location []byte, extra *http1.Header) {
	if st.headerSent {
		return
	}
	status = st.effectiveStatus(status)
	// Keep-alive is not decided by the status here: nginx turns it off
	// for an error it answers itself (finalizeWith), while "return 500
	// TEXT" or an error_page's "=500" keep the connection.
	// The body the request still carries is read and dropped first, so
	// that the next request can be found. Not after an error that closes
	// the connection: nginx answers those at once (a 413 for a too large
	// Content-Length does not wait for the body, nor send 100 Continue) and
	// drains what arrives while lingering.
	if st.keepAlive && !st.body.done && !st.discardBody() {
		st.keepAlive = false
	}
	st.status = status
	st.headerSent = true
	noBody := status == 204 || status == 304 || (status >= 100 && status < 200)
	// A 304 announces the length of the body it does not carry ("return
	// 304" sends Content-Length: 0, as ngx_http_header_filter keeps it);
	// 204 and 1xx send none.
	withLength := !noBody || status == 304
	hdr := &st.sentHdr
	hdr.Reset()
	st.dateBuf = st.c.srv.date.appendDate(st.dateBuf[:0], st.tick())
	dateEnd := len(st.dateBuf)
	if withLength {
		st.dateBuf = appendInt(st.dateBuf, int64(len(body)))
	}
	hdr.Add(hServer, st.serverTagBytes())
	hdr.Add(hDate, st.dateBuf[:dateEnd])
	// ngx_http_header_filter drops the type of a 204 with its length.
	if ctype != "" && status != 204 {
		hdr.Add(hContentType, []byte(ctype))
	}
	if withLength {
		hdr.Add(hContentLength, st.dateBuf[dateEnd:])
	}
	if location != nil {
		hdr.Add(hLocation, location)
	}
	st.addKept(hdr)
	if extra != nil {
		addExtraFields(hdr, extra)
	}
	if st.conf != nil && st.conf.static != nil {
		st.conf.static.FilterHeaders(st.vr, status, -1, hdr)
	}
	h := http1.AppendStatusLine(st.head[:0], status)
	h = http1.AppendHeader(h, hdr)
	h = st.appendConnection(h)
	h = append(h, "\r\n"...)
	st.head = h
	st.vr.Response.Status = status
	st.vr.Response.Header = hdr
	w := st.w()
	st.c.armWriteDeadline(st.clock, st.writeDeadline())
	n, _ := w.Write(h)
	st.vr.Response.HeaderBytes = int64(n)
	if !noBody && !st.isHead() {
		m, _ := w.Write(body)
		n += m
	}
	st.vr.Response.BytesSent += int64(n)
	if err := w.Flush(); err != nil {
		st.keepAlive = false
		return
	}
	st.vr.Response.Complete = true
}

// appendConnection appends the Connection header the client gets.
func (st *reqState) appendConnection(h []byte) []byte {
	if st.keepAlive && st.conf != nil && st.c.requests >= st.conf.keepaliveRequests {
		st.keepAlive = false
	}
	if st.c.srv.closing.Load() || (st.conf != nil && st.conf.keepaliveTimeout == 0) {
		st.keepAlive = false
	}
	// $sent_http_connection reads what this head announces.
	st.vr.Response.KeepAlive = st.keepAlive
	if st.keepAlive {
		h = append(h, "Connection: keep-alive\r\n"...)
		if st.conf != nil && st.conf.keepaliveHeader > 0 {
			h = append(h, "Keep-Alive: timeout="...)
			h = appendInt(h, int64(st.conf.keepaliveHeader/time.Second))
			h = append(h, "\r\n"...)
		}
		return h
	}
	return append(h, "Connection: close\r\n"...)
}

// Header names used when building heads; read-only.
var (
	hServer        = []byte("Server")
	hServerTag     = []byte(serverTag)
	hDate          = []byte("Date")
	hContentType   = []byte("Content-Type")
	hContentLength = []byte("Content-Length")
	hLocation      = []byte("Location")
	hTransferEnc   = []byte("Transfer-Encoding")
	hChunked       = []byte("chunked")
)

// isHead reports whether the client request is HEAD.
func (st *reqState) isHead() bool { return string(st.req.Method) == "HEAD" }

// statusClosesConnection lists the statuses after which nginx never keeps the
// client connection (ngx_http_special_response_handler and the callers of
// ngx_http_finalize_request that set r->keepalive = 0).
func statusClosesConnection(status int) bool {
	switch status {
	case 400, 408, 413, 414, 494, 495, 496, 497, 500, 501:
		return true
	}
	return false
}
