package proxy

import (
	"bytes"

	"sliceproxy/proxy/http1"
	"sliceproxy/proxy/rewrite"
)

// finalize ends the request with one of nginx's own statuses: an error_page
// for it when the location has one (once per request, as with
// recursive_error_pages off), else the built-in page.
func (st *reqState) finalize(status int) {
	st.finalizeWith(status, nil)
}

// finalizeWith is finalize with extra header fields from the static handler
// (Location of a directory redirect, Content-Range of a 416).
func (st *reqState) finalizeWith(status int, extra *http1.Header) {
	if st.headerSent {
		st.keepAlive = false
		return
	}
	if status == 444 {
		// nginx's "close the connection without a response".
		st.status = 444
		st.headerSent = true
		st.keepAlive = false
		return
	}
	if status == 499 || status == 408 {
		// ngx_http_finalize_request terminates these without a response
		// (a "return 408" too); the status is only logged.
		st.status = status
		st.headerSent = true
		st.keepAlive = false
		return
	}
	// The new error is the status now, whatever an earlier error_page
	// "=CODE" asked for (ngx_http_special_response_handler sets
	// r->err_status = error): a failing error page answers with its own
	// failure.
	st.forceStatus = 0
	if statusClosesConnection(status) {
		// ngx_http_special_response_handler turns keep-alive off before
		// an error_page runs, so a 500 shown as "=200" still closes.
		st.keepAlive = false
	}
	if ep := st.errorPageFor(status); ep != nil && !st.errorPaged {
		st.errorPaged = true
		st.keepChallenge(extra)
		if st.runErrorPage(ep, status) {
			return
		}
	}
	if extra != nil {
		if loc, ok := extra.Get("Location"); ok && status >= 300 && status < 400 {
			st.redirect(status, loc)
			return
		}
	}
	st.sendOwnWith(status, extra)
}

// keepChallenge keeps the WWW-Authenticate of a refusal for the error page
// about to answer it. auth_basic (ngx_http_auth_basic_set_realm) and
// proxy_intercept_errors put the challenge in r->headers_out.headers, which
// neither ngx_http_internal_redirect nor ngx_http_named_location clears:
// whatever the page then sends (a file, a proxied page, "return", another
// error, or ngx_http_send_error_page's redirect to a URL) carries it, under
// any "=CODE". add_header is no such field: the headers filter adds it when
// the page's header goes out, from the page's own level. nginx keeps every
// other field in r->headers_out too (a directory redirect's Location, a
// 416's Content-Range); only the challenge is kept here (doc.go).
func (st *reqState) keepChallenge(extra *http1.Header) {
	if extra == nil {
		return
	}
	for _, f := range extra.Fields {
		if http1.EqualFoldString(f.Name, "WWW-Authenticate") {
			// A copy: an upstream's value lives in a buffer the page's own
			// proxy_pass reads into.
			st.keptHdr.Add(hWWWAuthenticate, bytes.Clone(f.Value))
		}
	}
}

// addKept adds to a response head the fields kept from before the
// error_page (keepChallenge).
func (st *reqState) addKept(hdr *http1.Header) {
	hdr.Fields = append(hdr.Fields, st.keptHdr.Fields...)
}

// finalizeIntercepted finalizes with the upstream's error under
// proxy_intercept_errors. ngx_http_upstream_intercept_errors moves the
// upstream's WWW-Authenticate of a 401 into r->headers_out for the error
// page (nginx 1.22 the first one only: u->headers_in.www_authenticate).
func (st *reqState) finalizeIntercepted(status int, upstream *http1.Header) {
	var extra http1.Header
	if v, ok := upstream.Get("WWW-Authenticate"); ok && status == 401 {
		extra.Add(hWWWAuthenticate, v)
	}
	st.finalizeWith(status, &extra)
}

// hWWWAuthenticate names the challenge of a 401.
var hWWWAuthenticate = []byte("WWW-Authenticate")

