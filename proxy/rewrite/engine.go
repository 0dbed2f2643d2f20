package rewrite

import "sliceproxy/vars"

type opKind uint8

const (
	opSet opKind = iota
	opIf
	opRewrite
	opReturn
	opBreak
)

// op is one compiled directive.
type op[T any] struct {
	kind opKind

	// set
	setVar vars.Index
	val    *value

	// if
	cond *condition
	body []op[T]
	ifb  *If[T]

	// rewrite
	rw *rewriteOp

	// return
	status int
	text   *vars.Template
}

type rewriteOp struct {
	re  *pattern
	val *value
	// last: stop the script after a match (last, break, redirect,
	// permanent, or a redirecting replacement).
	last bool
	// breakCycle: "break" flag, no new location search.
	breakCycle bool
	redirect   bool
	status     int
	// addArgs: append the original query string (no trailing '?').
	addArgs bool
}

// engine is one run of a script (nginx's ngx_http_script_engine_t).
type engine[T any] struct {
	req *vars.Request
	fs  FS
	// quote is nginx's e->quote: set at the start of a rewrite-module run
	// and cleared by the first rewrite, it makes captures copied into set
	// and if values escaped when the request URI was quoted.
	quote     bool
	uriQuoted bool
	// uriChanged and rewritten are nginx's r->uri_changed and
	// !r->valid_location.
	uriChanged bool
	rewritten  bool
	buf        []byte
}

// run executes ops; it reports true when the script must stop.
func (e *engine[T]) run(ops []op[T], res *Result[T]) bool {
	for i := range ops {
		o := &ops[i]
		switch o.kind {
		case opSet:
			e.buf, _ = o.val.appendTo(e.buf[:0], e.req, evalState{uriQuoted: e.uriQuoted, quote: e.quote})
			// vars copies the value; "set $args" changes the query
			// string through the variable's set handler, as in nginx.
			e.req.SetVar(o.setVar, e.buf)
		case opIf:
			if !e.test(o.cond) {
				continue
			}
			if !o.ifb.InServer {
				res.If = o.ifb
			}
			if e.run(o.body, res) {
				return true
			}
		case opRewrite:
			if e.rewrite(o.rw, res) {
				return true
			}
		case opReturn:
			e.ret(o, res)
			return true
		case opBreak:
			if e.uriChanged {
				e.uriChanged = false
				e.rewritten = true
			}
			return true
		}
	}
	return false
}

// finish records the URI state once the script has stopped.
func (e *engine[T]) finish(res *Result[T]) {
	if res.Status != 0 {
		return
	}
	res.Restart = e.uriChanged
	res.URIRewritten = e.rewritten && !e.uriChanged
}

// rewrite is ngx_http_script_regex_start_code + regex_end_code for a
// rewrite directive. It reports true when the script must stop.
func (e *engine[T]) rewrite(rw *rewriteOp, res *Result[T]) bool {
	if !rw.re.match(e.req, e.req.URI) {
		e.req.ClearCaptures()
		return false
	}
	if rw.breakCycle {
		e.rewritten = true
		e.uriChanged = false
	} else {
		e.uriChanged = true
	}
	out, uriEnd := rw.val.appendTo(nil, e.req, evalState{uriQuoted: e.uriQuoted, quote: rw.redirect})
	e.quote = false

	if rw.redirect {
		out = unescapeRedirect(out)
		if rw.addArgs && len(e.req.Args) > 0 {
			if rw.val.hasQuestion {
				out = append(out, '&')
			} else {
				out = append(out, '?')
			}
			out = append(out, e.req.Args...)
		}
		res.Status = rw.status
		res.Location = string(out)
		return true
	}

	uri := out[:uriEnd:uriEnd]
	if rw.val.argsAt >= 0 {
		args := out[uriEnd:]
		if rw.addArgs && len(e.req.Args) > 0 {
			args = append(append(args, '&'), e.req.Args...)
		}
		e.req.Args = args
	} else if !rw.addArgs {
		e.req.Args = nil
	}
	if len(uri) == 0 {
		// "the rewritten URI has a zero length"
		res.Status = 500
		return true
	}
	e.req.URI = uri
	return rw.last
}

// redirectStatus reports the codes whose return text is a Location.
func redirectStatus(code int) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

// ret is ngx_http_script_return_code with ngx_http_send_response.
func (e *engine[T]) ret(o *op[T], res *Result[T]) {
	res.Status = o.status
	if o.text == nil {
		if o.status < 400 && !redirectStatus(o.status) {
			res.HasBody = true
		}
		return
	}
	text := o.text.Eval(e.req, nil)
	if redirectStatus(o.status) {
		res.Location = string(text)
		return
	}
	res.Body, res.HasBody = text, true
}

// test evaluates an if condition.
func (e *engine[T]) test(c *condition) bool {
	switch c.kind {
	case condVar:
		v := c.variable.Eval(e.req, e.buf[:0])
		e.buf = v
		return len(v) > 0 && !(len(v) == 1 && v[0] == '0')
	case condEqual:
		v := c.variable.Eval(e.req, e.buf[:0])
		n := len(v)
		v, _ = c.val.appendTo(v, e.req, evalState{uriQuoted: e.uriQuoted, quote: e.quote})
		e.buf = v
		eq := string(v[:n]) == string(v[n:])
		return eq != c.negate
	case condRegex:
		v := c.variable.Eval(e.req, e.buf[:0])
		e.buf = v
		ok := c.re.match(e.req, v)
		if !ok {
			// a failed regex of the rewrite module forgets the captures
			e.req.ClearCaptures()
		}
		return ok != c.negate
	case condFile:
		v, _ := c.val.appendTo(e.buf[:0], e.req, evalState{uriQuoted: e.uriQuoted, quote: e.quote})
		e.buf = v
		return e.fileTest(string(v), c.fileOp) != c.negate
	}
	return false
}

// fileTest is ngx_http_script_file_code: an error (not found, permission)
// makes every positive test false.
func (e *engine[T]) fileTest(name string, op byte) bool {
	fi, err := e.fs.Stat(name)
	if err != nil {
		return false
	}
	switch op {
	case 'f':
		return fi.Mode().IsRegular()
	case 'd':
		return fi.IsDir()
	case 'e':
		return true
	case 'x':
		return fi.Mode().Perm()&0o100 != 0
	}
	return false
}
