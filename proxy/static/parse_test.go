package static

import (
	"fmt"
	"testing"
	"time"
)

func TestParseHTTPTime(t *testing.T) {
	want := time.Date(1994, 11, 6, 8, 49, 37, 0, time.UTC).Unix()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", want, true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", want, true},
		{"Sun Nov  6 08:49:37 1994", want, true},
		{"Sun Nov 6 08:49:37 1994", want, true},
		{"Sun, 06 Nov 1994 08:49:37", want, true}, // nginx ignores the zone
		{"Thu, 01 Jan 1970 00:00:00 GMT", 0, true},
		{"Thu, 01 Jan 2070 00:00:00 GMT", time.Date(2070, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"Monday, 01-Jan-69 00:00:00 GMT", time.Date(2069, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"Tue, 29 Feb 2000 00:00:00 GMT", time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC).Unix(), true},
		{"Tue, 29 Feb 1900 00:00:00 GMT", 0, false},
		{"Tue, 30 Feb 2000 00:00:00 GMT", 0, false},
		{"Tue, 31 Apr 2000 00:00:00 GMT", 0, false},
		{"Sun, 06 Nov 1994 24:00:00 GMT", 0, false},
		{"Sun, 06 Nov 1994 08:60:00 GMT", 0, false},
		{"Sun, 06 Xyz 1994 08:49:37 GMT", 0, false},
		{"Sun, 6 Nov 1994 08:49:37 GMT", 0, false},
		{"", 0, false},
		{"garbage", 0, false},
		{"Sun, 06 Nov 1994 08:49", 0, false},
		{"Sun Nov  6 08:49:37 94", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseHTTPTime([]byte(tt.in))
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseHTTPTime(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAppendHTTPTime(t *testing.T) {
	got := string(AppendHTTPTime(nil, 784111777))
	if got != "Sun, 06 Nov 1994 08:49:37 GMT" {
		t.Fatalf("got %q", got)
	}
}

func TestParseRange(t *testing.T) {
	const size = 100
	tests := []struct {
		in      string
		max     int
		outcome RangeOutcome
		want    string
	}{
		{"bytes=0-9", 10, RangePartial, "[0,10)"},
		{"bytes=90-", 10, RangePartial, "[90,100)"},
		{"bytes=-10", 10, RangePartial, "[90,100)"},
		{"bytes=-200", 10, RangePartial, "[0,100)"},
		{"bytes=0-999", 10, RangePartial, "[0,100)"},
		{"BYTES=0-0", 10, RangePartial, "[0,1)"},
		{"bytes= 1 - 2 , 5-6", 10, RangePartial, "[1,3)[5,7)"},
		{"bytes=0-9,20-29", 10, RangePartial, "[0,10)[20,30)"},
		{"bytes=0-9,200-300", 10, RangePartial, "[0,10)"}, // unsatisfiable part dropped
		{"bytes=200-300", 10, RangeNotSatisfiable, ""},
		{"bytes=100-", 10, RangeNotSatisfiable, ""},
		{"bytes=5-1", 10, RangeNotSatisfiable, ""},
		{"bytes=abc", 10, RangeNotSatisfiable, ""},
		{"bytes=1-2x", 10, RangeNotSatisfiable, ""},
		{"bytes=-", 10, RangeNotSatisfiable, ""},
		{"bytes=99999999999999999999-", 10, RangeNotSatisfiable, ""},
		{"bytes=0-9,10-19", 1, RangeIgnore, ""},                 // more than max_ranges
		{"bytes=0-99,0-99", 10, RangeIgnore, ""},                // overlaps larger than the file
		{"bytes=0-49,40-79", 10, RangePartial, "[0,50)[40,80)"}, // overlaps that fit are kept
		{"items=0-9", 10, RangeIgnore, ""},
		{"bytes=", 10, RangeIgnore, ""},             // shorter than 7 bytes
		{"bytes=0-9,", 10, RangeNotSatisfiable, ""}, // nginx wants a range after ","
	}
	for _, tt := range tests {
		got, outcome := ParseRange([]byte(tt.in), size, tt.max, nil)
		s := ""
		for _, r := range got {
			s += fmt.Sprintf("[%d,%d)", r.Start, r.End)
		}
		if outcome != tt.outcome || s != tt.want {
			t.Errorf("ParseRange(%q, max %d) = %s, %v; want %s, %v", tt.in, tt.max, s, outcome, tt.want, tt.outcome)
		}
	}
	// An empty file: "bytes=0-" is ignored (200), a suffix is unsatisfiable.
	if _, o := ParseRange([]byte("bytes=0-"), 0, 10, nil); o != RangeIgnore {
		t.Errorf("empty file bytes=0-: %v", o)
	}
	if _, o := ParseRange([]byte("bytes=-5"), 0, 10, nil); o != RangeIgnore {
		t.Errorf("empty file bytes=-5: %v", o)
	}
}

func TestETagListMatches(t *testing.T) {
	etag := []byte(`"5f3e-17"`)
	tests := []struct {
		list string
		weak bool
		want bool
	}{
		{`*`, false, true},
		{`"5f3e-17"`, false, true},
		{`"x", "5f3e-17"`, false, true},
		{`"5f3e-17" , "x"`, false, true},
		{`"5f3e-1"`, false, false},
		{`"5f3e-17x"`, false, false},
		{`W/"5f3e-17"`, false, false},
		{`W/"5f3e-17"`, true, true},
		{`"a",W/"5f3e-17"`, true, true},
		{``, false, false},
	}
	for _, tt := range tests {
		if got := etagListMatches([]byte(tt.list), etag, tt.weak); got != tt.want {
			t.Errorf("etagListMatches(%q, weak=%v) = %v", tt.list, tt.weak, got)
		}
	}
	if etagListMatches([]byte(`"a"`), nil, false) {
		t.Error("no etag must not match a list")
	}
}

func TestEvaluateConditionals(t *testing.T) {
	lm := int64(784111777)
	lmStr := "Sun, 06 Nov 1994 08:49:37 GMT"
	before := "Sun, 06 Nov 1994 08:49:36 GMT"
	after := "Sun, 06 Nov 1994 08:49:38 GMT"
	etag := []byte(`"abc"`)
	type h = conditionalHeaders
	tests := []struct {
		name string
		h    h
		mode IMSMode
		want int
	}{
		{"none", h{}, IMSExact, 200},
		{"ims equal", h{ifModifiedSince: []byte(lmStr), hasIMS: true}, IMSExact, 304},
		{"ims after exact", h{ifModifiedSince: []byte(after), hasIMS: true}, IMSExact, 200},
		{"ims after before-mode", h{ifModifiedSince: []byte(after), hasIMS: true}, IMSBefore, 304},
		{"ims before before-mode", h{ifModifiedSince: []byte(before), hasIMS: true}, IMSBefore, 200},
		{"ims off", h{ifModifiedSince: []byte(lmStr), hasIMS: true}, IMSOff, 200},
		{"ims garbage", h{ifModifiedSince: []byte("x"), hasIMS: true}, IMSExact, 200},
		{"inm match", h{ifNoneMatch: etag, hasINM: true}, IMSExact, 304},
		{"inm star", h{ifNoneMatch: []byte("*"), hasINM: true}, IMSExact, 304},
		{"inm miss", h{ifNoneMatch: []byte(`"x"`), hasINM: true}, IMSExact, 200},
		{"inm match ims miss", h{ifNoneMatch: etag, hasINM: true, ifModifiedSince: []byte(before), hasIMS: true}, IMSExact, 200},
		{"inm miss ims match", h{ifNoneMatch: []byte(`"x"`), hasINM: true, ifModifiedSince: []byte(lmStr), hasIMS: true}, IMSExact, 200},
		{"ius ok", h{ifUnmodifiedSince: []byte(lmStr), hasIUMS: true}, IMSExact, 200},
		{"ius fail", h{ifUnmodifiedSince: []byte(before), hasIUMS: true}, IMSExact, 412},
		{"ius garbage", h{ifUnmodifiedSince: []byte("x"), hasIUMS: true}, IMSExact, 412},
		{"im ok", h{ifMatch: etag, hasIM: true}, IMSExact, 200},
		{"im fail", h{ifMatch: []byte(`"x"`), hasIM: true}, IMSExact, 412},
		{"im weak never matches", h{ifMatch: []byte(`W/"abc"`), hasIM: true}, IMSExact, 412},
		{"im fail beats inm", h{ifMatch: []byte(`"x"`), hasIM: true, ifNoneMatch: etag, hasINM: true}, IMSExact, 412},
	}
	for _, tt := range tests {
		got := evaluateConditionals(&tt.h, conditionalFacts{lastModified: lm, etag: etag}, tt.mode)
		if got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestParseExpires(t *testing.T) {
	tests := []struct {
		in       string
		modified bool
		want     Expires
		err      bool
	}{
		{"off", false, Expires{Mode: ExpiresOff}, false},
		{"epoch", false, Expires{Mode: ExpiresEpoch}, false},
		{"max", false, Expires{Mode: ExpiresMax}, false},
		{"1h", false, Expires{Mode: ExpiresAccess, Seconds: 3600}, false},
		{"+1d", false, Expires{Mode: ExpiresAccess, Seconds: 86400}, false},
		{"-1", false, Expires{Mode: ExpiresAccess, Seconds: -1}, false},
		{"30", true, Expires{Mode: ExpiresModified, Seconds: 30}, false},
		{"@15h30m", false, Expires{Mode: ExpiresDaily, Seconds: 15*3600 + 30*60}, false},
		{"@25h", false, Expires{}, true},
		{"@1h", true, Expires{}, true},
		{"1x", false, Expires{}, true},
		{"", false, Expires{}, true},
	}
	for _, tt := range tests {
		got, err := parseExpires(tt.in, tt.modified)
		if (err != nil) != tt.err || (err == nil && got != tt.want) {
			t.Errorf("parseExpires(%q, %v) = %+v, %v; want %+v, err %v", tt.in, tt.modified, got, err, tt.want, tt.err)
		}
	}
}

func TestExpiresHeaders(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	lm := now.Add(-time.Hour).Unix()
	tests := []struct {
		e       Expires
		lm      int64
		exp, cc string
	}{
		{Expires{Mode: ExpiresEpoch}, lm, "Thu, 01 Jan 1970 00:00:01 GMT", "no-cache"},
		{Expires{Mode: ExpiresMax}, lm, "Thu, 31 Dec 2037 23:55:55 GMT", "max-age=315360000"},
		{Expires{Mode: ExpiresAccess}, lm, "Fri, 01 Mar 2024 12:00:00 GMT", "max-age=0"},
		{Expires{Mode: ExpiresAccess, Seconds: 3600}, lm, "Fri, 01 Mar 2024 13:00:00 GMT", "max-age=3600"},
		{Expires{Mode: ExpiresAccess, Seconds: -60}, lm, "Fri, 01 Mar 2024 11:59:00 GMT", "no-cache"},
		{Expires{Mode: ExpiresModified, Seconds: 7200}, lm, "Fri, 01 Mar 2024 13:00:00 GMT", "max-age=3600"},
		{Expires{Mode: ExpiresModified, Seconds: 1800}, lm, "Fri, 01 Mar 2024 11:30:00 GMT", "no-cache"},
		{Expires{Mode: ExpiresModified, Seconds: 600}, -1, "Fri, 01 Mar 2024 12:10:00 GMT", "max-age=600"},
	}
	for _, tt := range tests {
		exp, cc := expiresHeaders(tt.e, tt.lm, now, nil, nil)
		if string(exp) != tt.exp || string(cc) != tt.cc {
			t.Errorf("%+v: got %q %q, want %q %q", tt.e, exp, cc, tt.exp, tt.cc)
		}
	}
	// Daily: the next 03:00 local time after now.
	exp, cc := expiresHeaders(Expires{Mode: ExpiresDaily, Seconds: 3 * 3600}, lm, now, nil, nil)
	local := now.Local()
	next := time.Date(local.Year(), local.Month(), local.Day(), 3, 0, 0, 0, time.Local)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	if want := string(AppendHTTPTime(nil, next.Unix())); string(exp) != want || string(cc) != fmt.Sprintf("max-age=%d", next.Unix()-now.Unix()) {
		t.Errorf("daily: got %q %q, want %q", exp, cc, want)
	}
}

func TestExtensionAndTypes(t *testing.T) {
	tests := []struct{ uri, ext string }{
		{"/a.txt", "txt"},
		{"/a.tar.gz", "gz"},
		{"/dir.d/file", ""},
		{"/.htaccess", ""},
		{"/x/.hidden", ""},
		{"/x/.hidden.css", "css"},
		{"/noext", ""},
		{"/a.", ""},
	}
	for _, tt := range tests {
		if got := string(extension([]byte(tt.uri))); got != tt.ext {
			t.Errorf("extension(%q) = %q, want %q", tt.uri, got, tt.ext)
		}
	}
	types := DefaultMimeTypes()
	for ext, want := range map[string]string{"html": "text/html", "JPG": "image/jpeg", "js": "application/javascript", "woff2": "font/woff2", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"} {
		if got, ok := types.Lookup(ext); !ok || got != want {
			t.Errorf("Lookup(%q) = %q, %v; want %q", ext, got, ok, want)
		}
	}
	if _, ok := types.Lookup("nope"); ok {
		t.Error("unknown extension found")
	}
	if types.Len() < 100 {
		t.Errorf("mime.types has only %d extensions", types.Len())
	}
}
