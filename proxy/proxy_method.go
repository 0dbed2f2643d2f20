package proxy

import "bytes"

// appendUpstreamMethod appends the method of the upstream request line:
// proxy_method's value when the level has one, else the client's
// (ngx_http_proxy_create_request). Retries still judge idempotency by the
// client's method, as ngx_http_upstream_next does.
func (st *reqState) appendUpstreamMethod(dst []byte) []byte {
	if m := st.conf.resp.method; m != nil {
		return m.Eval(st.vr, dst)
	}
	return append(dst, st.req.Method...)
}

// upstreamIsHead reports whether the request in st.upHead is HEAD, so that
// its response has no body whatever its headers say. It is the method sent,
// not the client's: with "proxy_method GET" a HEAD client's upstream
// response carries a body that must be read (and not relayed), and with
// "proxy_method HEAD" a GET's carries none (nginx's ctx->head).
func (st *reqState) upstreamIsHead() bool {
	return bytes.HasPrefix(st.upHead, []byte("HEAD "))
}
