package route

import (
	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// pattern is the one place route touches the regex engine: the policy (RE2
// first, a bounded backtracking engine for what RE2 rejects) and the way
// captures reach the request live in package vars.
type pattern struct {
	re *vars.Regex
}

// compileRegex compiles a location or server_name regex. With a registry,
// named captures become variables ($name), as nginx's
// ngx_http_regex_compile declares them.
func compileRegex(reg *vars.Registry, src string, caseless bool, pos nginxconf.Pos) (*pattern, []nginxconf.Diagnostic) {
	if reg != nil {
		re, diags := reg.CompileRegex(src, caseless, pos)
		if re == nil {
			return nil, diags
		}
		return &pattern{re: re}, diags
	}
	re, warn, err := vars.CompileRegex(src, caseless)
	if err != nil {
		return nil, []nginxconf.Diagnostic{errorAt(pos, "regex", err.Error())}
	}
	var diags []nginxconf.Diagnostic
	if warn != "" {
		diags = append(diags, warningAt(pos, "regex-backtracking", warn))
	}
	return &pattern{re: re}, diags
}

// match reports whether subject matches; on a match the captures are stored
// in req ($1..$9 and named captures) when req is not nil. A backtracking
// match that runs out of time counts as no match (package vars' policy).
//
// A match of a regex without groups empties $1..$9 too: real nginx answers
// "[]" for `if ($uri ~ ^/(\w+)/) {}` followed by a matching
// `location ~ \.nocap$ { return 200 "[$1]"; }` (checked against nginx 1.22).
func (p *pattern) match(req *vars.Request, subject []byte) bool {
	if req == nil {
		return p.re.Match(subject)
	}
	return req.MatchRegex(p.re, subject)
}

func (p *pattern) String() string { return p.re.String() }
