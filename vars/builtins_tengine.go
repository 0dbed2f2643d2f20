package vars

import (
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strconv"
	"time"
)

// tengineBuiltins are the variables tengine adds (T_NGX_VARS in its
// ngx_http_variables.c, and the log-only ones of its ngx_http_log_module),
// with tengine's formats. All are weak: nginx does not know these names, so
// a configuration written for nginx may "set" or "map" a variable called
// $year or $second; the user's variable then replaces tengine's (tengine
// itself would reject the set as a duplicate, and knows $sec and
// $request_time_* only inside log_format).
//
// The date variables read the registry clock in its location (local time,
// as tengine's ngx_cached_tm), at the moment of evaluation; tengine reads
// its per-event cached time, so a value may differ by the time the request
// has taken so far.
var tengineBuiltins = []builtin{
	{name: "dollar", flags: flagWeak, get: constGetter("$")},
	{name: "host_comment", flags: flagWeak, get: getHostComment},
	{name: "unix_time", flags: flagNoCache | flagWeak, get: getUnixTime},
	{name: "year", flags: flagNoCache | flagWeak, get: clockField(func(t time.Time) int { return t.Year() })},
	{name: "year2", flags: flagNoCache | flagWeak, get: clockField(func(t time.Time) int { return t.Year() % 100 })},
	{name: "month", flags: flagNoCache | flagWeak, get: clockField(func(t time.Time) int { return int(t.Month()) })},
	{name: "day", flags: flagNoCache | flagWeak, get: clockField(func(t time.Time) int { return t.Day() })},
	{name: "hour", flags: flagNoCache | flagWeak, get: clockField(func(t time.Time) int { return t.Hour() })},
	{name: "hour12", flags: flagNoCache | flagWeak, get: clockField(hour12)},
	{name: "minute", flags: flagNoCache | flagWeak, get: clockField(func(t time.Time) int { return t.Minute() })},
	{name: "second", flags: flagNoCache | flagWeak, get: clockField(func(t time.Time) int { return t.Second() })},
	{name: "time_http", flags: flagNoCache | flagWeak, get: getTimeHTTP},
	{name: "full_request", flags: flagWeak, get: getFullRequest},
	{name: "normalized_request", flags: flagWeak, get: getNormalizedRequest},

	// tengine's log module
	{name: "sec", flags: flagNoCache | flagWeak, get: getUnixTime},
	{name: "request_time_msec", flags: flagNoCache | flagWeak, get: getRequestTimeMsec},
	{name: "request_time_usec", flags: flagNoCache | flagWeak, get: getRequestTimeUsec},
	{name: "apache_bytes_sent", flags: flagNoCache | flagWeak, get: getBodyBytesSent},
}

// tenginePrefixes are tengine's prefixed families sliceproxy computes.
// The transforming ones read the variable named by the rest of the name
// ($md5_encode_http_host is the MD5 of $http_host) and are not found when
// it is not found or does not exist.
var tenginePrefixes = []prefixed{
	{prefix: "sent_cookie_", flags: flagNoCache, get: getSentCookie},
	{prefix: "ascii_", get: getASCII},
	{prefix: "base64_decode_", flags: flagNoCache, get: transform(appendBase64Decoded), transforms: true},
	{prefix: "md5_encode_", flags: flagNoCache, get: transform(appendMD5Hex), transforms: true},
	{prefix: "escape_uri_", flags: flagNoCache, get: transform(appendEscapedURI), transforms: true},
}

// transform returns the getter of a transforming family: it evaluates the
// inner variable into the scratch buffer of the current depth (the caller
// may be writing into dst or into a shallower scratch buffer) and appends
// f of it.
func transform(f func(dst, src []byte) []byte) getter {
	return func(q *Request, v *variable, dst []byte) ([]byte, bool) {
		if v.inner < 0 {
			return dst, false
		}
		d := q.depth
		buf := q.scratchAt(d)
		q.depth++
		buf, ok := q.appendVar(v.inner, buf)
		q.depth--
		q.scratch[d] = buf
		if !ok {
			return dst, false
		}
		return f(dst, buf), true
	}
}

// appendBase64Decoded is ngx_decode_base64 as tengine's $base64_decode_
// uses it: the input ends at the first "=", padding is optional, and input
// that does not decode is passed through unchanged.
func appendBase64Decoded(dst, src []byte) []byte {
	n := len(src)
	for i, c := range src {
		if c == '=' {
			n = i
			break
		}
	}
	if n%4 == 1 {
		return append(dst, src...)
	}
	start := len(dst)
	dst = slices.Grow(dst, base64.RawStdEncoding.DecodedLen(n))
	out := dst[start : start+base64.RawStdEncoding.DecodedLen(n)]
	m, err := base64.RawStdEncoding.Decode(out, src[:n])
	if err != nil {
		return append(dst[:start], src...)
	}
	return dst[:start+m]
}

// appendMD5Hex appends the MD5 of src in lower-case hex (ngx_hex_dump).
func appendMD5Hex(dst, src []byte) []byte {
	sum := md5.Sum(src)
	return hex.AppendEncode(dst, sum[:])
}

