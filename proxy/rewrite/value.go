package rewrite

import (
	"fmt"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// value is a string with $variables and $1..$9 captures, compiled the way
// ngx_http_script_compile does for the rewrite module. Variables are
// evaluated by package vars; captures are copied here because the rewrite
// engine escapes them in some places (see appendTo) and plain templates do
// not.
type value struct {
	src  string
	segs []segment
	// literalLen is the length of the literal parts (nginx's sc.size).
	literalLen int
	// argsAt is the index in segs where the query string starts: the first
	// literal '?' when compiled with compileArgs; -1 when none.
	argsAt int
	// hasQuestion is nginx's sc.args: some literal part contains a '?',
	// which makes a redirect append the original args with '&'.
	hasQuestion bool
	// constant is set when there are neither variables nor captures.
	constant bool
}

type segKind uint8

const (
	segLiteral segKind = iota
	segCapture
	segVar
)

type segment struct {
	kind    segKind
	literal string
	capture int
	tmpl    *vars.Template
}

// compileValue compiles s. With compileArgs (a rewrite replacement that is
// not a redirect) the first literal '?' splits the URI from the new args.
func compileValue(reg *vars.Registry, s string, pos nginxconf.Pos, compileArgs bool) (*value, error) {
	v := &value{src: s, argsAt: -1, constant: true}
	for i := 0; i < len(s); {
		if s[i] == '$' {
			i++
			if i == len(s) {
				return nil, diagErr(pos, fmt.Sprintf("invalid variable name %q", s))
			}
			if '1' <= s[i] && s[i] <= '9' {
				v.segs = append(v.segs, segment{kind: segCapture, capture: int(s[i] - '0')})
				v.constant = false
				i++
				continue
			}
			bracket := s[i] == '{'
			if bracket {
				i++
			}
			start := i
			for i < len(s) && isNameByte(s[i]) {
				i++
			}
			name := s[start:i]
			if bracket {
				if i == len(s) || s[i] != '}' {
					return nil, diagErr(pos, fmt.Sprintf("the closing bracket in %q variable is missing", name))
				}
				i++
			}
			if name == "" {
				return nil, diagErr(pos, fmt.Sprintf("invalid variable name %q", s))
			}
			t, err := reg.Compile("${"+name+"}", pos)
			if err != nil {
				return nil, err
			}
			v.segs = append(v.segs, segment{kind: segVar, tmpl: t})
			v.constant = false
			continue
		}
		if s[i] == '?' && compileArgs {
			v.hasQuestion = true
			compileArgs = false
			v.argsAt = len(v.segs)
			i++
			continue
		}
		start := i
		for i < len(s) && s[i] != '$' {
			if s[i] == '?' {
				v.hasQuestion = true
				if compileArgs {
					break
				}
			}
			i++
		}
		v.segs = append(v.segs, segment{kind: segLiteral, literal: s[start:i]})
		v.literalLen += i - start
	}
	return v, nil
}

func isNameByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// evalState is what decides whether captures are escaped: nginx escapes a
// capture with NGX_ESCAPE_ARGS when the original request URI had
// percent-escapes or a '+' (quoted) and the engine is in "quote" mode (the
// rewrite module's values before any rewrite ran, and redirect
// replacements) or the capture lands in the new query string.
type evalState struct {
	uriQuoted bool
	quote     bool
}

// appendTo evaluates v onto dst. uriEnd is the length of the part before the
// query string (len(result) when v has none).
func (v *value) appendTo(dst []byte, req *vars.Request, st evalState) (out []byte, uriEnd int) {
	uriEnd = -1
	isArgs := false
	for i, sg := range v.segs {
		if i == v.argsAt {
			uriEnd = len(dst)
			isArgs = true
		}
		switch sg.kind {
		case segLiteral:
			dst = append(dst, sg.literal...)
		case segVar:
			dst = sg.tmpl.Eval(req, dst)
		case segCapture:
			c := req.Capture(sg.capture)
			if (isArgs || st.quote) && st.uriQuoted {
				dst = appendEscapedArgs(dst, c)
			} else {
				dst = append(dst, c...)
			}
		}
	}
	if v.argsAt == len(v.segs) {
		uriEnd = len(dst)
	}
	if uriEnd < 0 {
		uriEnd = len(dst)
	}
	return dst, uriEnd
}

// diagErr is a configuration error at pos, as a nginxconf.Diagnostic.
func diagErr(pos nginxconf.Pos, msg string) error {
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Message: msg, Code: "rewrite"}
}
