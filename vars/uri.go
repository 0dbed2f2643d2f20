package vars

import "errors"

// ErrInvalidURI is returned by NormalizeURI for a path nginx rejects with
// 400: a bad or truncated %-escape, an encoded NUL, or ".." above the root.
var ErrInvalidURI = errors.New("vars: invalid request URI")

// NormalizeURI turns a raw request path into nginx's $uri, as
// ngx_http_parse_complex_uri does with merge_slashes on: %-escapes are
// decoded, "//" merged, "/./" removed, "/../" resolved, and a trailing "/."
// or "/.." handled. A decoded byte is interpreted like a literal one, so
// "%2e%2e" is "..", except a decoded "%", "#" or "?" which is kept as data.
// A raw "#" ends the path. An empty path becomes "/".
func NormalizeURI(path []byte) ([]byte, error) {
	return normalizeInto(make([]byte, 0, len(path)+1), path, true)
}

// NormalizeURIMerge is NormalizeURI with merge_slashes chosen.
func NormalizeURIMerge(path []byte, mergeSlashes bool) ([]byte, error) {
	return normalizeInto(make([]byte, 0, len(path)+1), path, mergeSlashes)
}

type uriState uint8

const (
	uUsual uriState = iota
	uSlash
	uDot
	uDotDot
	uQuoted
	uQuotedSecond
)

// normalizeInto appends the normalised path to dst (which must be empty:
// ".." walks back over it).
func normalizeInto(dst, path []byte, merge bool) ([]byte, error) {
	u := dst[:0]
	if len(path) == 0 {
		return append(u, '/'), nil
	}
	state, quotedState := uUsual, uUsual
	var decoded byte
	p := 0
	ch := path[0]
	p++
	// back removes the last path segment for "..": u ends with "/..";
	// nginx steps back 4 bytes and scans backwards for "/".
	back := func() bool {
		i := len(u) - 4
		for {
			if i < 0 {
				return false
			}
			if u[i] == '/' {
				u = u[:i+1]
				return true
			}
			i--
		}
	}
	for p <= len(path) {
		next := func() {
			if p < len(path) {
				ch = path[p]
			} else {
				ch = 0
			}
			p++
		}
		switch state {
		case uUsual:
			switch ch {
			case '/':
				state = uSlash
				u = append(u, ch)
			case '%':
				quotedState, state = state, uQuoted
			case '#':
				return u, nil
			default:
				u = append(u, ch)
			}
			next()
		case uSlash:
			switch ch {
			case '/':
				if !merge {
					u = append(u, ch)
				}
			case '.':
				state = uDot
				u = append(u, ch)
			case '%':
				quotedState, state = state, uQuoted
			case '#':
				return u, nil
			default:
				state = uUsual
				u = append(u, ch)
			}
			next()
		case uDot:
			switch ch {
			case '/':
				state = uSlash
				u = u[:len(u)-1]
			case '.':
				state = uDotDot
				u = append(u, ch)
			case '%':
				quotedState, state = state, uQuoted
			case '#':
				return u[:len(u)-1], nil
			default:
				state = uUsual
				u = append(u, ch)
			}
			next()
		case uDotDot:
			switch ch {
			case '/', '#':
				// u ends with "/.."; nginx steps back over it and the
				// previous segment.
				if !back() {
					return nil, ErrInvalidURI
				}
				if ch == '#' {
					return u, nil
				}
				state = uSlash
			case '%':
				quotedState, state = state, uQuoted
			default:
				state = uUsual
				u = append(u, ch)
			}
			next()
		case uQuoted:
			switch {
			case ch >= '0' && ch <= '9':
				decoded = ch - '0'
			case ch|0x20 >= 'a' && ch|0x20 <= 'f':
				decoded = (ch | 0x20) - 'a' + 10
			default:
				return nil, ErrInvalidURI
			}
			state = uQuotedSecond
			next()
		case uQuotedSecond:
			var c byte
			switch {
			case ch >= '0' && ch <= '9':
				c = decoded<<4 + ch - '0'
			case ch|0x20 >= 'a' && ch|0x20 <= 'f':
				c = decoded<<4 + ((ch | 0x20) - 'a' + 10)
			default:
				return nil, ErrInvalidURI
			}
			if c == 0 {
				return nil, ErrInvalidURI
			}
			if c == '%' || c == '#' || c == '?' {
				state = uUsual
				u = append(u, c)
				next()
				continue
			}
			// Reprocess the decoded byte in the state before the escape.
			state = quotedState
			ch = c
		}
	}
	switch state {
	case uQuoted, uQuotedSecond:
		return nil, ErrInvalidURI
	case uDot:
		u = u[:len(u)-1]
	case uDotDot:
		if !back() {
			return nil, ErrInvalidURI
		}
	}
	return u, nil
}
