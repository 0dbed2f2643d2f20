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
