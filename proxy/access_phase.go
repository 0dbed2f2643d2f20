package proxy

// accessPhase is nginx's access phase (ngx_http_access_module and
// ngx_http_auth_basic_module under "satisfy", see s1_access.go): it runs
// after the location's rewrite script and before try_files and the content
// handler, so a "return" in the location answers even a denied client, as in
// nginx. It reports whether the request may go on; a refused request has
// been answered with 403 or 401 (or its error_page) and logged as nginx
// logs it. A unix socket client has no address; an HTTP/2 stream carries
// its connection's address.
func (st *reqState) accessPhase() bool {
	if st.conf == nil {
		return true
	}
	return st.runAccessHandlers()
}
