package rewrite

import (
	"fmt"
	"strconv"
	"strings"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// Level says where a block is: the rewrite module behaves differently in a
// server block (its if blocks carry no configuration).
type Level uint8

const (
	ServerLevel Level = iota
	LocationLevel
)

// Compile reads the rewrite-module directives of one server or location
// block (its Body()) and of the if blocks inside it into a Script. Every
// variable assigned by set anywhere must have been declared in reg first
// (DeclareSets) so that a use before the set compiles, as in nginx.
// Directives with errors are left out; every error is reported.
func Compile[T any](body []*nginxconf.Directive, lvl Level, reg *vars.Registry) (*Script[T], []nginxconf.Diagnostic) {
	c := &compiler[T]{reg: reg, script: &Script[T]{}}
	c.script.ops = c.block(body, lvl)
	if len(c.script.ops) == 0 {
		return nil, c.diags
	}
	return c.script, c.diags
}

// DeclareSets declares in reg the target of every set directive under the
// given directives (an http block's body, recursively), so templates that
// use them compile whatever the order.
func DeclareSets(directives []*nginxconf.Directive, reg *vars.Registry) []nginxconf.Diagnostic {
	var diags []nginxconf.Diagnostic
	for _, d := range nginxconf.Expand(directives) {
		if d.Name == "set" && len(d.Args) == 2 {
			name, ok := strings.CutPrefix(d.Args[0].Value, "$")
			if ok && name != "" {
				if _, err := reg.DeclareSetAt(name, d.Args[0].Pos); err != nil {
					diags = append(diags, asDiag(err, d.Args[0].Pos))
				}
			}
		}
		if len(d.Block) > 0 {
			diags = append(diags, DeclareSets(d.Block, reg)...)
		}
	}
	return diags
}

type compiler[T any] struct {
	reg    *vars.Registry
	script *Script[T]
	diags  []nginxconf.Diagnostic
}

func (c *compiler[T]) errorf(pos nginxconf.Pos, format string, args ...any) {
	c.diags = append(c.diags, nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError,
		Message: fmt.Sprintf(format, args...), Code: "rewrite"})
}

func (c *compiler[T]) addErr(err error, pos nginxconf.Pos) {
	c.diags = append(c.diags, asDiag(err, pos))
}

// asDiag turns an error into a Diagnostic, keeping one that already is.
func asDiag(err error, pos nginxconf.Pos) nginxconf.Diagnostic {
	if d, ok := err.(nginxconf.Diagnostic); ok {
		if d.Pos.Line == 0 {
			d.Pos = pos
		}
		return d
	}
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Message: err.Error(), Code: "rewrite"}
}

func (c *compiler[T]) block(body []*nginxconf.Directive, lvl Level) []op[T] {
	var ops []op[T]
	for _, d := range nginxconf.Expand(body) {
		var o *op[T]
		switch d.Name {
		case "set":
			o = c.set(d)
		case "if":
			o = c.ifBlock(d, lvl)
		case "rewrite":
			o = c.rewrite(d)
		case "return":
			o = c.ret(d)
		case "break":
			if len(d.Args) != 0 {
				c.errorf(d.Pos, "invalid number of arguments in \"break\" directive")
				continue
			}
			o = &op[T]{kind: opBreak}
		}
		if o != nil {
			ops = append(ops, *o)
		}
	}
	return ops
}

// set is ngx_http_rewrite_set.
func (c *compiler[T]) set(d *nginxconf.Directive) *op[T] {
	if len(d.Args) != 2 {
		c.errorf(d.Pos, "invalid number of arguments in \"set\" directive")
		return nil
	}
	name, ok := strings.CutPrefix(d.Args[0].Value, "$")
	if !ok || name == "" {
		c.errorf(d.Args[0].Pos, "invalid variable name %q", d.Args[0].Value)
		return nil
	}
	idx, err := c.reg.DeclareSetAt(name, d.Args[0].Pos)
	if err != nil {
		c.addErr(err, d.Args[0].Pos)
		return nil
	}
	o := &op[T]{kind: opSet, setVar: idx}
	v, err := compileValue(c.reg, d.Args[1].Value, d.Args[1].Pos, false)
	if err != nil {
		c.addErr(err, d.Args[1].Pos)
		return nil
	}
	o.val = v
	return o
}

