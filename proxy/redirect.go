package proxy

import (
	"bytes"

	"sliceproxy/proxy/http1"
)

// rewriteRedirect applies proxy_redirect to a Location or Refresh value
// (ngx_http_proxy_rewrite_redirect): the first rule whose text starts the
// value (for Refresh: the part after "url=") replaces that prefix. The
// result lives in st.redirBuf; rewritten reports whether a rule applied
// (nginx treats a rewritten Location differently, see buildRelayHead).
func (st *reqState) rewriteRedirect(name, value []byte) (out []byte, rewritten bool) {
	conf := st.conf
	off := 0
	if http1.EqualFoldString(name, "Refresh") {
		i := bytes.Index(value, []byte("url="))
		if i < 0 {
			return value, false
		}
		off = i + len("url=")
	}
	target := value[off:]
	if conf.redirect.mode == redirectDefault || conf.redirect.includesDefault {
		if out, ok := st.redirectDefault(value, off, target); ok {
			return out, true
		}
	}
	for _, r := range conf.redirect.rules {
		if r.re != nil {
			// The whole value is replaced (ngx_http_proxy_rewrite_regex_handler).
			if !st.vr.MatchRegex(r.re, target) {
				continue
			}
			start := len(st.redirBuf)
			st.redirBuf = append(st.redirBuf, value[:off]...)
			st.redirBuf = r.to.Eval(st.vr, st.redirBuf)
			return st.redirBuf[start:], true
		}
		start := len(st.redirBuf)
		st.redirBuf = r.from.Eval(st.vr, st.redirBuf)
		from := st.redirBuf[start:]
		if len(from) == 0 || len(target) < len(from) || !bytes.EqualFold(target[:len(from)], from) {
			st.redirBuf = st.redirBuf[:start]
			continue
		}
		fromLen := len(from)
		st.redirBuf = st.redirBuf[:start]
		st.redirBuf = append(st.redirBuf, value[:off]...)
		st.redirBuf = r.to.Eval(st.vr, st.redirBuf)
		st.redirBuf = append(st.redirBuf, target[fromLen:]...)
		return st.redirBuf[start:], true
	}
	return value, false
}

// redirectDefault is "proxy_redirect default": the proxy_pass URL (with "/"
// when it has no URI part) becomes the location's prefix (or "/").
func (st *reqState) redirectDefault(value []byte, off int, target []byte) ([]byte, bool) {
	pp := st.conf.proxy
	if pp == nil || pp.tmpl != nil || st.loc == nil || st.loc.regex || st.loc.named {
		return nil, false
	}
	from, to := pp.redirectFrom, pp.location
	if !pp.hasURI {
		to = "/"
	}
	if len(target) < len(from) || !bytes.EqualFold(target[:len(from)], []byte(from)) {
		return nil, false
	}
	start := len(st.redirBuf)
	st.redirBuf = append(st.redirBuf, value[:off]...)
	st.redirBuf = append(st.redirBuf, to...)
	st.redirBuf = append(st.redirBuf, target[len(from):]...)
	return st.redirBuf[start:], true
}
