package proxy

import (
	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// responseConf holds directives that shape the framing of the client
// response and the request line sent upstream: whether a body of unknown
// length is chunked (chunked_transfer_encoding) and the method sent
// upstream (proxy_method). absolute_redirect and its companions are
// locConf fields read by absoluteLocation.
//
// The zero value is nginx's defaults, so locConf needs no extra
// initialisation and every level inherits it by copy like other scalars.
type responseConf struct {
	// noChunked is "chunked_transfer_encoding off": a response of unknown
	// length is sent unframed and the connection closes after it
	// (ngx_http_chunked_header_filter turns keepalive off instead).
	noChunked bool
	// method is proxy_method (nil: the client's method goes upstream).
	method *vars.Template
}

// applyResponseDirective applies one of the directives of responseConf to
// conf (a copy of the parent level).
func (l *loader) applyResponseDirective(conf *locConf, d *nginxconf.Directive) {
	rc := &conf.resp
	switch d.Name {
	case "chunked_transfer_encoding":
		rc.noChunked = !l.flag(d, !rc.noChunked)
	case "proxy_method":
		// A complex value since nginx 1.11.6: variables are allowed.
		if len(d.Args) != 1 {
			return
		}
		if t := l.compile(d.Args[0].Value, d.Args[0].Pos); t != nil {
			rc.method = t
		}
	}
}
