package vars

import (
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
	"sliceproxy/proxy/http1"
)

// uriNginxTargets are request targets at the edges of $uri normalisation:
// escapes of '.', '/', '%', '?' and '#', dot segments next to a query or
// fragment, ".." at and above the root, and bad escapes before and after
// the path ends.
var uriNginxTargets = []string{
	"/a/..#x", "/a/.#x", "/a#b?c", "/a?b#c/..", "/a?%zz", "/a#%zz", "/a?b/../..",
	"/%3f/..", "/a/%2e%2e%3fb", "/a/..%3f", "/a/.%23", "/a%23/..", "/a%3F/..",
	"/..%2f", "/a/b/%2e%2e", "/a/b/.%2e", "/a/b/%2e.", "/%2e", "/%2e%2e", "/%2e%2e%2f",
	"//..", "///a/../..", "/a/..?x", "/a%2F..%2F..", "/a%2F..%2F..%2F..", "/%25%32%65",
	"/a%2fb%2f%2f.%2f", "/a/./../b", "/a//./..//b", "/.../..", "/..a/..", "/a/b/..//",
	"/a/%", "/a/%%", "/a/%2", "/a%00", "/a%2x", "/a//../b", "//a//b//..//c",
	"http://h", "http://h?x", "http://h/a/../b", "http://h//a/./b", "http://h/..",
}

// TestURIDifferentialNginx sends each target to nginx (`return 200 "$uri"`)
// with merge_slashes on and off and compares the answer with the $uri the
// Reader and SetClient derive, or nginx's 400 with the Reader's rejection.
func TestURIDifferentialNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx")
	}
	testenv.LookBinary(t, "nginx", "nginx")
	reg := testRegistry(t)
	for _, merge := range []string{"on", "off"} {
		ng := testenv.StartNginx(t, testenv.NginxConfig{HTTP: `
    server {
        listen {{PORT}};
        merge_slashes ` + merge + `;
        location / { return 200 "$uri"; }
    }
`})
		for _, target := range uriNginxTargets {
			raw := "GET " + target + " HTTP/1.1\r\nHost: n.test\r\nConnection: close\r\n\r\n"
			status, body, _ := rawExchange(t, ng.Addr, raw)

			rd := http1.NewReader(strings.NewReader(raw), http1.Options{NoMergeSlashes: merge == "off"})
			var c http1.Request
			err := rd.ReadRequest(&c)
			if err == nil {
				q := reg.NewRequest()
				err = q.SetClient(&c)
				if err == nil && (status != 200 || string(q.URI) != string(body)) {
					t.Errorf("merge_slashes %s, %q: $uri %q; nginx %d %q", merge, target, q.URI, status, body)
				}
			}
			if err != nil && status != 400 {
				t.Errorf("merge_slashes %s, %q: %v; nginx %d %q", merge, target, err, status, body)
			}
		}
	}
}
