package vars

import (
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"

	"sliceproxy/proxy/http1"
)

// builtin is one entry of the table of nginx's core variables.
type builtin struct {
	name  string
	flags varFlags
	get   getter
	set   func(q *Request, val []byte)
}

// prefixed is a family of variables named by a prefix ($http_NAME, ...).
type prefixed struct {
	prefix string
	flags  varFlags
	get    getter
	// transforms: the suffix names another variable the getter reads
	// (tengine's $md5_encode_NAME); such getters must be volatile, so
	// that they evaluate into the caller's buffer, never the arena.
	transforms bool
}

// builtins mirrors ngx_http_core_variables, ngx_http_upstream_vars and the
// proxy module's variables. Flags follow nginx except where noted in doc.go.
var builtins = []builtin{
	{name: "host", get: getHost},
	{name: "http_host", get: headerGetter("Host", ',')},
	{name: "http_user_agent", get: headerGetter("User-Agent", ',')},
	{name: "http_referer", get: headerGetter("Referer", ',')},
	{name: "http_via", get: headerGetter("Via", ',')},
	{name: "http_x_forwarded_for", get: headerGetter("X-Forwarded-For", ',')},
	{name: "http_cookie", get: headerGetter("Cookie", ';')},
	{name: "content_type", get: headerGetter("Content-Type", ',')},
	{name: "content_length", get: getContentLength},
	{name: "binary_remote_addr", get: getBinaryRemoteAddr},
	{name: "remote_addr", get: getRemoteAddr},
	{name: "remote_port", get: getRemotePort},
	{name: "server_addr", get: getServerAddr},
	{name: "server_port", get: getServerPort},
	{name: "server_protocol", get: clientField(func(c *http1.Request) []byte { return c.Proto })},
	{name: "scheme", get: getScheme},
	{name: "https", get: getHTTPS},
	{name: "request_uri", get: clientField(requestURI)},
	{name: "uri", flags: flagNoCache, get: getURI},
	{name: "document_uri", flags: flagNoCache, get: getURI},
	{name: "request", get: clientField(func(c *http1.Request) []byte { return c.RequestLine })},
	{name: "document_root", flags: flagNoCache, get: getDocumentRoot},
	{name: "realpath_root", flags: flagNoCache, get: getRealpathRoot},
	{name: "request_filename", flags: flagNoCache, get: getRequestFilename},
	{name: "query_string", flags: flagNoCache, get: getArgs},
	{name: "args", flags: flagNoCache | flagChangeable, get: getArgs, set: setArgs},
	{name: "is_args", flags: flagNoCache, get: getIsArgs},
	{name: "server_name", get: getServerName},
	{name: "request_method", flags: flagNoCache, get: clientField(func(c *http1.Request) []byte { return c.Method })},
	{name: "remote_user", get: getRemoteUser},
	{name: "bytes_sent", flags: flagNoCache, get: getBytesSent},
	{name: "body_bytes_sent", flags: flagNoCache, get: getBodyBytesSent},
	{name: "pipe", get: constGetter(".")},
	{name: "request_length", flags: flagNoCache, get: getRequestLength},
	{name: "request_time", flags: flagNoCache, get: getRequestTime},
	{name: "request_id", get: getRequestID},
	{name: "status", flags: flagNoCache, get: getStatus},
	{name: "sent_http_connection", flags: flagNoCache, get: getSentConnection},
	{name: "connection_time", flags: flagNoCache, get: getConnectionTime},
	{name: "realip_remote_addr", get: getRemoteAddr},
	{name: "realip_remote_port", get: getRemotePort},
	{name: "http2", get: getHTTP2},
	{name: "http3", get: getFoundEmpty},
	{name: "request_completion", flags: flagNoCache, get: getRequestCompletion},
	{name: "limit_rate", flags: flagNoCache | flagChangeable, get: getLimitRate, set: setLimitRate},
	{name: "connection", get: getConnection},
	{name: "connection_requests", get: getConnectionRequests},
	{name: "nginx_version", get: func(q *Request, _ *variable, dst []byte) ([]byte, bool) {
		return append(dst, q.reg.opts.NginxVersion...), true
	}},
	{name: "hostname", get: func(q *Request, _ *variable, dst []byte) ([]byte, bool) {
		return append(dst, q.reg.opts.Hostname...), true
	}},
	{name: "pid", get: func(q *Request, _ *variable, dst []byte) ([]byte, bool) {
		return append(dst, q.reg.pid...), true
	}},
	{name: "msec", flags: flagNoCache, get: getMsec},
	{name: "time_iso8601", flags: flagNoCache, get: getTimeISO8601},
	{name: "time_local", flags: flagNoCache, get: getTimeLocal},
	{name: "ssl_server_name", get: getSNI},

	// proxy module
	{name: "proxy_host", flags: flagNoCache, get: getProxyHost},
	{name: "proxy_port", flags: flagNoCache, get: getProxyPort},
	{name: "proxy_add_x_forwarded_for", get: getProxyAddXFF},

	// upstream module, and sliceproxy's own keepalive facts
	{name: "upstream_addr", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return append(dst, a.Addr...)
	})},
	{name: "upstream_status", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		if a.Status == 0 {
			return append(dst, '-')
		}
		return strconv.AppendInt(dst, int64(a.Status), 10)
	})},
	{name: "upstream_response_time", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return appendMsecDuration(dst, a.ResponseTime)
	})},
	{name: "upstream_header_time", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return appendMsecDuration(dst, a.HeaderTime)
	})},
	{name: "upstream_connect_time", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return appendMsecDuration(dst, a.ConnectTime)
	})},
	{name: "upstream_bytes_received", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return strconv.AppendInt(dst, a.BytesReceived, 10)
	})},
	{name: "upstream_bytes_sent", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return strconv.AppendInt(dst, a.BytesSent, 10)
	})},
	{name: "upstream_response_length", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return strconv.AppendInt(dst, a.ResponseLength, 10)
	})},
	{name: "upstream_keepalive_reused", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		if a.KeepaliveReused {
			return append(dst, '1')
		}
		return append(dst, '0')
	})},
	{name: "upstream_keepalive_slice", flags: flagNoCache, get: upstreamList(func(dst []byte, a *UpstreamAttempt) []byte {
		return append(dst, a.Slice...)
	})},
}

