package proxy

// accessPhase is nginx's access phase (ngx_http_access_module): it runs
// after the location's rewrite script and before try_files and the content
// handler, so a "return" in the location answers even a denied client, as in
// nginx. It reports whether the request may go on; a denied request has been
// answered with 403 (or its error_page) and logged at error level.
func (st *reqState) accessPhase() bool {
	if st.conf == nil || st.conf.access == nil {
		return true
	}
	// A unix socket client has no address; an HTTP/2 stream carries its
	// connection's address.
	unix := !st.c.remote.IsValid()
	allowed, _ := st.conf.access.Check(st.c.remote.Addr(), unix)
	if allowed {
		return true
	}
	st.logError(LevelError, "access forbidden by rule", "")
	st.finalize(403)
	return false
}
