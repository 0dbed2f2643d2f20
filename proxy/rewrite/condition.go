package rewrite

import (
	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

type condKind uint8

const (
	condVar   condKind = iota // ($var): true unless empty or "0"
	condEqual                 // ($var = value), ($var != value)
	condRegex                 // ($var ~ re), ~*, !~, !~*
	condFile                  // (-f path), -d, -e, -x and the !- forms
)

type condition struct {
	kind     condKind
	variable *vars.Template
	val      *value
	re       *pattern
	fileOp   byte
	negate   bool
}

// condition parses an if condition as ngx_http_rewrite_if_condition does:
// the first argument must start with "(" and the last end with ")"; either
// may be a lone parenthesis.
func (c *compiler[T]) condition(d *nginxconf.Directive) (*condition, bool) {
	if len(d.Args) == 0 {
		c.errorf(d.Pos, "invalid number of arguments in \"if\" directive")
		return nil, false
	}
	args := make([]nginxconf.Arg, len(d.Args))
	copy(args, d.Args)
	first, last := 0, len(args)-1
	if args[0].Value == "" || args[0].Value[0] != '(' {
		c.errorf(args[0].Pos, "invalid condition %q", args[0].Value)
		return nil, false
	}
	if len(args[0].Value) == 1 {
		first = 1
	} else {
		args[0].Value = args[0].Value[1:]
	}
	lv := args[last].Value
	if lv == "" || lv[len(lv)-1] != ')' {
		c.errorf(args[last].Pos, "invalid condition %q", lv)
		return nil, false
	}
	if len(lv) == 1 {
		last--
	} else {
		args[last].Value = lv[:len(lv)-1]
	}
	invalid := func(a nginxconf.Arg) (*condition, bool) {
		c.errorf(a.Pos, "invalid condition %q", a.Value)
		return nil, false
	}
	if first > last {
		return invalid(args[min(first, len(args)-1)])
	}
	cur := args[first]
	p := cur.Value

	if len(p) > 1 && p[0] == '$' {
		if first != last && first+2 != last {
			return invalid(cur)
		}
		variable, ok := c.conditionVariable(cur)
		if !ok {
			return nil, false
		}
		if first == last {
			return &condition{kind: condVar, variable: variable}, true
		}
		opArg, operand := args[first+1], args[last]
		switch opArg.Value {
		case "=", "!=":
			v, err := compileValue(c.reg, operand.Value, operand.Pos, false)
			if err != nil {
				c.addErr(err, operand.Pos)
				return nil, false
			}
			return &condition{kind: condEqual, variable: variable, val: v, negate: opArg.Value == "!="}, true
		case "~", "~*", "!~", "!~*":
			re, diags := compileRegex(c.reg, operand.Value, opArg.Value[len(opArg.Value)-1] == '*', operand.Pos)
			c.diags = append(c.diags, diags...)
			if re == nil {
				return nil, false
			}
			return &condition{kind: condRegex, variable: variable, re: re, negate: opArg.Value[0] == '!'}, true
		}
		c.errorf(opArg.Pos, "unexpected %q in condition", opArg.Value)
		return nil, false
	}

	if (len(p) == 2 && p[0] == '-') || (len(p) == 3 && p[0] == '!' && p[1] == '-') {
		if first+1 != last {
			return invalid(cur)
		}
		negate := p[0] == '!'
		letter := p[len(p)-1]
		switch letter {
		case 'f', 'd', 'e', 'x':
		default:
			return invalid(cur)
		}
		operand := args[last]
		v, err := compileValue(c.reg, operand.Value, operand.Pos, false)
		if err != nil {
			c.addErr(err, operand.Pos)
			return nil, false
		}
		return &condition{kind: condFile, val: v, fileOp: letter, negate: negate}, true
	}
	return invalid(cur)
}

// conditionVariable compiles the "$name" of a condition: nginx takes
// everything after the "$" as the name (ngx_http_rewrite_variable), so
// "$a$b" is the unknown variable "a$b", not two variables.
func (c *compiler[T]) conditionVariable(a nginxconf.Arg) (*vars.Template, bool) {
	name := a.Value[1:]
	for i := 0; i < len(name); i++ {
		if !isNameByte(name[i]) {
			c.errorf(a.Pos, "unknown %q variable", name)
			return nil, false
		}
	}
	t, err := c.reg.Compile("${"+name+"}", a.Pos)
	if err != nil {
		c.addErr(err, a.Pos)
		return nil, false
	}
	return t, true
}
