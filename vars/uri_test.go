package vars

import (
	"errors"
	"strings"
	"testing"

	"sliceproxy/proxy/http1"
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
		// A raw '?' ends the path, as in a request target (nginx starts the
		// args there); vars' own normaliser used to keep it as data.
		{"/a?b/../c", "/a"},
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

// TestSetClientReaderURI: for a request read by an http1.Reader, SetClient
// takes $uri from the Reader (whose Options decide merge_slashes) and gives
// the same $uri as normalising the raw path with that setting; the copy is
// vars' own, so changing $uri in place leaves the client request intact.
func TestSetClientReaderURI(t *testing.T) {
	reg := testRegistry(t)
	for _, target := range []string{
		"/plain/path.html?x=1",
		"//a/./b/../c/%41%2e%2E/d?x=%20",
		"/a//..//b",
		"/a%2F%2Fb",
		"/a/b/..#frag",
		"/%3f/x",
		"http://example.com",
		"http://example.com?x=1",
		"http://example.com//a/../b",
	} {
		for _, merge := range []bool{true, false} {
			raw := "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n"
			c := readClientRequest(t, raw, http1.Options{NoMergeSlashes: !merge})
			want, err := NormalizeURIMerge(c.Path, merge)
			if err != nil {
				t.Fatalf("NormalizeURIMerge(%q, %v): %v", c.Path, merge, err)
			}
			q := reg.NewRequest()
			if err := q.SetClient(c); err != nil {
				t.Fatalf("SetClient(%q) merge %v: %v", target, merge, err)
			}
			if string(q.URI) != string(want) {
				t.Errorf("SetClient(%q) merge %v: $uri = %q, want %q", target, merge, q.URI, want)
			}
			target0, path0 := string(c.Target), string(c.Path)
			for i := range q.URI {
				q.URI[i] = 'X'
			}
			if string(c.Target) != target0 || string(c.Path) != path0 {
				t.Errorf("SetClient(%q): $uri shares memory with the request: target now %q, path %q", target, c.Target, c.Path)
			}
		}
	}
}

// FuzzSetClientReaderURI: whatever target the Reader accepts, the $uri
// SetClient takes from it is the one NormalizeURIMerge derives from the raw
// path, with merge_slashes on and off; this covers the Reader's shortcut of
// using the raw path when it sees nothing to normalise.
func FuzzSetClientReaderURI(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "//x/./y", "/%2e%2e/", "/a%2", "/%41#x", "/a?b", "/.%2e/", "http://h?x"} {
		f.Add(s, true)
	}
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, target string, merge bool) {
		raw := "GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n"
		rd := http1.NewReader(strings.NewReader(raw), http1.Options{NoMergeSlashes: !merge})
		var c http1.Request
		if rd.ReadRequest(&c) != nil {
			return
		}
		q := reg.NewRequest()
		if err := q.SetClient(&c); err != nil {
			t.Fatalf("SetClient(%q): %v after the Reader accepted it", target, err)
		}
		want, err := NormalizeURIMerge(c.Path, merge)
		if err != nil {
			t.Fatalf("%q: Reader accepted it, NormalizeURIMerge(%q, %v): %v", target, c.Path, merge, err)
		}
		if string(q.URI) != string(want) {
			t.Fatalf("%q merge %v: $uri %q, normalised path %q", target, merge, q.URI, want)
		}
	})
}
