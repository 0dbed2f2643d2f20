package static

import "testing"

// FuzzParseRange checks the Range parser on arbitrary headers and sizes:
// never a panic, and a partial answer is always inside the file, ordered
// within each range, no more than max_ranges, and no larger than the file.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5", "bytes=5-", "bytes=0-1,3-4", "bytes= 1 - 2 ,", "bytes=99999999999999999999-", "BYTES=0-0", "bytes=-0"} {
		f.Add(s, int64(100), 3)
	}
	f.Fuzz(func(t *testing.T, header string, size int64, maxRanges int) {
		if size < 0 || maxRanges < 0 {
			return
		}
		ranges, outcome := ParseRange([]byte(header), size, maxRanges, nil)
		if outcome != RangePartial {
			if len(ranges) != 0 {
				t.Fatalf("%q: outcome %v with ranges %v", header, outcome, ranges)
			}
			return
		}
		if len(ranges) == 0 || len(ranges) > maxRanges {
			t.Fatalf("%q: %d ranges, max %d", header, len(ranges), maxRanges)
		}
		var total int64
		for _, r := range ranges {
			if r.Start < 0 || r.Start >= r.End || r.End > size {
				t.Fatalf("%q size %d: bad range %+v", header, size, r)
			}
			total += r.Len()
		}
		if total > size {
			t.Fatalf("%q: %d bytes of ranges for a %d-byte file", header, total, size)
		}
	})
}

// FuzzParseHTTPTime checks the date parser never panics and that whatever
// it accepts in IMF-fixdate form survives a format/parse round trip.
func FuzzParseHTTPTime(f *testing.F) {
	for _, s := range []string{"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Tue, 29 Feb 2000 00:00:00 GMT", ",", " "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sec, ok := ParseHTTPTime([]byte(s))
		if !ok || sec < 0 || sec > 253402300799 { // beyond year 9999 is not IMF-fixdate
			return
		}
		again, ok := ParseHTTPTime(AppendHTTPTime(nil, sec))
		if !ok || again != sec {
			t.Fatalf("%q → %d → %q → %d, %v", s, sec, AppendHTTPTime(nil, sec), again, ok)
		}
	})
}
