package vars

import (
	"bytes"
	"encoding/base64"
	"strconv"

	"sliceproxy/proxy/http1"
)

// Getters that read the client request: host, headers, cookies, arguments.

// clientField returns a getter for a field of the parsed client request;
// a nil field is "not found".
func clientField(f func(c *http1.Request) []byte) getter {
	return func(q *Request, _ *variable, dst []byte) ([]byte, bool) {
		if q.Client == nil {
			return dst, false
		}
		b := f(q.Client)
		if b == nil {
			return dst, false
		}
		return append(dst, b...), true
	}
}

// requestURI is nginx's unparsed_uri: the request-target as sent, without
// the "scheme://authority" of an absolute-form target ("/" when that target
// has neither path nor query).
func requestURI(c *http1.Request) []byte {
	t := c.Target
	if c.Host == nil {
		return t
	}
	i := bytes.Index(t, []byte("://"))
	if i < 0 {
		return t
	}
	rest := t[i+3:]
	if j := bytes.IndexAny(rest, "/?"); j >= 0 {
		return rest[j:]
	}
	return []byte("/")
}

// getHost implements $host: the host of an absolute request-target, else the
// Host header, both validated as ngx_http_validate_host does (lowercased,
// port and one trailing dot removed), else the server's first server_name.
func getHost(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if c := q.Client; c != nil {
		if len(c.Host) > 0 {
			if out, ok := ValidateHost(dst, c.Host); ok {
				return out, true
			}
		} else {
			h := c.HostHeader
			if h == nil {
				h, _ = c.Header.Get("Host")
			}
			if len(h) > 0 {
				if out, ok := ValidateHost(dst, h); ok {
					return out, true
				}
			}
		}
	}
	return append(dst, q.ServerName...), true
}

// headerGetter returns a getter for one request header, repeated fields
// joined with sep and a space (nginx ≥ 1.23: ", ", and "; " for Cookie).
func headerGetter(name string, sep byte) getter {
	return func(q *Request, _ *variable, dst []byte) ([]byte, bool) {
		if q.Client == nil {
			return dst, false
		}
		return joinHeader(dst, &q.Client.Header, func(n []byte) bool { return http1.EqualFoldString(n, name) }, sep)
	}
}

// joinHeader appends the values of the fields match accepts, joined by
// sep+" ", and reports whether there was any.
func joinHeader(dst []byte, h *http1.Header, match func(name []byte) bool, sep byte) ([]byte, bool) {
	found := false
	for i := range h.Fields {
		f := &h.Fields[i]
		if !match(f.Name) {
			continue
		}
		if found {
			dst = append(dst, sep, ' ')
		}
		dst = append(dst, f.Value...)
		found = true
	}
	return dst, found
}

// headerNameMatches compares a header name with the lowercased suffix of a
// $http_NAME variable: letters case-insensitively and "-" as "_", exactly
// as ngx_http_variable_unknown_header does.
func headerNameMatches(header []byte, param string) bool {
	if len(header) != len(param) {
		return false
	}
	for i := 0; i < len(header); i++ {
		c := header[i]
		if c >= 'A' && c <= 'Z' {
			c |= 0x20
		} else if c == '-' {
			c = '_'
		}
		if c != param[i] {
			return false
		}
	}
	return true
}

func getRequestHeader(q *Request, v *variable, dst []byte) ([]byte, bool) {
	if q.Client == nil {
		return dst, false
	}
	return joinHeader(dst, &q.Client.Header, func(n []byte) bool { return headerNameMatches(n, v.param) }, ',')
}

// getCookie implements $cookie_NAME like nginx 1.28's
// ngx_http_parse_multi_header_lines: pairs are separated by ";" or ",", the
// name is compared case-insensitively, spaces around "=" are skipped, the
// value runs to the next ";" (a "," does not end it).
func getCookie(q *Request, v *variable, dst []byte) ([]byte, bool) {
	if q.Client == nil {
		return dst, false
	}
	name := v.param
	for i := range q.Client.Header.Fields {
		f := &q.Client.Header.Fields[i]
		if !http1.EqualFoldString(f.Name, "Cookie") {
			continue
		}
		if val, ok := findCookie(f.Value, name); ok {
			return append(dst, val...), true
		}
	}
	return dst, false
}

func findCookie(s []byte, name string) ([]byte, bool) {
	start, end := 0, len(s)
	for start < end {
		if end-start >= len(name) && http1.EqualFoldString(s[start:start+len(name)], name) {
			p := start + len(name)
			for p < end && s[p] == ' ' {
				p++
			}
			if p < end && s[p] == '=' {
				p++
				for p < end && s[p] == ' ' {
					p++
				}
				last := p
				for last < end && s[last] != ';' {
					last++
				}
				return s[p:last], true
			}
			start = p
		}
		// Skip to the next pair: nginx ≤ 1.29.5 (ngx_http_parse_multi_header_lines)
		// also treats "," as a separator.
		for start < end {
			c := s[start]
			start++
			if c == ';' || c == ',' {
				break
			}
		}
		for start < end && s[start] == ' ' {
			start++
		}
	}
	return nil, false
}

// getArg implements $arg_NAME like ngx_http_arg: the first "NAME=" (name
// compared case-insensitively) at the start of args or after "&"; the value
// is not decoded.
func getArg(q *Request, v *variable, dst []byte) ([]byte, bool) {
	if val, ok := FindArg(q.Args, v.param); ok {
		return append(dst, val...), true
	}
	return dst, false
}

// FindArg returns the raw value of argument name in a query string, as
// nginx's ngx_http_arg finds it.
func FindArg(args []byte, name string) ([]byte, bool) {
	if len(name) == 0 {
		return nil, false
	}
	for i := 0; i+len(name) < len(args); i++ {
		if (i == 0 || args[i-1] == '&') && args[i+len(name)] == '=' && http1.EqualFoldString(args[i:i+len(name)], name) {
			val := args[i+len(name)+1:]
			for j, c := range val {
				if c == '&' {
					return val[:j], true
				}
			}
			return val, true
		}
	}
	return nil, false
}

func getContentLength(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	c := q.Client
	if c == nil {
		return dst, false
	}
	if h, ok := c.Header.Get("Content-Length"); ok {
		return append(dst, h...), true
	}
	if c.ContentLength >= 0 && !c.Chunked {
		return strconv.AppendInt(dst, c.ContentLength, 10), true
	}
	return dst, false
}

// getRemoteUser decodes the user of "Authorization: Basic ..." as
// ngx_http_auth_basic_user does.
func getRemoteUser(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Client == nil {
		return dst, false
	}
	h, ok := q.Client.Header.Get("Authorization")
	if !ok || len(h) < 6 || !http1.EqualFoldString(h[:6], "basic ") {
		return dst, false
	}
	enc := h[6:]
	for len(enc) > 0 && enc[0] == ' ' {
		enc = enc[1:]
	}
	if len(enc) == 0 {
		return dst, false
	}
	start := len(dst)
	dst = append(dst, make([]byte, base64.StdEncoding.DecodedLen(len(enc)))...)
	n, err := base64.StdEncoding.Decode(dst[start:], enc)
	if err != nil {
		return dst[:start], false
	}
	dst = dst[:start+n]
	for i := start; i < len(dst); i++ {
		if dst[i] == ':' {
			return dst[:i], true
		}
	}
	return dst[:start], false
}