// stubNames are variables nginx, tengine or a common module defines that
// sliceproxy does not compute: they exist, so configurations that use them
// load, and they are "not found" (the access log prints "-"), which is what
// nginx answers when the feature is not in use (no request body read, no
// cache, no gzip, no PROXY protocol, plain HTTP). Lint can tell them with
// IsStub. A name ending in "_" is a prefix family.
var stubNames = []string{
	"request_body", "request_body_file",
	"tcpinfo_rtt", "tcpinfo_rttvar", "tcpinfo_snd_cwnd", "tcpinfo_rcv_space",
	"gzip_ratio", "upstream_cache_status", "upstream_cache_key",
	"upstream_trailer_", "sent_trailer_", "proxy_protocol_addr", "proxy_protocol_port",
	"proxy_protocol_server_addr", "proxy_protocol_server_port",
	"ssl_protocol", "ssl_cipher", "ssl_session_id", "ssl_session_reused",
	"ssl_client_verify", "ssl_client_s_dn", "ssl_client_i_dn", "ssl_client_cert",
	"ssl_client_fingerprint", "ssl_early_data", "ssl_curves", "ssl_ciphers", "ssl_alpn_protocol",
	"request_port", "is_request_port",
	"upstream_first_byte_time", "upstream_session_time", "binary_remote_port",
	// tengine (T_NGX_VARS): $raw_uri is the URI as received before
	// tengine's own processing, which sliceproxy does not keep.
	"raw_uri",
}

var prefixes = []prefixed{
	{prefix: "http_", get: getRequestHeader},
	{prefix: "sent_http_", flags: flagNoCache, get: getSentHeader},
	{prefix: "cookie_", get: getCookie},
	{prefix: "arg_", flags: flagNoCache, get: getArg},
	{prefix: "upstream_http_", flags: flagNoCache, get: getUpstreamHeader},
	{prefix: "upstream_cookie_", flags: flagNoCache, get: getUpstreamCookie},
	{prefix: "upstream_trailer_", flags: flagNoCache, get: getNotFound},
	{prefix: "sent_trailer_", flags: flagNoCache, get: getNotFound},
}

