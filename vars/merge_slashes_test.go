package vars

import (
	"errors"
	"testing"

	"sliceproxy/proxy/http1"
)

// TestSetClientMergeSlashes: $uri with merge_slashes on and off, each
// column nginx 1.22's answer with that setting in the default server of the
// address (curl --path-as-is, `return 200 "uri=$uri"`); "400" is nginx's
// "client sent invalid request".
func TestSetClientMergeSlashes(t *testing.T) {
	tests := []struct {
		path    string
		on, off string
	}{
		{"//a///b", "/a/b", "//a///b"},
		{"//a/./b/../c", "/a/c", "//a/c"},
		{"/a//../b", "/b", "/a/b"},
		{"/a//..//b", "/b", "/a//b"},
		{"/a%2F%2Fb", "/a/b", "/a//b"},
		{"/a/b//", "/a/b/", "/a/b//"},
		{"//", "/", "//"},
		{"/a/b//..", "/a/", "/a/b/"},
		{"//..//x", "400", "//x"},
		{"/a//%2e%2e/b", "/b", "/a/b"},
		{"/a///./b", "/a/b", "/a///b"},
		{"/plain", "/plain", "/plain"},
	}
	reg := NewRegistry(RegistryOptions{Hostname: "h"})
	uri, _ := reg.Lookup("uri")
	for _, tt := range tests {
		for _, merge := range []bool{true, false} {
			want := tt.off
			if merge {
				want = tt.on
			}
			q := reg.NewRequest()
			c := &http1.Request{Method: []byte("GET"), Target: []byte(tt.path), Path: []byte(tt.path)}
			err := q.SetClientMergeSlashes(c, merge)
			if want == "400" {
				if !errors.Is(err, ErrInvalidURI) {
					t.Errorf("SetClientMergeSlashes(%q, %v) = %v, want ErrInvalidURI", tt.path, merge, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("SetClientMergeSlashes(%q, %v): %v", tt.path, merge, err)
				continue
			}
			got, _ := q.Var(uri)
			if string(got) != want {
				t.Errorf("SetClientMergeSlashes(%q, %v): $uri = %q, want %q", tt.path, merge, got, want)
			}
		}
		q := reg.NewRequest()
		if err := q.SetClient(&http1.Request{Path: []byte(tt.path)}); tt.on != "400" && (err != nil || string(q.URI) != tt.on) {
			t.Errorf("SetClient(%q): $uri = %q, %v; want %q (merge_slashes on)", tt.path, q.URI, err, tt.on)
		}
	}
}

// FuzzNormalizeURIKeepSlashes: with merge_slashes off the result is a path
// that normalising again leaves alone (for paths without escapes of "%",
// "#" or "?", which decode into data).
func FuzzNormalizeURIKeepSlashes(f *testing.F) {
	for _, s := range []string{"/", "//a///b", "/a//..//b", "//..//x", "/a%2F%2Fb", "/a///./b/.."} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := NormalizeURIMerge(in, false)
		if err != nil {
			return
		}
		if len(in) > 0 && in[0] == '/' && (len(out) == 0 || out[0] != '/') {
			t.Fatalf("%q normalised to %q: must start with /", in, out)
		}
		if again, err := NormalizeURIMerge(out, false); err == nil && len(out) > 0 && out[0] == '/' &&
			!containsAny(out, "%#?") && string(again) != string(out) {
			t.Fatalf("not idempotent: %q -> %q -> %q", in, out, again)
		}
	})
}
