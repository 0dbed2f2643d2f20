package proxy

import (
	"sliceproxy/proxy/accesslog"
	"sliceproxy/proxy/http1"
	"sliceproxy/proxy/static"
	"sliceproxy/vars"
)

// maxInternalRedirects is nginx's NGX_HTTP_MAX_URI_CHANGES + 1: rewrite
// last, error_page and try_files together may restart location search ten
// times before the request fails with 500.
const maxInternalRedirects = 10

// handle serves one parsed request and reports whether the connection may
// carry another.
func (c *clientConn) handle(rt *Runtime) bool {
	st := c.state()
	st.begin(c, rt)
	st.serve()
	c.setUpstream(nil)
	st.finish()
	if !st.keepAlive && !st.body.done && st.headerSent {
		c.linger = true
		c.lingerBody = st.unreadDeclaredBody()
	}
	st.releaseBuffers()
	return st.keepAlive && !c.srv.closing.Load()
}

// serve runs nginx's phases: server selection, server rewrite, find
// location, location rewrite (repeating after "last"), then the content
// handler (proxy_pass, static files, return).
func (st *reqState) serve() {
	c := st.c
	sock := st.rt.socket(c.lkey, c.local)
	if sock == nil {
		st.keepAlive = false
		return
	}
	host := st.req.Host
	if host == nil {
		host = st.req.HostHeader
	}
	var hostName []byte
	if host != nil {
		h, ok := vars.ValidateHost(st.hostBuf[:0], host)
		if !ok {
			st.srv = st.rt.servers[sock.servers.Default()]
			st.conf = st.srv.conf
			st.logError(LevelInfo, "client sent invalid host header", "")
			st.finalize(400)
			return
		}
		st.hostBuf = h
		hostName = h
	}
	idx := sock.servers.Select(hostName, st.vr)
	if idx < 0 || idx >= len(st.rt.servers) {
		idx = sock.servers.Default()
	}
	st.srv = st.rt.servers[idx]
	st.conf = st.srv.conf
	st.setDocumentRoot()
	st.vr.ServerName = st.srv.primaryName
	// $uri is the Reader's Request.URI: normalised when the request line was
	// read, with the merge_slashes of the server the connection started in
	// (conn.go sets Options.NoMergeSlashes; ngx_http_process_request_uri runs
	// before Host selects the server).
	if err := st.vr.SetClient(st.req); err != nil {
		st.logError(LevelInfo, "client sent invalid request", "")
		st.finalize(400)
		return
	}
	if st.refusePlainOnSSL() {
		return
	}
	if st.srv.rewrite != nil {
		if answered, _ := st.runRewrite(st.srv.rewrite); answered {
			return
		}
	}
	st.findLocation()
}

// findLocation selects the location for the current URI and runs it,
// restarting after "rewrite ... last" and internal redirects.
func (st *reqState) findLocation() {
	for {
		m := st.srv.locations.Find(st.vr.URI, st.vr)
		if m.Location == nil {
			st.loc = nil
			st.conf = st.srv.conf
		} else {
			st.loc = m.Location.Payload
			st.conf = st.loc.conf
		}
		st.setDocumentRoot()
		if m.Redirect {
			st.autoRedirect()
			return
		}
		if st.loc != nil && st.loc.internal && !st.isInternal {
			// "internal": clients cannot reach it directly (nginx's 404).
			st.finalize(404)
			return
		}
		if st.req.ContentLength > 0 && st.conf.clientMaxBodySize > 0 && st.req.ContentLength > st.conf.clientMaxBodySize {
			st.logError(LevelError, "client intended to send too large body: "+itoa(int(st.req.ContentLength))+" bytes", "")
			st.finalize(413)
			return
		}
		if st.loc != nil && st.loc.rewrite != nil && !st.limitedMethod() {
			answered, restart := st.runRewrite(st.loc.rewrite)
			if answered {
				return
			}
			if restart {
				if !st.internalRedirect() {
					return
				}
				continue
			}
		}
		if !st.accessPhase() {
			return
		}
		if st.content() {
			continue
		}
		return
	}
}

// internalRedirect counts a restart of location search; false when the
// limit is reached (the request then ended with 500).
func (st *reqState) internalRedirect() bool {
	st.internal++
	st.uriChanged = true
	st.validLocation = true
	if st.internal > maxInternalRedirects {
		st.logError(LevelError, "rewrite or internal redirection cycle while processing \""+string(st.vr.URI)+"\"", "")
		st.finalize(500)
		return false
	}
	return true
}

// autoRedirect sends nginx's 301 to the URI with "/" appended.
func (st *reqState) autoRedirect() {
	loc := append(st.redirBuf[:0], st.vr.URI...)
	loc = append(loc, '/')
	if len(st.vr.Args) > 0 {
		loc = append(loc, '?')
		loc = append(loc, st.vr.Args...)
	}
	st.redirBuf = loc
	st.redirect(301, loc)
}