// appendEscapedURI is ngx_escape_uri with NGX_ESCAPE_URI: space, "#",
// "%", "?", control bytes, DEL and bytes above 0x7f become "%XX".
func appendEscapedURI(dst, src []byte) []byte {
	const hexUpper = "0123456789ABCDEF"
	for _, c := range src {
		if c <= ' ' || c == '#' || c == '%' || c == '?' || c >= 0x7f {
			dst = append(dst, '%', hexUpper[c>>4], hexUpper[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

func hour12(t time.Time) int {
	h := t.Hour() % 12
	if h == 0 {
		return 12
	}
	return h
}

// clockField renders a field of the registry clock as tengine's "%02i".
func clockField(f func(time.Time) int) getter {
	return func(q *Request, _ *variable, dst []byte) ([]byte, bool) {
		n := f(q.reg.opts.Now())
		if n >= 0 && n < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(n), 10), true
	}
}

func getUnixTime(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, q.reg.opts.Now().Unix(), 10), true
}

// appendHTTPTime renders nginx's ngx_cached_http_time ("Mon, 02 Jan 2006
// 15:04:05 GMT").
func appendHTTPTime(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, "Mon, 02 Jan 2006 15:04:05 GMT")
}

func getTimeHTTP(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return appendHTTPTime(dst, q.reg.opts.Now()), true
}

// getHostComment is "<!-- HOSTNAME HTTP-DATE -->" and a CRLF.
func getHostComment(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	dst = append(dst, "<!-- "...)
	dst = append(dst, q.reg.opts.Hostname...)
	dst = append(dst, ' ')
	dst = appendHTTPTime(dst, q.reg.opts.Now())
	return append(dst, " -->\r\n"...), true
}

// requestDuration is the time since the request started, never negative.
func requestDuration(q *Request) time.Duration {
	if q.Start.IsZero() {
		return 0
	}
	return max(q.reg.opts.Now().Sub(q.Start), 0)
}

func getRequestTimeMsec(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, requestDuration(q).Milliseconds(), 10), true
}

func getRequestTimeUsec(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	return strconv.AppendInt(dst, requestDuration(q).Microseconds(), 10), true
}

// appendRequestOrigin appends "scheme://host[:port]" as tengine's
// $full_request builds it: the validated host (else the server name) and
// the local port unless it is the scheme's default.
func appendRequestOrigin(q *Request, dst []byte) []byte {
	if q.TLS {
		dst = append(dst, "https://"...)
	} else {
		dst = append(dst, "http://"...)
	}
	dst, _ = getHost(q, nil, dst)
	if p := q.LocalAddr.Port(); p != 0 && (q.TLS && p != 443 || !q.TLS && p != 80) {
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, uint64(p), 10)
	}
	return dst
}

// getFullRequest is tengine's $full_request: the origin and $request_uri.
func getFullRequest(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Client == nil {
		return dst, false
	}
	dst = appendRequestOrigin(q, dst)
	return append(dst, requestURI(q.Client)...), true
}

// getNormalizedRequest is tengine's $normalized_request: $full_request
// without a "#fragment" and with the hex digits of every %-escape in
// upper case.
func getNormalizedRequest(q *Request, _ *variable, dst []byte) ([]byte, bool) {
	if q.Client == nil {
		return dst, false
	}
	dst = appendRequestOrigin(q, dst)
	uri := requestURI(q.Client)
	for i, c := range uri {
		if c == '#' {
			uri = uri[:i]
			break
		}
	}
	start := len(dst)
	dst = append(dst, uri...)
	upperEscapes(dst[start:])
	return dst, true
}

// upperEscapes upper-cases the two hex digits of each "%XX" in place,
// stepping exactly as tengine's state machine does (a "%" not followed by
// two hex digits is left alone and the byte after it is examined again).
func upperEscapes(b []byte) {
	const (
		usual = iota
		first
		second
	)
	state := usual
	for i := 0; i < len(b); {
		switch state {
		case usual:
			if b[i] == '%' {
				state = first
			}
			i++
		case first:
			if isHex(b[i]) {
				i++
				state = second
			} else {
				state = usual
			}
		case second:
			if isHex(b[i]) {
				b[i-1] = upperASCII(b[i-1])
				b[i] = upperASCII(b[i])
				i++
			}
			state = usual
		}
	}
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 0x20
	}
	return c
}

// getSentCookie is tengine's $sent_cookie_NAME: the value of NAME in a
// Set-Cookie field sent to the client, up to ";".
func getSentCookie(q *Request, v *variable, dst []byte) ([]byte, bool) {
	if q.Response.Header == nil {
		return dst, false
	}
	if val, ok := findSetCookie(q.Response.Header.Fields, v.param); ok {
		return append(dst, val...), true
	}
	return dst, false
}

// getASCII is tengine's $ascii_N: the byte N, given in decimal or as
// "0x" and hex digits; a value above 255 or malformed fails (tengine
// returns an error, which renders as not found here).
func getASCII(_ *Request, v *variable, dst []byte) ([]byte, bool) {
	p := v.param
	base := 10
	if len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') {
		p, base = p[2:], 16
	}
	if p == "" || p[0] == '+' || p[0] == '-' {
		return dst, false
	}
	n, err := strconv.ParseUint(p, base, 16)
	if err != nil || n > 255 {
		return dst, false
	}
	return append(dst, byte(n)), true
}
