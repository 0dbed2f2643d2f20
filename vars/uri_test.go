package vars

import (
	"errors"
	"testing"
)

func TestNormalizeURI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/a/b", "/a/b"},
		{"//a///b//", "/a/b/"},
		{"/a/./b", "/a/b"},
		{"/a/.", "/a/"},
		{"/a/..", "/"},
		{"/a/b/../c", "/a/c"},
		{"/a/b/../../c", "/c"},
		{"/a/.b/..c/...", "/a/.b/..c/..."},
		{"/a%20b", "/a b"},
		{"/%41%42", "/AB"},
		{"/a%2Fb", "/a/b"},
		{"/a%2f%2e%2e/b", "/b"},
		{"/a/%2E%2e/b", "/b"},
		{"/%2e/x", "/x"},
		{"/a%25b", "/a%b"},
		{"/a%23b", "/a#b"},
		{"/a%3Fb", "/a?b"},
		{"/a#frag", "/a"},
		{"/a/.#x", "/a/"},
		{"/a+b", "/a+b"},
		{"/caf%C3%A9", "/café"},
	} {
		got, err := NormalizeURI([]byte(tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("NormalizeURI(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"/..", "/../a", "/a/../..", "/%2e%2e/x", "/a%", "/a%4", "/a%zz", "/a%00b", "/a/../../b"} {
		if got, err := NormalizeURI([]byte(in)); !errors.Is(err, ErrInvalidURI) {
			t.Errorf("NormalizeURI(%q) = %q, %v; want ErrInvalidURI", in, got, err)
		}
	}
	if got, _ := NormalizeURIMerge([]byte("//a//b"), false); string(got) != "//a//b" {
		t.Errorf("merge off: %q", got)
	}
}

func FuzzNormalizeURI(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "//x/./y", "/%2e%2e/", "/a%2", "/%41#x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := NormalizeURI(in)
		if err != nil {
			return
		}
		if len(in) > 0 && in[0] == '/' && (len(out) == 0 || out[0] != '/') {
			t.Fatalf("%q normalised to %q: must start with /", in, out)
		}
		// Normalising is idempotent for paths without escapes of "%".
		if again, err := NormalizeURI(out); err == nil && len(out) > 0 && out[0] == '/' &&
			!containsAny(out, "%#?") && string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}

func containsAny(b []byte, chars string) bool {
	for _, c := range b {
		for i := 0; i < len(chars); i++ {
			if c == chars[i] {
				return true
			}
		}
	}
	return false
}

func TestValidateHost(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"example.com", "example.com", true},
		{"Example.COM", "example.com", true},
		{"example.com.", "example.com", true},
		{"example.com:8080", "example.com", true},
		{"example.com.:8080", "example.com", true},
		{"[::1]:80", "[::1]", true},
		{"[::1]", "[::1]", true},
		{"1.2.3.4", "1.2.3.4", true},
		{".leading", ".leading", true},
		{"", "", false},
		{".", "", false},
		{":80", "", false},
		{"a..b", "", false},
		{"a/b", "", false},
		{`a\b`, "", false},
		{"a b", "", false},
		{"a\x00b", "", false},
		{"a\x7fb", "", false},
	} {
		got, ok := ValidateHost(nil, []byte(tc.in))
		if ok != tc.ok || string(got) != tc.want {
			t.Errorf("ValidateHost(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
