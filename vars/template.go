package vars

import (
	"fmt"

	"sliceproxy/nginxconf"
)

// opKind is what one step of a compiled template does.
type opKind uint8

const (
	opLiteral opKind = iota // copy lit
	opVar                   // copy the value of variable idx
	opCapture               // copy regex capture n of the last match
)

type op struct {
	kind opKind
	n    int // capture number for opCapture
	idx  Index
	lit  string
}

// Template is a compiled complex value ("$host:$server_port", "prefix$1").
// It is immutable and safe for concurrent use.
type Template struct {
	src  string
	ops  []op
	vars []string
	// maxCapture is the highest $N referenced.
	maxCapture int
}

// Compile compiles s, a configuration string that may hold variables ($name,
// ${name}) and regex captures ($1..$9), following ngx_http_script_compile:
// a "$" at the end or before a character that cannot start a name is
// "invalid variable name"; "${name" without "}" is `the closing bracket in
// "name" variable is missing`; an unknown name is `unknown "name" variable`.
// The error is a nginxconf.Diagnostic positioned at pos.
func (r *Registry) Compile(s string, pos nginxconf.Pos) (*Template, error) {
	t := &Template{src: s}
	fail := func(code, msg string) (*Template, error) {
		return nil, nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Code: code, Message: msg}
	}
	i := 0
	for i < len(s) {
		if s[i] != '$' {
			j := i
			for j < len(s) && s[j] != '$' {
				j++
			}
			t.ops = append(t.ops, op{kind: opLiteral, lit: s[i:j]})
			i = j
			continue
		}
		i++
		if i == len(s) {
			return fail("invalid-variable", "invalid variable name")
		}
		if c := s[i]; c >= '1' && c <= '9' {
			n := int(c - '0')
			t.ops = append(t.ops, op{kind: opCapture, n: n})
			t.maxCapture = max(t.maxCapture, n)
			i++
			continue
		}
		bracket := false
		if s[i] == '{' {
			bracket = true
			i++
			if i == len(s) {
				return fail("invalid-variable", "invalid variable name")
			}
		}
		start := i
		for i < len(s) && isNameByte(s[i]) {
			i++
		}
		name := s[start:i]
		if bracket {
			if i == len(s) || s[i] != '}' {
				return fail("invalid-variable", fmt.Sprintf("the closing bracket in %q variable is missing", name))
			}
			i++
		}
		if name == "" {
			return fail("invalid-variable", "invalid variable name")
		}
		idx, err := r.reference(name, pos)
		if err != nil {
			return nil, err
		}
		t.ops = append(t.ops, op{kind: opVar, idx: idx})
		t.vars = append(t.vars, name)
	}
	return t, nil
}

// MustCompile is Compile for tests and built-in strings; it panics on error.
func (r *Registry) MustCompile(s string) *Template {
	t, err := r.Compile(s, nginxconf.Pos{File: "<builtin>"})
	if err != nil {
		panic(err)
	}
	return t
}

// Const returns a template that evaluates to s verbatim ("$" is not special).
func Const(s string) *Template {
	if s == "" {
		return &Template{}
	}
	return &Template{src: s, ops: []op{{kind: opLiteral, lit: s}}}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// Eval appends the value of the template for req to dst and returns the
// extended slice. With a reused dst it allocates nothing once the request's
// buffers have grown.
func (t *Template) Eval(req *Request, dst []byte) []byte {
	for i := range t.ops {
		o := &t.ops[i]
		switch o.kind {
		case opLiteral:
			dst = append(dst, o.lit...)
		case opVar:
			dst, _ = req.appendVar(o.idx, dst)
		case opCapture:
			dst = req.appendCapture(o.n, dst)
		}
	}
	return dst
}

// EvalScratch evaluates the template into a buffer the request owns and
// reuses, so that a value used at once (a slice key looked up, a map's
// source) costs no allocation once the buffer has grown. The result is valid
// until the next evaluation that uses the request's scratch space at this
// depth (a map variable, another EvalScratch); copy what must last.
func (t *Template) EvalScratch(req *Request) []byte { return req.evalTemp(t) }

// String evaluates the template into a new string.
func (t *Template) String(req *Request) string {
	if len(t.ops) == 1 && t.ops[0].kind == opLiteral {
		return t.ops[0].lit
	}
	if len(t.ops) == 0 {
		return ""
	}
	return string(t.Eval(req, nil))
}

// IsConst reports whether the template holds no variables and no captures;
// Source() is then its value.
func (t *Template) IsConst() bool {
	for i := range t.ops {
		if t.ops[i].kind != opLiteral {
			return false
		}
	}
	return true
}

// Vars lists the variable names the template references, as written, in
// order (duplicates kept), for lint.
func (t *Template) Vars() []string { return t.vars }

// Source returns the string the template was compiled from.
func (t *Template) Source() string { return t.src }

// MaxCapture returns the highest regex capture ($1..$9) referenced, 0 if none.
func (t *Template) MaxCapture() int { return t.maxCapture }