// findPrefix returns the family of a prefixed name, preferring the longest
// prefix as ngx_http_variables_init_vars does.
func findPrefix(name string) *prefixed {
	var best *prefixed
	for _, table := range [][]prefixed{prefixes, tenginePrefixes} {
		for i := range table {
			p := &table[i]
			if strings.HasPrefix(name, p.prefix) && (best == nil || len(p.prefix) > len(best.prefix)) {
				best = p
			}
		}
	}
	return best
}

// IsStub reports whether variable i is known to nginx but always empty in
// sliceproxy (see stubNames).
func (r *Registry) IsStub(i Index) bool {
	if i < 0 || int(i) >= len(r.vars) {
		return false
	}
	n := r.vars[i].name
	for _, s := range stubNames {
		if n == s || strings.HasSuffix(s, "_") && strings.HasPrefix(n, s) {
			return true
		}
	}
	return false
}

func constGetter(s string) getter {
	return func(_ *Request, _ *variable, dst []byte) ([]byte, bool) { return append(dst, s...), true }
}

func appendAddr(dst []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		return dst
	}
	return a.WithZone("").AppendTo(dst)
}

func getRemoteAddr(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return appendAddr(dst, q.RemoteAddr.Addr()), true
}

func getBinaryRemoteAddr(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	a := q.RemoteAddr.Addr()
	switch {
	case a.Is4():
		b := a.As4()
		return append(dst, b[:]...), true
	case a.Is6():
		b := a.As16()
		return append(dst, b[:]...), true
	}
	return dst, true
}

func appendPort(dst []byte, p uint16) []byte {
	if p == 0 {
		return dst
	}
	return strconv.AppendUint(dst, uint64(p), 10)
}

func getRemotePort(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return appendPort(dst, q.RemoteAddr.Port()), true
}

func getServerAddr(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return appendAddr(dst, q.LocalAddr.Addr()), true
}

func getServerPort(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return appendPort(dst, q.LocalAddr.Port()), true
}

func getScheme(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.TLS {
		return append(dst, "https"...), true
	}
	return append(dst, "http"...), true
}

func getHTTPS(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.TLS {
		return append(dst, "on"...), true
	}
	return dst, true
}

func getSNI(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if !q.TLS || q.SNI == "" {
		return dst, false
	}
	return append(dst, q.SNI...), true
}

func getURI(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return append(dst, q.URI...), true
}

// getArgs is $args and $query_string: not found when the request has no
// arguments (nil Args), as nginx's r->args without data, so the access log
// prints "-"; found and possibly empty otherwise.
func getArgs(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Args == nil {
		return dst, false
	}
	return append(dst, q.Args...), true
}

// setArgs is $args' set handler: "set $args ..." replaces the query string.
// The value is copied: the caller's buffer may be reused. Even an empty
// value leaves $args found (non-nil), as nginx's r->args.data stays set.
func setArgs(q *Request, val []byte) {
	if q.argsBuf == nil {
		q.argsBuf = make([]byte, 0, max(len(val), 64))
	}
	q.argsBuf = append(q.argsBuf[:0], val...)
	q.Args = q.argsBuf
}

// getFoundEmpty is a variable that is always found and empty, e.g. $http3
// on a connection that is not HTTP/3 (nginx's ngx_http_variable_null_value).
func getFoundEmpty(_ *Request, _ *variable, dst []byte) ([]byte, bool) { return dst, true }

// getHTTP2 is "h2" on an HTTP/2 request (sliceproxy serves HTTP/2 only over
// TLS) and found-empty otherwise, as ngx_http_variable_http2.
func getHTTP2(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Client != nil && q.Client.ProtoMajor == 2 {
		return append(dst, "h2"...), true
	}
	return dst, true
}

