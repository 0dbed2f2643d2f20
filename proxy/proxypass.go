package proxy

import (
	"bytes"
	"fmt"
	"strings"

	"sliceproxy/nginxconf"
	"sliceproxy/upstream"
	"sliceproxy/vars"
)

// proxyPass is a compiled proxy_pass.
type proxyPass struct {
	raw string
	pos nginxconf.Pos
	// tmpl is set when the URL holds variables: the group is then found per
	// request (an upstream block by name, else an implicit group).
	tmpl *vars.Template
	// For a static URL:
	group  *upstream.Group
	uri    string // the URI part, "" when none
	hasURI bool
	host   string // $proxy_host: "name" of an upstream, "host:port" otherwise
	port   string // $proxy_port
	// location is the matched location's prefix the URI part replaces.
	location string
	// redirectFrom is what "proxy_redirect default" replaces: the URL as
	// written, with "/" added when it has no URI part.
	redirectFrom string
}

// proxyTarget is proxy_pass resolved for one request.
type proxyTarget struct {
	group *upstream.Group
	// uri is the URI part of a variable proxy_pass (hasURI tells "" from
	// none); for a static proxy_pass the proxyPass fields are used.
	uri        []byte
	hasURI     bool
	host, port string
}

// parseProxyURL splits "http://host[:port][/uri]" into its parts, as
// ngx_parse_url does for proxy_pass. Only http:// is supported.
func parseProxyURL(s string) (hostport, host, port, uri string, hasURI bool, err error) {
	rest, ok := cutPrefixFold(s, "http://")
	if !ok {
		if _, ok := cutPrefixFold(s, "https://"); ok {
			return "", "", "", "", false, fmt.Errorf("https is not supported in \"proxy_pass\" (no TLS to upstreams)")
		}
		return "", "", "", "", false, fmt.Errorf("invalid URL prefix in \"%s\"", s)
	}
	hostport = rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		hostport, uri, hasURI = rest[:i], rest[i:], true
		if uri[0] == '?' {
			uri = "/" + uri
		}
	}
	if hostport == "" {
		return "", "", "", "", false, fmt.Errorf("no host in \"%s\"", s)
	}
	if strings.HasPrefix(hostport, "unix:") {
		// proxy_pass http://unix:/path:/uri — the socket path ends at ':'.
		var path string
		full := rest[len("unix:"):]
		if i := strings.IndexByte(full, ':'); i >= 0 {
			path, uri, hasURI = full[:i], full[i+1:], full[i+1:] != ""
		} else {
			path, uri, hasURI = full, "", false
		}
		return "unix:" + path, "unix:" + path, "", uri, hasURI, nil
	}
	host, port = hostport, "80"
	if strings.HasPrefix(hostport, "[") {
		if j := strings.IndexByte(hostport, ']'); j >= 0 && strings.HasPrefix(hostport[j+1:], ":") {
			port = hostport[j+2:]
			host = hostport[:j+1]
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	return hostport, host, port, uri, hasURI, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// compileProxyPass builds a proxy_pass at load. loc is the location it is in.
func compileProxyPass(d *nginxconf.Directive, reg *vars.Registry, set *upstream.Set, loc *locationConf) (*proxyPass, error) {
	raw := d.Args[0].Value
	pp := &proxyPass{raw: raw, pos: d.Pos}
	if loc != nil {
		pp.location = loc.prefix
	}
	if strings.IndexByte(raw, '$') >= 0 {
		t, err := reg.Compile(raw, d.Args[0].Pos)
		if err != nil {
			return nil, err
		}
		pp.tmpl = t
		return pp, nil
	}
	hostport, host, port, uri, hasURI, err := parseProxyURL(raw)
	if err != nil {
		return nil, err
	}
	if hasURI && loc != nil && (loc.regex || loc.named) {
		return nil, fmt.Errorf("\"proxy_pass\" cannot have URI part in location given by regular expression, or inside named location, or inside \"if\" statement, or inside \"limit_except\" block")
	}
	pp.uri, pp.hasURI = uri, hasURI
	pp.redirectFrom = raw
	if !hasURI {
		pp.redirectFrom = raw + "/"
	}
	if g := set.Get(hostport); g != nil {
		pp.group = g
		pp.host, pp.port = hostport, "80"
		return pp, nil
	}
	g, err := set.Implicit(hostport)
	if err != nil {
		return nil, implicitUpstreamError(raw, err)
	}
	pp.group = g
	pp.host, pp.port = hostport, port
	if host != hostport && port == "80" {
		// nginx's $proxy_host omits the default port.
		pp.host = host
	}
	return pp, nil
}

// resolve returns the target of this request.
func (pp *proxyPass) resolve(st *reqState) (proxyTarget, error) {
	if pp.tmpl == nil {
		return proxyTarget{group: pp.group, host: pp.host, port: pp.port}, nil
	}
	url := pp.tmpl.Eval(st.vr, st.scratch[:0])
	st.scratch = url
	hostport, host, port, uri, hasURI, err := parseProxyURL(string(url))
	if err != nil {
		return proxyTarget{}, err
	}
	t := proxyTarget{uri: []byte(uri), hasURI: hasURI, host: hostport, port: port}
	if g := st.rt.upstreams.Get(hostport); g != nil {
		t.group, t.port = g, "80"
		return t, nil
	}
	g, err := st.rt.upstreams.Implicit(hostport)
	if err != nil {
		return proxyTarget{}, fmt.Errorf("%s could not be resolved (%v)", host, err)
	}
	t.group = g
	if port == "80" {
		t.host = host
	}
	return t, nil
}

// appendUpstreamURI appends the URI sent upstream, with nginx's rules
// (ngx_http_proxy_create_request): a variable proxy_pass with a URI sends it
// as is; a proxy_pass without a URI sends the client's URI unchanged (or the
// rewritten one, escaped, with its args); with a URI part, the matched
// location prefix of the current URI is replaced by it.
func (st *reqState) appendUpstreamURI(dst []byte, pp *proxyPass, t *proxyTarget) []byte {
	if pp.tmpl != nil && t.hasURI {
		return append(dst, t.uri...)
	}
	hasURI := pp.hasURI && pp.tmpl == nil
	if !hasURI && !st.uriChanged {
		if st.req.Scheme != nil { // absolute-form: nginx's unparsed_uri starts at the path
			dst = append(dst, st.req.Path...)
			if st.req.HasQuery {
				dst = append(dst, '?')
				dst = append(dst, st.req.Query...)
			}
			return dst
		}
		return append(dst, st.req.Target...)
	}
	uri := st.vr.URI
	prefixLen := 0
	// After "rewrite ... break" the location no longer describes the URI
	// (nginx clears r->valid_location): the URI part of proxy_pass is left
	// out and the rewritten URI goes as it is.
	if hasURI && st.validLocation {
		dst = append(dst, pp.uri...)
		if bytes.HasPrefix(uri, []byte(pp.location)) {
			prefixLen = len(pp.location)
		}
	}
	if st.quotedURI || st.uriChanged {
		dst = appendEscapedURI(dst, uri[prefixLen:])
	} else {
		dst = append(dst, uri[prefixLen:]...)
	}
	if len(st.vr.Args) > 0 {
		dst = append(dst, '?')
		dst = append(dst, st.vr.Args...)
	}
	return dst
}

// appendEscapedURI escapes what nginx's NGX_ESCAPE_URI escapes: controls,
// space, '#', '%', '?' and bytes from 0x7f.
func appendEscapedURI(dst, uri []byte) []byte {
	const hex = "0123456789ABCDEF"
	for _, c := range uri {
		if c <= ' ' || c == '#' || c == '%' || c == '?' || c >= 0x7f {
			dst = append(dst, '%', hex[c>>4], hex[c&0xf])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}
