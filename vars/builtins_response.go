package vars

import (
	"strconv"
	"time"

	"sliceproxy/proxy/http1"
)

// Getters that read what was sent to the client and what the upstreams
// answered.

func getSentHeader(q *Request, v *variable, dst []byte) ([]byte, bool) {
	if q.Response.Header == nil {
		return dst, false
	}
	return joinHeader(dst, q.Response.Header, func(n []byte) bool { return headerNameMatches(n, v.param) }, ',')
}

// getSentConnection is the Connection field sent when Response.Header has
// one, else what ngx_http_header_filter writes: "upgrade" for 101,
// "keep-alive" or "close". nginx always finds it.
func getSentConnection(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if h := q.Response.Header; h != nil {
		if out, ok := joinHeader(dst, h, func(n []byte) bool { return http1.EqualFoldString(n, "Connection") }, ','); ok {
			return out, true
		}
	}
	switch {
	case q.Response.Status == 101:
		return append(dst, "upgrade"...), true
	case q.Response.KeepAlive:
		return append(dst, "keep-alive"...), true
	default:
		return append(dst, "close"...), true
	}
}

func lastUpstreamHeader(q *Request) *http1.Header {
	if len(q.Upstream) == 0 {
		return nil
	}
	return q.Upstream[len(q.Upstream)-1].ResponseHeader
}

func getUpstreamHeader(q *Request, v *variable, dst []byte) ([]byte, bool) {
	h := lastUpstreamHeader(q)
	if h == nil {
		return dst, false
	}
	return joinHeader(dst, h, func(n []byte) bool { return headerNameMatches(n, v.param) }, ',')
}

// getUpstreamCookie finds NAME=value in the upstream's Set-Cookie fields
// (ngx_http_parse_set_cookie_lines): the value ends at ";".
func getUpstreamCookie(q *Request, v *variable, dst []byte) ([]byte, bool) {
	h := lastUpstreamHeader(q)
	if h == nil {
		return dst, false
	}
	if val, ok := findSetCookie(h.Fields, v.param); ok {
		return append(dst, val...), true
	}
	return dst, false
}

// findSetCookie returns the value of cookie name (compared
// case-insensitively) in the first Set-Cookie field that starts with
// "name=", up to the first ";".
func findSetCookie(fields []http1.Field, name string) ([]byte, bool) {
	for i := range fields {
		f := &fields[i]
		if !http1.EqualFoldString(f.Name, "Set-Cookie") {
			continue
		}
		val := f.Value
		if len(val) > len(name) && http1.EqualFoldString(val[:len(name)], name) && val[len(name)] == '=' {
			val = val[len(name)+1:]
			end := 0
			for end < len(val) && val[end] != ';' {
				end++
			}
			return val[:end], true
		}
	}
	return nil, false
}

func getBytesSent(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, q.Response.BytesSent, 10), true
}

func getBodyBytesSent(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, max(q.Response.BytesSent-q.Response.HeaderBytes, 0), 10), true
}

// appendMsecDuration renders an upstream timing; negative means "never
// happened" and renders as "-".
func appendMsecDuration(dst []byte, d time.Duration) []byte {
	if d < 0 {
		return append(dst, '-')
	}
	return appendMsec(dst, d.Milliseconds())
}

func getStatus(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	s := q.Response.Status
	if s < 0 {
		s = 0
	}
	if s < 100 {
		dst = append(dst, '0')
		if s < 10 {
			dst = append(dst, '0')
		}
	}
	return strconv.AppendInt(dst, int64(s), 10), true
}

// upstreamList renders one fact per upstream attempt, separated by ", ", as
// ngx_http_upstream_*_variable do; not found without attempts.
func upstreamList(each func(dst []byte, a *UpstreamAttempt) []byte) getter {
	return func(q *Request, _ *variable, dst []byte) ([]byte, bool) {
		if len(q.Upstream) == 0 {
			return dst, false
		}
		for i := range q.Upstream {
			if i > 0 {
				dst = append(dst, ',', ' ')
			}
			dst = each(dst, &q.Upstream[i])
		}
		return dst, true
	}
}
