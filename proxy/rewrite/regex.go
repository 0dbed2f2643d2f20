package rewrite

import (
	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// pattern is the one place rewrite touches the regex engine; the policy
// (RE2 first, bounded backtracking for the rest) lives in package vars.
type pattern struct {
	re *vars.Regex
}

// compileRegex compiles a rewrite or if regex; its named captures become
// variables, as nginx's ngx_http_regex_compile declares them.
func compileRegex(reg *vars.Registry, src string, caseless bool, pos nginxconf.Pos) (*pattern, []nginxconf.Diagnostic) {
	re, diags := reg.CompileRegex(src, caseless, pos)
	if re == nil {
		return nil, diags
	}
	return &pattern{re: re}, diags
}

// match runs the regex and, on a match, stores its captures in req. A match
// of a regex without groups empties $1..$9 too: real nginx answers "if:[]"
// for `if ($uri ~ ^/z/(\w+)) {}` followed by a matching
// `if ($uri ~ \.x$) { return 200 "if:[$1]"; }` (checked against nginx 1.22).
func (p *pattern) match(req *vars.Request, subject []byte) bool {
	return req.MatchRegex(p.re, subject)
}
