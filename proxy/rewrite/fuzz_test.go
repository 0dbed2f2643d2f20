package rewrite

import (
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

const fuzzScript = `
	rewrite ^/old/(.*)$ /new/$1?from=$1 last;
	rewrite ^/r/(?<name>[^/]+)/(.*)$ /$2/$name redirect;
	if ($uri ~* ^/(a+)+b$) { return 200 "bt $1"; }
	if ($arg_x ~ ^(\d+)-(\d+)$) { set $pair "$2-$1"; }
	if (-f /srv$uri) { rewrite ^ /file$uri break; }
	rewrite ^/([^/]*)/(.*)$ /$2/$1;
	return 200 "uri=$uri args=$args pair=$pair";
`

// FuzzRun runs a script with backtracking-prone and capture-heavy regexes on
// arbitrary URIs and query strings: it must not panic, must end, and a
// rewritten URI is never empty unless the answer is 500.
func FuzzRun(f *testing.F) {
	f.Add("/old/a b", "x=1-2", "/old/a%20b")
	f.Add("/r/n/p/q", "", "")
	f.Add("/"+strings.Repeat("a", 40)+"c", "", "")
	f.Add("/", "x=", "+")
	f.Add("", "", "")
	s, reg, diags := compileLocation(f, fuzzScript)
	if len(diags) > 0 {
		f.Fatal(diagMessages(diags))
	}
	env := Env{FS: fakeFS{"/srv/x": "file"}}
	f.Fuzz(func(t *testing.T, uri, args, raw string) {
		req := newRequest(reg, uri, args, raw)
		start := time.Now()
		res := s.Run(req, env)
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("run took %v", d)
		}
		if res.Status == 0 && res.Restart && len(req.URI) == 0 {
			t.Fatalf("empty URI without 500: %+v", res)
		}
	})
}

// FuzzCompileValue compiles arbitrary replacement and set values: an error
// or a value, never a panic, and evaluation of what compiles is safe.
func FuzzCompileValue(f *testing.F) {
	f.Add("/x/$1?a=$2&b=${arg_b}", true)
	f.Add("$", false)
	f.Add("${", false)
	f.Add("${uri", false)
	f.Add("??$9$0", true)
	reg := vars.NewRegistry(vars.RegistryOptions{})
	f.Fuzz(func(t *testing.T, s string, args bool) {
		v, err := compileValue(reg, s, nginxconf.Pos{File: "f", Line: 1}, args)
		if err != nil {
			return
		}
		req := newRequest(reg, "/a/b", "c=d", "/a%2Fb")
		req.SetCaptures([]byte("/a/b"), []int{0, 4, 1, 2, 3, 4})
		out, end := v.appendTo(nil, req, evalState{uriQuoted: true, quote: true})
		if end < 0 || end > len(out) {
			t.Fatalf("uriEnd %d outside %d bytes", end, len(out))
		}
	})
}
