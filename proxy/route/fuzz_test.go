package route

import (
	"strings"
	"testing"

	"sliceproxy/nginxconf"
)

// naiveFind is nginx's location choice for exact and prefix locations,
// written directly: an exact match, else the longest prefix (no regexes).
func naiveFind(names []string, exact map[string]bool, uri string) string {
	if exact[uri] {
		return "= " + uri
	}
	best := ""
	found := false
	for _, n := range names {
		if strings.HasPrefix(uri, n) && (!found || len(n) > len(best)) {
			best, found = n, true
		}
	}
	if !found {
		return "-"
	}
	return best
}

// FuzzFindLocation builds a tree from fuzzed location names and checks the
// static search against the naive reference for arbitrary URIs: no panic,
// same answer.
func FuzzFindLocation(f *testing.F) {
	f.Add("/\n/a\n=/a/b\n/a/b/\n/ab", "/a/b/c")
	f.Add("/x/\n=/x\n/x-\n/x/y", "/x")
	f.Add("/\x00a\n/", "/\x00b")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, names, uri string) {
		var prefixes []string
		exact := map[string]bool{}
		var cfg strings.Builder
		seen := map[string]bool{}
		for _, n := range strings.Split(names, "\n") {
			isExact := strings.HasPrefix(n, "=")
			name := strings.TrimPrefix(n, "=")
			if name == "" || strings.ContainsAny(name, "\x00{};\"'\\ \t\r$#~^@") || seen[n] {
				continue
			}
			seen[n] = true
			if isExact {
				exact[name] = true
				cfg.WriteString("location = " + name + " { }\n")
			} else {
				prefixes = append(prefixes, name)
				cfg.WriteString("location " + name + " { }\n")
			}
		}
		conf, diags := nginxconf.ParseBytes("fuzz.conf", []byte("server {\n"+cfg.String()+"}\n"), nginxconf.Options{SingleFile: true})
		if len(diags) > 0 || conf == nil {
			return
		}
		tree, bdiags := Build[string](conf.Directives()[0].Body(), BuildOptions{})
		if len(bdiags) > 0 {
			t.Fatalf("unexpected diagnostics: %v", bdiags)
		}
		for _, l := range tree.Locations() {
			l.Payload = l.String()
		}
		m := tree.Find([]byte(uri), nil)
		got := "-"
		if m.Location != nil {
			got = m.Location.Payload
		}
		if strings.IndexByte(uri, 0) >= 0 {
			return // nginx's comparison stops at NUL; the naive one does not
		}
		if want := naiveFind(prefixes, exact, uri); got != want {
			t.Errorf("Find(%q) = %s, want %s (names %q)", uri, got, want, names)
		}
	})
}

// FuzzSelectServer checks server selection on arbitrary hosts: no panic,
// and lookups are deterministic.
func FuzzSelectServer(f *testing.F) {
	f.Add("www.example.com")
	f.Add("a.b.c.example.org")
	f.Add("")
	f.Add("..")
	f.Add("EXAMPLE.COM")
	f.Add(strings.Repeat("a.", 200) + "example.com")
	r, _ := routerFor(f, `
		server { server_name example.com; }
		server { server_name *.example.com; }
		server { server_name .example.org; }
		server { server_name www.*; }
		server { server_name ~^(?<x>\w+)\.regex\.test$; }
	`)
	f.Fuzz(func(t *testing.T, host string) {
		a := r.Select([]byte(host), nil)
		b := r.Select([]byte(host), nil)
		if a != b || a < 0 || a > 4 {
			t.Fatalf("Select(%q) = %d then %d", host, a, b)
		}
	})
}
