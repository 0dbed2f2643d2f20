package rewrite

import "testing"

// BenchmarkRun measures a typical front-end script: a couple of ifs, a
// capture rewrite with args and the final restart.
func BenchmarkRun(b *testing.B) {
	s, reg, diags := compileLocation(b, `
		if ($arg_debug) { return 403; }
		if ($uri ~ \.php$) { set $php 1; }
		rewrite ^/blog/(\d+)/([\w-]+)$ /index.php?p=$1&slug=$2 last;
		rewrite ^/old/(.*)$ /new/$1 permanent;
	`)
	if len(diags) > 0 {
		b.Fatal(diagMessages(diags))
	}
	env := Env{FS: fakeFS{}}
	for _, bc := range []struct{ name, uri, args string }{
		{"rewrite-last", "/blog/2024/hello-world", "utm=x"},
		{"no-match", "/static/app.js", ""},
		{"redirect", "/old/page", "a=1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			req := newRequest(reg, bc.uri, bc.args, "")
			uri, args := []byte(bc.uri), []byte(bc.args)
			for b.Loop() {
				req.URI, req.Args = uri, args
				s.Run(req, env)
			}
		})
	}
}