// errorPageFor returns the error_page of the current level for status.
func (st *reqState) errorPageFor(status int) *rewrite.ErrorPage {
	if st.conf == nil {
		return nil
	}
	return st.conf.errorPages.Lookup(status)
}

// runErrorPage performs an error_page (ngx_http_send_error_page): an
// internal redirect to a URI (the method becomes GET unless it is HEAD), a
// named location, or a redirect to a URL. It reports false when the page
// could not be used.
func (st *reqState) runErrorPage(ep *rewrite.ErrorPage, status int) bool {
	t := ep.Target(st.vr)
	switch t.Kind {
	case rewrite.ExternalRedirect:
		loc := append(st.redirBuf[:0], t.URI...)
		st.redirBuf = loc
		st.redirect(t.Status, loc)
		return true
	}
	switch t.Status {
	case -1:
		st.forceStatus = status
	case 0:
		st.forceStatus = 0
	default:
		st.forceStatus = t.Status
	}
	if !st.isHead() {
		st.req.Method = methodGET
	}
	st.isInternal = true
	if t.Kind == rewrite.NamedLocation {
		st.namedLocation(t.URI)
		return true
	}
	st.vr.URI = append(st.vr.URI[:0:0], t.URI...)
	st.vr.Args = nil
	if t.HasArgs {
		st.vr.Args = []byte(t.Args)
	}
	if !st.internalRedirect() {
		return true
	}
	st.findLocation()
	return true
}

// methodGET replaces the method of a request sent to an error page.
var methodGET = []byte("GET")

// effectiveStatus is the status to send: an error_page's status overrides
// the one of the page it shows.
func (st *reqState) effectiveStatus(status int) int {
	if st.forceStatus != 0 {
		return st.forceStatus
	}
	return status
}

// redirect sends a redirect made here (return 301 URL, rewrite redirect,
// the directory slash, error_page URL). A relative location becomes
// absolute as nginx's header filter makes it (absolute_redirect on):
// scheme, the request's host, and the port unless it is the default.
func (st *reqState) redirect(status int, location []byte) {
	// The redirect is the status now, whatever an error_page's "=CODE" or
	// the error it shows asked for: nginx finalizes with the 3xx
	// (ngx_http_special_response_handler sets r->err_status to it).
	st.forceStatus = 0
	if len(location) > 0 && location[0] == '/' {
		location = st.absoluteLocation(location)
	}
	var page [1024]byte
	body := http1.AppendErrorPage(page[:0], status, st.serverTag(), false)
	ctype := ""
	if len(body) > 0 {
		ctype = "text/html"
	}
	st.sendResponse(status, ctype, body, location)
}

// absoluteLocation prefixes a relative Location with scheme://host[:port]
// as ngx_http_header_filter does: unless absolute_redirect is off; the
// host is the primary server_name with server_name_in_redirect on, else the
// request's, else the local address the request came to; the port is the
// local one unless it is the scheme's default or port_in_redirect is off.
func (st *reqState) absoluteLocation(rel []byte) []byte {
	// nginx's defaults where no level applies yet.
	absolute, byServerName, withPort := true, false, true
	if c := st.conf; c != nil {
		absolute, byServerName, withPort = c.absoluteRedirect, c.serverNameInRedirect, c.portInRedirect
	}
	if !absolute {
		return rel
	}
	b := make([]byte, 0, len(rel)+64)
	scheme, def := "http://", uint16(80)
	if st.c.tls {
		scheme, def = "https://", 443
	}
	b = append(b, scheme...)
	switch {
	case byServerName && st.srv != nil:
		b = append(b, st.srv.primaryName...)
	case len(st.hostBuf) > 0:
		b = append(b, st.hostBuf...)
	case st.c.local.IsValid():
		b = append(b, st.c.local.Addr().Unmap().String()...)
	}
	if p := st.c.local.Port(); withPort && p != 0 && p != def {
		b = append(b, ':')
		b = appendInt(b, int64(p))
	}
	return append(b, rel...)
}
