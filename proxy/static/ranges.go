package static

import (
	"math"
	"strconv"
)

// ByteRange is one satisfiable range of a representation: bytes
// [Start, End) — End is exclusive, as in nginx's ngx_http_range_t.
type ByteRange struct {
	Start, End int64
}

// Len is the number of bytes in the range.
func (r ByteRange) Len() int64 { return r.End - r.Start }

// RangeOutcome is what a Range header asks for once parsed against a size.
type RangeOutcome int

const (
	// RangeIgnore: send the whole representation with 200, as nginx does for
	// a header it declines (too many ranges, overlapping ranges whose sum
	// exceeds the size, a range starting at 0 on an empty file, or no
	// "bytes=" unit).
	RangeIgnore RangeOutcome = iota
	// RangePartial: send 206 with the parsed ranges.
	RangePartial
	// RangeNotSatisfiable: send 416 with "Content-Range: bytes */SIZE".
	RangeNotSatisfiable
)

// ParseRange interprets a Range header value for a representation of size
// bytes exactly as nginx's ngx_http_range_parse does, allowing at most
// maxRanges ranges (more → RangeIgnore). dst is reused for the result.
//
// nginx's quirks are kept on purpose, because clients see them: spaces are
// allowed around numbers and "-", an unsatisfiable range next to satisfiable
// ones is dropped silently, "bytes=0-" on an empty file is ignored rather
// than refused, and overlapping ranges are accepted unless together they are
// larger than the file.
func ParseRange(value []byte, size int64, maxRanges int, dst []ByteRange) ([]ByteRange, RangeOutcome) {
	dst = dst[:0]
	if len(value) < 7 || !hasPrefixFold(value, "bytes=") {
		return dst, RangeIgnore
	}
	// at mirrors C's view of a NUL-terminated header value.
	at := func(i int) byte {
		if i < len(value) {
			return value[i]
		}
		return 0
	}
	const cutoff = math.MaxInt64 / 10
	const cutlim = math.MaxInt64 % 10
	left := maxRanges
	var total int64
	p := 6
	for {
		var start, end int64
		suffix := false
		for at(p) == ' ' {
			p++
		}
		if at(p) != '-' {
			if c := at(p); c < '0' || c > '9' {
				return dst[:0], RangeNotSatisfiable
			}
			for c := at(p); c >= '0' && c <= '9'; c = at(p) {
				if start >= cutoff && (start > cutoff || int64(c-'0') > cutlim) {
					return dst[:0], RangeNotSatisfiable
				}
				start = start*10 + int64(c-'0')
				p++
			}
			for at(p) == ' ' {
				p++
			}
			if at(p) != '-' {
				return dst[:0], RangeNotSatisfiable
			}
			p++
			for at(p) == ' ' {
				p++
			}
			if c := at(p); c == ',' || c == 0 {
				end = size
				goto found
			}
		} else {
			suffix = true
			p++
		}
		if c := at(p); c < '0' || c > '9' {
			return dst[:0], RangeNotSatisfiable
		}
		for c := at(p); c >= '0' && c <= '9'; c = at(p) {
			if end >= cutoff && (end > cutoff || int64(c-'0') > cutlim) {
				return dst[:0], RangeNotSatisfiable
			}
			end = end*10 + int64(c-'0')
			p++
		}
		for at(p) == ' ' {
			p++
		}
		if c := at(p); c != ',' && c != 0 {
			return dst[:0], RangeNotSatisfiable
		}
		if suffix {
			if end < size {
				start = size - end
			} else {
				start = 0
			}
			end = size - 1
		}
		if end >= size {
			end = size
		} else {
			end++
		}
	found:
		if start < end {
			dst = append(dst, ByteRange{Start: start, End: end})
			if total > math.MaxInt64-(end-start) {
				return dst[:0], RangeNotSatisfiable
			}
			total += end - start
			if left == 0 {
				return dst[:0], RangeIgnore
			}
			left--
		} else if start == 0 {
			return dst[:0], RangeIgnore
		}
		c := at(p)
		p++
		if c != ',' {
			break
		}
	}
	if len(dst) == 0 {
		return dst[:0], RangeNotSatisfiable
	}
	if total > size {
		return dst[:0], RangeIgnore
	}
	return dst, RangePartial
}

func hasPrefixFold(b []byte, prefix string) bool {
	if len(b) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

// appendContentRange appends "bytes START-END/SIZE" (END inclusive).
func appendContentRange(dst []byte, r ByteRange, size int64) []byte {
	dst = append(dst, "bytes "...)
	dst = strconv.AppendInt(dst, r.Start, 10)
	dst = append(dst, '-')
	dst = strconv.AppendInt(dst, r.End-1, 10)
	dst = append(dst, '/')
	return strconv.AppendInt(dst, size, 10)
}
