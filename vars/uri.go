package vars

import (
	"errors"

	"sliceproxy/proxy/http1"
)

// ErrInvalidURI is returned by NormalizeURI for a path nginx rejects with
// 400: a bad or truncated %-escape, an encoded NUL, or ".." above the root.
var ErrInvalidURI = errors.New("vars: invalid request URI")

// NormalizeURI turns a raw request path into nginx's $uri with
// merge_slashes on; see NormalizeURIMerge.
func NormalizeURI(path []byte) ([]byte, error) {
	return NormalizeURIMerge(path, true)
}

// NormalizeURIMerge turns a raw request path into nginx's $uri as
// ngx_http_parse_complex_uri does: %-escapes are decoded, "//" merged when
// mergeSlashes, "/./" removed, "/../" resolved, and a trailing "/." or
// "/.." handled. A decoded byte is interpreted like a literal one, so
// "%2e%2e" is "..", except a decoded "%", "#" or "?" which is kept as data;
// a raw '?' or '#' ends the path, as it does in a request target. An empty
// path becomes "/".
//
// The work is http1.NormalizePath's, the one implementation, which the
// Reader also uses to fill http1.Request.URI; this is for paths that did
// not come through a Reader.
func NormalizeURIMerge(path []byte, mergeSlashes bool) ([]byte, error) {
	return appendURI(make([]byte, 0, len(path)+1), path, mergeSlashes)
}

// appendURI appends the $uri of the raw path to dst.
func appendURI(dst, path []byte, mergeSlashes bool) ([]byte, error) {
	if len(path) == 0 {
		// CONNECT, or a request built by hand without a path.
		return append(dst, '/'), nil
	}
	uri, err := http1.NormalizePath(dst, path, mergeSlashes)
	if err != nil {
		// http1's error is its 400 response; callers here want the
		// sentinel (and the reason is always the same).
		return nil, ErrInvalidURI
	}
	return uri, nil
}
