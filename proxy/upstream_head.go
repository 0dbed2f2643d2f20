package proxy

import (
	"strings"

	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

// setHeaderKind tells headers whose value the proxy computes.
type setHeaderKind uint8

const (
	setHeaderTemplate setHeaderKind = iota
	// setHeaderContentLength is $proxy_internal_body_length.
	setHeaderContentLength
	// setHeaderChunked is $proxy_internal_chunked.
	setHeaderChunked
)

// setHeader is one entry of the merged proxy_set_header list.
type setHeader struct {
	name  []byte
	value *vars.Template // nil: the header is never sent ("")
	kind  setHeaderKind
}

// proxyHeaders is proxy_set_header merged with nginx's default list
// (ngx_http_proxy_headers): the user's headers in order, then every default
// the user did not set. A client header whose name is in the list is not
// passed (it was replaced or removed).
type proxyHeaders struct {
	list []setHeader
}

// defaultProxyHeaders are nginx's; "" values remove the client's header.
var defaultProxyHeaders = []struct{ name, value string }{
	{"Host", "$proxy_host"},
	{"Connection", "close"},
	{"Content-Length", "$proxy_internal_body_length"},
	{"Transfer-Encoding", "$proxy_internal_chunked"},
	{"TE", ""},
	{"Keep-Alive", ""},
	{"Expect", ""},
	{"Upgrade", ""},
}

// mergeProxyHeaders builds the list for a level from its proxy_set_header
// directives; compile compiles the default values ($proxy_host, "close").
func mergeProxyHeaders(user []headerTemplate, compile func(string) *vars.Template) *proxyHeaders {
	ph := &proxyHeaders{}
	seen := make(map[string]bool)
	add := func(name string, value *vars.Template, kind setHeaderKind) {
		ph.list = append(ph.list, setHeader{name: []byte(name), value: value, kind: kind})
		seen[strings.ToLower(name)] = true
	}
	for _, h := range user {
		v := h.value
		if h.empty {
			v = nil
		}
		add(h.name, v, setHeaderTemplate)
	}
	for _, d := range defaultProxyHeaders {
		if seen[strings.ToLower(d.name)] {
			continue
		}
		switch d.value {
		case "":
			add(d.name, nil, setHeaderTemplate)
		case "$proxy_internal_body_length":
			add(d.name, nil, setHeaderContentLength)
		case "$proxy_internal_chunked":
			add(d.name, nil, setHeaderChunked)
		default:
			add(d.name, compile(d.value), setHeaderTemplate)
		}
	}
	return ph
}

// replaces reports whether a client header is replaced by the list.
func (ph *proxyHeaders) replaces(name []byte) bool {
	for i := range ph.list {
		if http1.EqualFold(ph.list[i].name, name) {
			return true
		}
	}
	return false
}

// upstreamBody says how the request body travels upstream.
type upstreamBody struct {
	// length is the Content-Length to send, -1 for none.
	length int64
	// chunked: the body is streamed with chunked encoding.
	chunked bool
}

// buildUpstreamHead writes the request head for the upstream into st.upHead.
func (st *reqState) buildUpstreamHead(pp *proxyPass, t *proxyTarget, body upstreamBody) {
	conf := st.conf
	h := st.upHead[:0]
	h = st.appendUpstreamMethod(h)
	h = append(h, ' ')
	h = st.appendUpstreamURI(h, pp, t)
	if conf.httpVersion11 {
		h = append(h, " HTTP/1.1\r\n"...)
	} else {
		h = append(h, " HTTP/1.0\r\n"...)
	}
	ph := conf.proxyHeaders
	for i := range ph.list {
		sh := &ph.list[i]
		switch sh.kind {
		case setHeaderContentLength:
			if body.length >= 0 {
				h = append(h, sh.name...)
				h = append(h, ": "...)
				h = appendInt(h, body.length)
				h = append(h, "\r\n"...)
			}
			continue
		case setHeaderChunked:
			if body.chunked {
				h = append(h, sh.name...)
				h = append(h, ": chunked\r\n"...)
			}
			continue
		}
		if sh.value == nil {
			continue
		}
		start := len(h)
		h = append(h, sh.name...)
		h = append(h, ": "...)
		valStart := len(h)
		h = sh.value.Eval(st.vr, h)
		if len(h) == valStart { // an empty value sends nothing, as nginx
			h = h[:start]
			continue
		}
		h = append(h, "\r\n"...)
	}
	if conf.passReqHeaders {
		fields := st.req.Header.Fields
		for i := range fields {
			if ph.replaces(fields[i].Name) {
				continue
			}
			h = http1.AppendField(h, fields[i].Name, fields[i].Value)
		}
	}
	h = append(h, "\r\n"...)
	st.upHead = h
}
