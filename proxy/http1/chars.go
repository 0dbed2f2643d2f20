package http1

// Byte classes of nginx's parsers (ngx_http_parse.c), as lookup tables built once.
// They are never written after package initialisation.

// isMethodChar: nginx accepts A-Z, '_' and '-' in a method.
var isMethodChar = makeSet("ABCDEFGHIJKLMNOPQRSTUVWXYZ_-")

// isHeaderNameChar: what nginx's lowcase table maps (letters, digits, '-'); any other
// byte that is not a control character or space makes the header "invalid" (dropped
// under ignore_invalid_headers).
var isHeaderNameChar = makeSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")

// isSchemeChar: letters, digits, '+', '-', '.' after a scheme's first letter.
var isSchemeChar = makeSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")

// isHostChar: what nginx accepts in the host of an absolute-form request-target.
var isHostChar = makeSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")

// isIPLiteralChar: unreserved and sub-delims plus ':' inside "[...]".
var isIPLiteralChar = makeSet("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-._~!$&'()*+,;=")

// isHexDigit for chunk sizes.
var isHexDigit = makeSet("0123456789abcdefABCDEF")

func makeSet(chars string) (t [256]bool) {
	for i := 0; i < len(chars); i++ {
		t[chars[i]] = true
	}
	return t
}

func isAlpha(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isCtl: control characters and DEL, rejected in request-targets and header names.
func isCtl(c byte) bool { return c < 0x20 || c == 0x7f }

func unhex(c byte) int64 {
	switch {
	case c >= '0' && c <= '9':
		return int64(c - '0')
	case c >= 'a' && c <= 'f':
		return int64(c-'a') + 10
	default:
		return int64(c-'A') + 10
	}
}

// containsFold reports whether s contains sub, ASCII case-insensitively (nginx's
// ngx_strcasestrn, used for the Connection header).
func containsFold(s []byte, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if equalFoldString(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

// hasPrefixPartial reports whether b is a prefix of s or s a prefix of b: used on an
// incomplete line to tell "not yet known" from "already wrong".
func hasPrefixPartial(b []byte, s string) bool {
	n := min(len(b), len(s))
	return string(b[:n]) == s[:n]
}

// trimTrailingCR drops every CR at the end of line.
func trimTrailingCR(line []byte) []byte {
	for len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line
}

// parseDecimal parses a non-empty run of ASCII digits the way nginx's ngx_atoof does:
// no sign, no spaces, overflow is an error.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	const cutoff = (1<<63 - 1) / 10
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		d := int64(c - '0')
		if n > cutoff || (n == cutoff && d > (1<<63-1)%10) {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}
