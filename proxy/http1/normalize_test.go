package http1

import "testing"

func TestNormalizePath(t *testing.T) {
	cases := []struct {
		in, want string
		merge    bool
		bad      bool
	}{
		{"/", "/", true, false},
		{"/a/b", "/a/b", true, false},
		{"/a//b", "/a/b", true, false},
		{"/a//b", "/a//b", false, false},
		{"/a/./b", "/a/b", true, false},
		{"/a/../b", "/b", true, false},
		{"/a/b/..", "/a/", true, false},
		{"/a/b/.", "/a/b/", true, false},
		{"/a/b/../../..", "", true, true},
		{"/..", "", true, true},
		{"/../a", "", true, true},
		{"/a%20b", "/a b", true, false},
		{"/a%2Fb", "/a/b", true, false},
		{"/a%2f..%2fb", "/b", true, false},
		{"/a/%2e%2e/b", "/b", true, false},
		{"/%25", "/%", true, false},
		{"/%23x", "/#x", true, false},
		{"/%3Fx", "/?x", true, false},
		{"/%00", "", true, true},
		{"/%zz", "", true, true},
		{"/%4", "", true, true},
		{"/a?b/../c", "/a", true, false},
		{"/a#frag", "/a", true, false},
		{"/a/..?x", "/", true, false},
		{"/a/.?x", "/a/", true, false},
		{"?x", "/", true, false},
		{"/a..b/c", "/a..b/c", true, false},
		{"/.hidden", "/.hidden", true, false},
		{"/...", "/...", true, false},
		// Cases that were vars' own tests before its normaliser became a
		// wrapper of this one (the merge off ones checked against nginx 1.22
		// in vars' TestSetClientMergeSlashes).
		{"/a/.b/..c/...", "/a/.b/..c/...", true, false},
		{"/%41%42", "/AB", true, false},
		{"/%2e/x", "/x", true, false},
		{"/a/.#x", "/a/", true, false},
		{"/a/..#x", "/", true, false},
		{"/caf%C3%A9", "/caf\u00e9", true, false},
		{"/a%00b", "", true, true},
		{"/%2e%2e/x", "", true, true},
		{"/a/../../b", "", true, true},
		{"/a%", "", true, true},
		{"//..//x", "", true, true},
		{"//..//x", "//x", false, false},
		{"/a//../b", "/a/b", false, false},
		{"/a/b//..", "/a/b/", false, false},
		{"/a%2F%2Fb", "/a//b", false, false},
		{"/a//%2e%2e/b", "/a/b", false, false},
		{"//", "//", false, false},
	}
	for _, c := range cases {
		got, err := NormalizePath([]byte("keep:"), []byte(c.in), c.merge)
		if c.bad {
			if StatusOf(err) != 400 || string(got) != "keep:" {
				t.Errorf("%q: %q %v, want 400", c.in, got, err)
			}
			continue
		}
		if err != nil || string(got) != "keep:"+c.want {
			t.Errorf("%q (merge %v): %q %v, want %q", c.in, c.merge, got, err, c.want)
		}
	}
}

// BenchmarkNormalizePath is the $uri derivation for a target that needs it
// (an escape and a ".." segment), into a reused buffer as the Reader does.
func BenchmarkNormalizePath(b *testing.B) {
	target := []byte("/static/js/../css/%73ite.min.css?v=3")
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if dst, err = NormalizePath(dst[:0], target, true); err != nil {
			b.Fatal(err)
		}
	}
	if string(dst) != "/static/css/site.min.css" {
		b.Fatalf("got %q", dst)
	}
}