// content runs the location's content handler. It returns true when the
// request moved to another URI and location search must run again.
func (st *reqState) content() bool {
	if pp := st.conf.proxy; pp != nil {
		st.proxy(pp)
		return false
	}
	if st.conf.static == nil {
		st.finalize(404)
		return false
	}
	res := &st.sres
	res.Overridden = st.effectiveStatus(200) != 200 // Resolve resets the rest
	st.conf.static.Resolve(st.vr, res)
	defer res.Close()
	switch res.Kind {
	case static.KindRedirect:
		st.isInternal = true
		st.vr.URI = append(st.vr.URI[:0], res.URI...)
		st.vr.Args = append(st.vr.Args[:0:0], res.Args...)
		return st.internalRedirect()
	case static.KindNamed:
		return st.namedLocation(res.Name)
	case static.KindStatus:
		if res.Err != nil && res.LogLevel != "" {
			if l, ok := accesslog.ParseLevel(res.LogLevel); ok {
				st.logError(l, res.ErrorMessage(), "")
			}
		}
		st.finalizeWith(res.Status, &res.Header)
		return false
	}
	st.sendFile(res)
	return false
}

// namedLocation continues in a named location (try_files, error_page).
// It returns false: the named location's content already ran.
func (st *reqState) namedLocation(name string) bool {
	loc := st.srv.locations.Named(name)
	if loc == nil {
		st.logError(LevelError, "could not find named location \""+name+"\"", "")
		st.finalize(500)
		return false
	}
	st.internal++
	st.isInternal = true
	if st.internal > maxInternalRedirects {
		st.finalize(500)
		return false
	}
	st.loc = loc.Payload
	st.conf = st.loc.conf
	st.setDocumentRoot()
	if st.loc.rewrite != nil && !st.limitedMethod() {
		answered, restart := st.runRewrite(st.loc.rewrite)
		if answered {
			return false
		}
		if restart {
			if st.internalRedirect() {
				st.findLocation()
			}
			return false
		}
	}
	if !st.accessPhase() {
		return false
	}
	if st.content() {
		st.findLocation()
	}
	return false
}

// sendFile writes a static.Result of KindFile.
func (st *reqState) sendFile(res *static.Result) {
	if !st.body.done && !st.discardBody() {
		st.keepAlive = false
	}
	status := st.effectiveStatus(res.Status)
	if st.forceStatus == 200 {
		// "=200" makes the page a 200 before nginx's not_modified and
		// range filters run, so their 304 or 206 stands.
		status = res.Status
	}
	st.status = status
	st.headerSent = true
	hdr := &res.Header
	if status != res.Status {
		st.refilterHeaders(hdr, res.Status, status)
		// ngx_http_header_filter sends Last-Modified only with 200, 206
		// and 304; the range filter announces ranges only with 200.
		if status != 200 && status != 206 && status != 304 {
			hdr.Del("Last-Modified")
		}
		if status != 200 {
			hdr.Del("Accept-Ranges")
		}
	}
	st.addKept(hdr)
	st.dateBuf = st.c.srv.date.appendDate(st.dateBuf[:0], st.tick())
	h := http1.AppendStatusLine(st.head[:0], status)
	h = append(h, "Server: "...)
	h = append(h, st.serverTag()...)
	h = append(h, "\r\nDate: "...)
	h = append(h, st.dateBuf...)
	h = append(h, "\r\n"...)
	h = http1.AppendHeader(h, hdr)
	h = st.appendConnection(h)
	h = append(h, "\r\n"...)
	st.head = h
	st.vr.Response.Status = status
	st.vr.Response.Header = hdr
	w := st.w()
	st.c.armWriteDeadline(st.clock, st.writeDeadline())
	n, err := w.Write(h)
	st.vr.Response.HeaderBytes = int64(n)
	st.vr.Response.BytesSent = int64(n)
	if err == nil && !st.isHead() && res.Status != 304 {
		m, werr := res.WriteBody(w)
		st.vr.Response.BytesSent += m
		err = werr
	}
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		st.keepAlive = false
		return
	}
	st.vr.Response.Complete = true
}

// finish flushes and writes the access log line.
func (st *reqState) finish() {
	if st.status == 0 && !st.headerSent {
		// Nothing was answered (a client that went away): nginx logs 499.
		st.status = 499
		st.keepAlive = false
	}
	// nginx logs its internal 494-497 as the 400 the client saw
	// (r->err_status).
	st.vr.Response.Status = http1.ShownStatus(st.status)
	if st.conf != nil && st.conf.accessLog != nil {
		st.conf.accessLog.Log(st.vr)
	}
}

// refilterHeaders corrects the add_header/expires fields of a static
// response whose status an error_page replaced: static.Resolve filtered them
// for the file's own status. Fields the filter adds for the file's status
// but not for the final one are removed (nginx's headers filter runs once,
// with the final status).
func (st *reqState) refilterHeaders(hdr *http1.Header, fileStatus, status int) {
	conf := st.conf.static
	if conf == nil || !conf.HasHeaderFilter() {
		return
	}
	var asFile, asFinal http1.Header
	conf.FilterHeaders(st.vr, fileStatus, -1, &asFile)
	conf.FilterHeaders(st.vr, status, -1, &asFinal)
	for _, f := range asFile.Fields {
		if !asFinal.Has(string(f.Name)) {
			hdr.Del(string(f.Name))
		}
	}
}

// setDocumentRoot fills $document_root for the current level (root or
// alias, evaluated). The string is kept per connection and reused while
// the value does not change, so a constant root costs no allocation.
func (st *reqState) setDocumentRoot() {
	if st.conf == nil || st.conf.static == nil {
		st.vr.DocumentRoot = ""
		return
	}
	st.docBuf = st.conf.static.DocumentRoot(st.vr, st.docBuf[:0])
	if string(st.docBuf) != st.docRoot {
		st.docRoot = string(st.docBuf)
	}
	st.vr.DocumentRoot = st.docRoot
}