// ifBlock is ngx_http_rewrite_if: the condition, then the block's own
// rewrite directives, which run only when it holds.
func (c *compiler[T]) ifBlock(d *nginxconf.Directive, lvl Level) *op[T] {
	cond, ok := c.condition(d)
	if !ok {
		return nil
	}
	ifb := &If[T]{Directive: d, InServer: lvl == ServerLevel}
	c.script.ifs = append(c.script.ifs, ifb)
	return &op[T]{kind: opIf, cond: cond, ifb: ifb, body: c.block(d.Block, lvl)}
}

// rewrite is ngx_http_rewrite.
func (c *compiler[T]) rewrite(d *nginxconf.Directive) *op[T] {
	if len(d.Args) != 2 && len(d.Args) != 3 {
		c.errorf(d.Pos, "invalid number of arguments in \"rewrite\" directive")
		return nil
	}
	repl := d.Args[1].Value
	if repl == "" {
		c.errorf(d.Args[1].Pos, "empty replacement")
		return nil
	}
	// nginx compiles the regex case-sensitively: rewrite has no ~* form.
	re, diags := compileRegex(c.reg, d.Args[0].Value, false, d.Args[0].Pos)
	c.diags = append(c.diags, diags...)
	if re == nil {
		return nil
	}
	rw := &rewriteOp{re: re}
	if strings.HasSuffix(repl, "?") {
		// the last "?" drops the original arguments
		repl = repl[:len(repl)-1]
	} else {
		rw.addArgs = true
	}
	if strings.HasPrefix(repl, "http://") || strings.HasPrefix(repl, "https://") || strings.HasPrefix(repl, "$scheme") {
		rw.status, rw.redirect, rw.last = 302, true, true
	}
	if len(d.Args) == 3 {
		switch flag := d.Args[2].Value; flag {
		case "last":
			rw.last = true
		case "break":
			rw.breakCycle, rw.last = true, true
		case "redirect":
			rw.status, rw.redirect, rw.last = 302, true, true
		case "permanent":
			rw.status, rw.redirect, rw.last = 301, true, true
		default:
			c.errorf(d.Args[2].Pos, "invalid parameter %q", flag)
			return nil
		}
	}
	v, err := compileValue(c.reg, repl, d.Args[1].Pos, !rw.redirect)
	if err != nil {
		c.addErr(err, d.Args[1].Pos)
		return nil
	}
	rw.val = v
	return &op[T]{kind: opRewrite, rw: rw}
}

// ret is ngx_http_rewrite_return.
func (c *compiler[T]) ret(d *nginxconf.Directive) *op[T] {
	if len(d.Args) != 1 && len(d.Args) != 2 {
		c.errorf(d.Pos, "invalid number of arguments in \"return\" directive")
		return nil
	}
	first := d.Args[0].Value
	o := &op[T]{kind: opReturn}
	textArg := -1
	code, err := strconv.Atoi(first)
	switch {
	case err != nil || first == "" || first[0] == '+' || first[0] == '-':
		if len(d.Args) == 1 && (strings.HasPrefix(first, "http://") || strings.HasPrefix(first, "https://") || strings.HasPrefix(first, "$scheme")) {
			o.status, textArg = 302, 0
			break
		}
		c.errorf(d.Args[0].Pos, "invalid return code %q", first)
		return nil
	case code > 999:
		c.errorf(d.Args[0].Pos, "invalid return code %q", first)
		return nil
	default:
		o.status = code
		if len(d.Args) == 2 {
			textArg = 1
		}
	}
	if textArg >= 0 {
		t, err := c.reg.Compile(d.Args[textArg].Value, d.Args[textArg].Pos)
		if err != nil {
			c.addErr(err, d.Args[textArg].Pos)
			return nil
		}
		o.text = t
	}
	return o
}
