package static

import "strconv"

// IMSMode is the if_modified_since directive's value.
type IMSMode int

const (
	// IMSExact: 304 only when If-Modified-Since equals Last-Modified (nginx's default).
	IMSExact IMSMode = iota
	// IMSBefore: 304 when If-Modified-Since is at or after Last-Modified.
	IMSBefore
	// IMSOff: If-Modified-Since is ignored.
	IMSOff
)

// appendETag appends nginx's strong entity tag for a file: the hex mtime and
// hex size in quotes, `"%xT-%xO"` in ngx_http_set_etag.
func appendETag(dst []byte, mtime, size int64) []byte {
	dst = append(dst, '"')
	dst = strconv.AppendInt(dst, mtime, 16)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, size, 16)
	return append(dst, '"')
}

// conditionalFacts are the validators of the representation being served.
type conditionalFacts struct {
	lastModified int64 // Unix seconds; -1 when there is none
	etag         []byte
}

// conditionalHeaders are the request's precondition headers; nil when absent.
type conditionalHeaders struct {
	ifModifiedSince, ifUnmodifiedSince, ifMatch, ifNoneMatch []byte
	hasIMS, hasIUMS, hasIM, hasINM                           bool
}

// evaluateConditionals applies nginx's not_modified filter to a 200
// response: it returns 412, 304, or 200 to go on. The order is nginx's:
// If-Unmodified-Since, If-Match, then If-Modified-Since / If-None-Match
// (both must agree to give 304).
func evaluateConditionals(h *conditionalHeaders, f conditionalFacts, mode IMSMode) int {
	if f.lastModified == -1 {
		return 200
	}
	if h.hasIUMS && !unmodifiedSince(h.ifUnmodifiedSince, f.lastModified) {
		return 412
	}
	if h.hasIM && !etagListMatches(h.ifMatch, f.etag, false) {
		return 412
	}
	if h.hasIMS || h.hasINM {
		if h.hasIMS && modifiedSince(h.ifModifiedSince, f.lastModified, mode) {
			return 200
		}
		if h.hasINM && !etagListMatches(h.ifNoneMatch, f.etag, true) {
			return 200
		}
		return 304
	}
	return 200
}

func unmodifiedSince(value []byte, lastModified int64) bool {
	t, ok := ParseHTTPTime(value)
	if !ok {
		t = -1 // nginx compares NGX_ERROR as a time
	}
	return t >= lastModified
}

// modifiedSince reports whether the representation counts as modified, which
// means "send it" (ngx_http_test_if_modified).
func modifiedSince(value []byte, lastModified int64, mode IMSMode) bool {
	if mode == IMSOff {
		return true
	}
	t, ok := ParseHTTPTime(value)
	if !ok {
		t = -1
	}
	if t == lastModified {
		return false
	}
	return mode == IMSExact || t < lastModified
}

// etagListMatches is ngx_http_test_if_match: "*" matches anything, otherwise
// some element of the comma-separated list must equal etag byte for byte.
// weak comparison (If-None-Match) ignores a "W/" prefix on either side.
func etagListMatches(list, etag []byte, weak bool) bool {
	if len(list) == 1 && list[0] == '*' {
		return true
	}
	if etag == nil {
		return false
	}
	if weak && len(etag) > 2 && etag[0] == 'W' && etag[1] == '/' {
		etag = etag[2:]
	}
	p := 0
	end := len(list)
	for p < end {
		if weak && end-p > 2 && list[p] == 'W' && list[p+1] == '/' {
			p += 2
		}
		if len(etag) > end-p {
			return false
		}
		if string(list[p:p+len(etag)]) == string(etag) {
			q := p + len(etag)
			for q < end && (list[q] == ' ' || list[q] == '\t') {
				q++
			}
			if q == end || list[q] == ',' {
				return true
			}
			p = q
		}
		for p < end && list[p] != ',' {
			p++
		}
		for p < end && (list[p] == ' ' || list[p] == '\t' || list[p] == ',') {
			p++
		}
	}
	return false
}