func getIsArgs(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if len(q.Args) > 0 {
		return append(dst, '?'), true
	}
	return dst, true
}

func getDocumentRoot(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return append(dst, q.DocumentRoot...), true
}

// getRealpathRoot resolves symlinks in the document root; nginx fails the
// request when realpath() fails, sliceproxy renders "" (not found).
func getRealpathRoot(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.DocumentRoot == "" {
		return dst, false
	}
	p, err := filepath.EvalSymlinks(q.DocumentRoot)
	if err != nil {
		return dst, false
	}
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return append(dst, p...), true
}

func getRequestFilename(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.RequestFilename != "" {
		return append(dst, q.RequestFilename...), true
	}
	dst = append(dst, q.DocumentRoot...)
	return append(dst, q.URI...), true
}

func getServerName(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return append(dst, q.ServerName...), true
}

func getRequestLength(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, q.RequestLength, 10), true
}

// appendMsec renders milliseconds as nginx's "%T.%03M": seconds, a dot and
// three digits.
func appendMsec(dst []byte, ms int64) []byte {
	ms = max(ms, 0)
	dst = strconv.AppendInt(dst, ms/1000, 10)
	r := ms % 1000
	return append(dst, '.', byte('0'+r/100), byte('0'+r/10%10), byte('0'+r%10))
}

func getRequestTime(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Start.IsZero() {
		return appendMsec(dst, 0), true
	}
	return appendMsec(dst, q.reg.opts.Now().Sub(q.Start).Milliseconds()), true
}

func getRequestID(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return q.requestID(dst), true
}

func getLimitRate(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, q.LimitRate, 10), true
}

// setLimitRate parses a size ("100k") as ngx_parse_size; nginx logs and
// ignores an invalid value.
func setLimitRate(q *Request, val []byte) {
	if n, ok := parseSize(string(val)); ok {
		q.LimitRate = n
	}
}

func parseSize(s string) (int64, bool) {
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult, s = 1024, s[:n-1]
		case 'm', 'M':
			mult, s = 1024*1024, s[:n-1]
		case 'g', 'G':
			mult, s = 1024*1024*1024, s[:n-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, false
	}
	return n * mult, true
}

func getConnection(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendUint(dst, q.ConnSerial, 10), true
}

func getConnectionRequests(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, int64(q.ConnRequests), 10), true
}

// getRequestCompletion is "OK" once the response is complete, else found
// and empty (ngx_http_variable_request_completion).
func getRequestCompletion(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Response.Complete {
		return append(dst, "OK"...), true
	}
	return dst, true
}

// getConnectionTime is $connection_time: seconds with millisecond
// resolution since the connection was accepted.
func getConnectionTime(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.ConnStart.IsZero() {
		return appendMsec(dst, 0), true
	}
	return appendMsec(dst, q.reg.opts.Now().Sub(q.ConnStart).Milliseconds()), true
}

func getMsec(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return appendMsec(dst, q.reg.opts.Now().UnixMilli()), true
}

func getTimeISO8601(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return q.reg.opts.Now().AppendFormat(dst, "2006-01-02T15:04:05-07:00"), true
}

func getTimeLocal(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return q.reg.opts.Now().AppendFormat(dst, "02/Jan/2006:15:04:05 -0700"), true
}

// getProxyHost is not found outside proxy_pass (nginx: no proxy module
// context for the request).
func getProxyHost(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.ProxyHost == "" {
		return dst, false
	}
	return append(dst, q.ProxyHost...), true
}

func getProxyPort(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.ProxyPort == "" {
		return dst, false
	}
	return append(dst, q.ProxyPort...), true
}

// getProxyAddXFF is X-Forwarded-For (every field, joined by ", ") plus
// ", $remote_addr", or just $remote_addr without the header.
func getProxyAddXFF(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Client != nil {
		var found bool
		dst, found = joinHeader(dst, &q.Client.Header, func(n []byte) bool { return http1.EqualFoldString(n, "X-Forwarded-For") }, ',')
		if found {
			dst = append(dst, ',', ' ')
		}
	}
	return appendAddr(dst, q.RemoteAddr.Addr()), true
}
