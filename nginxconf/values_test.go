package nginxconf

import (
	"errors"
	"testing"
	"time"
)

func TestParseSizeAndOffset(t *testing.T) {
	tests := []struct {
		in         string
		size, off  int64
		sizeOK, ok bool // sizeOK: ParseSize accepts; ok: ParseOffset accepts
	}{
		{"0", 0, 0, true, true},
		{"512", 512, 512, true, true},
		{"8k", 8 << 10, 8 << 10, true, true},
		{"8K", 8 << 10, 8 << 10, true, true},
		{"10m", 10 << 20, 10 << 20, true, true},
		{"10M", 10 << 20, 10 << 20, true, true},
		{"1g", 0, 1 << 30, false, true},
		{"1G", 0, 1 << 30, false, true},
		{"", 0, 0, false, false},
		{"k", 0, 0, false, false},
		{"-1", 0, 0, false, false},
		{"+1", 0, 0, false, false},
		{"1.5m", 0, 0, false, false},
		{"10kb", 0, 0, false, false},
		{"0x10", 0, 0, false, false},
		{" 1", 0, 0, false, false},
		{"9223372036854775807", 1<<63 - 1, 1<<63 - 1, true, true},
		{"9223372036854775808", 0, 0, false, false},
		{"9007199254740992k", 0, 0, false, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.sizeOK || (err == nil && got != tt.size) {
			t.Errorf("ParseSize(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.size, tt.sizeOK)
		}
		if err != nil && !errors.Is(err, ErrInvalidValue) {
			t.Errorf("ParseSize(%q) error %v does not wrap ErrInvalidValue", tt.in, err)
		}
		got, err = ParseOffset(tt.in)
		if (err == nil) != tt.ok || (err == nil && got != tt.off) {
			t.Errorf("ParseOffset(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.off, tt.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	const bad = time.Duration(-1)
	tests := []struct {
		in             string
		msec, sec, any time.Duration // bad: rejected in that mode
	}{
		{"10", 10 * time.Second, 10 * time.Second, 10 * time.Second},
		{"30s", 30 * time.Second, 30 * time.Second, 30 * time.Second},
		{"500ms", 500 * time.Millisecond, bad, 500 * time.Millisecond},
		{"1h30s", time.Hour + 30*time.Second, time.Hour + 30*time.Second, time.Hour + 30*time.Second},
		{"1h 30s", time.Hour + 30*time.Second, time.Hour + 30*time.Second, time.Hour + 30*time.Second},
		{"1s500ms", 1500 * time.Millisecond, bad, 1500 * time.Millisecond},
		{"1m", time.Minute, time.Minute, time.Minute},
		{"2d", 48 * time.Hour, 48 * time.Hour, 48 * time.Hour},
		{"1w", 7 * 24 * time.Hour, 7 * 24 * time.Hour, 7 * 24 * time.Hour},
		{"1M", bad, 30 * 24 * time.Hour, 30 * 24 * time.Hour},
		{"1y", bad, 365 * 24 * time.Hour, 365 * 24 * time.Hour},
		{"1y1M1w1d1h1m1s", bad, (365+30+7+1)*24*time.Hour + time.Hour + time.Minute + time.Second,
			(365+30+7+1)*24*time.Hour + time.Hour + time.Minute + time.Second},
		{"1m1h", bad, bad, bad},    // units out of order
		{"1s1s", bad, bad, bad},    // unit twice
		{"500ms1s", bad, bad, bad}, // ms must come last
		{"1.5s", bad, bad, bad},    // no fractions
		{"", bad, bad, bad},        // empty
		{"s", bad, bad, bad},       // no number
		{"-1s", bad, bad, bad},     // no sign
		{"10x", bad, bad, bad},     // unknown unit
		{"1h30", time.Hour + 30*time.Second, time.Hour + 30*time.Second, time.Hour + 30*time.Second},
		{"99999999999999999999", bad, bad, bad},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			mode string
			fn   func(string) (time.Duration, error)
			want time.Duration
		}{{"ParseMsec", ParseMsec, tt.msec}, {"ParseSec", ParseSec, tt.sec}, {"ParseTime", ParseTime, tt.any}} {
			got, err := c.fn(tt.in)
			if c.want == bad {
				if err == nil {
					t.Errorf("%s(%q) = %v, want an error", c.mode, tt.in, got)
				}
				continue
			}
			if err != nil || got != c.want {
				t.Errorf("%s(%q) = %v, %v; want %v", c.mode, tt.in, got, err, c.want)
			}
		}
	}
}

func TestParseFlagAndInt(t *testing.T) {
	for in, want := range map[string]bool{"on": true, "ON": true, "Off": false, "off": false} {
		if got, err := ParseFlag(in); err != nil || got != want {
			t.Errorf("ParseFlag(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "yes", "1", "true", "on "} {
		if _, err := ParseFlag(in); err == nil {
			t.Errorf("ParseFlag(%q) accepted", in)
		}
	}
	ints := map[string]int64{"0": 0, "7": 7, "0010": 10}
	for in, want := range ints {
		if got, err := ParseInt(in); err != nil || got != want {
			t.Errorf("ParseInt(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1", "+1", "1e3", "1 ", "99999999999999999999"} {
		if _, err := ParseInt(in); err == nil {
			t.Errorf("ParseInt(%q) accepted", in)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"1h30s", "500ms", "1y", "10", "1h 30s", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func(string) (time.Duration, error){ParseTime, ParseMsec, ParseSec} {
			d, err := fn(s)
			if err == nil && d < 0 {
				t.Fatalf("%q parsed to negative %v", s, d)
			}
		}
	})
}
