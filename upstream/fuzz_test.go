package upstream

import (
	"strings"
	"testing"
)

// FuzzParseServerAddress: server addresses come from configuration files;
// the parser must never panic and must return a usable address or an error.
func FuzzParseServerAddress(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "127.0.0.1:80", "[::1]:8080", "[::1]", "unix:/run/a.sock", "host:0", "::1:80", "[", "a:b:c", "localhost:65536", "h:+1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := parseServerAddress(s)
		if err != nil {
			return
		}
		if a.unix != "" {
			if !strings.HasPrefix(s, "unix:") {
				t.Fatalf("%q parsed as a unix socket", s)
			}
			return
		}
		if a.host == "" || a.port < 1 || a.port > 65535 {
			t.Fatalf("%q parsed to %+v", s, a)
		}
	})
}

// FuzzParseSliceLimit: slice_dyn values come from request variables
// (headers, arguments): untrusted.
func FuzzParseSliceLimit(f *testing.F) {
	for _, s := range []string{"0", "1", "20", "", "-1", "3x", "99999999999999999999", " 1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, r := parseSliceLimit([]byte(s))
		switch r {
		case ReasonNone:
			if n <= 0 {
				t.Fatalf("%q: kept with limit %d", s, n)
			}
			for _, c := range s {
				if c < '0' || c > '9' {
					t.Fatalf("%q accepted", s)
				}
			}
		case ReasonSliceDisabled:
			if n != 0 {
				t.Fatalf("%q: disabled with %d", s, n)
			}
		case ReasonSliceVarInvalid:
			if n != LimitInvalid {
				t.Fatalf("%q: invalid with %d", s, n)
			}
		default:
			t.Fatalf("%q: reason %v", s, r)
		}
	})
}
