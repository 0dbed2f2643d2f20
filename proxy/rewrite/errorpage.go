package rewrite

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// ErrorPages is the error_page table of one level (http, server, location
// or if). A level without error_page inherits its parent's table whole, and
// one with any replaces it, as nginx merges them: callers keep a nil
// *ErrorPages for "inherit".
type ErrorPages struct {
	pages []ErrorPage
}

// ErrorPage is one status of an error_page directive.
type ErrorPage struct {
	Status int
	// Overwrite is the "=CODE" answer status; 0 for a bare "=" (the
	// target's own status); -1 when absent (the original status stays).
	Overwrite int
	Pos       nginxconf.Pos
	target    *vars.Template
	// constURI/constArgs are the target split at '?' when it has no
	// variables and starts with '/'.
	constURI, constArgs string
	constArgsSet        bool
}

// TargetKind says what an error page does.
type TargetKind uint8

const (
	// InternalRedirect: serve URI (and Args) internally; the method
	// becomes GET unless it is HEAD.
	InternalRedirect TargetKind = iota
	// NamedLocation: continue in the named location URI ("@name").
	NamedLocation
	// ExternalRedirect: answer Status with Location: URI.
	ExternalRedirect
)

// Target is an error page evaluated for one request.
type Target struct {
	Kind TargetKind
	URI  string
	// Args is the query string of an internal redirect; HasArgs tells "?"
	// with nothing after it from no query string.
	Args    string
	HasArgs bool
	// Status is the answer status: for redirects 302 unless the directive
	// said =301/=302/=303/=307/=308; otherwise Overwrite (-1: keep the
	// original status, 0: take the target's).
	Status int
}

// CompileErrorPages reads the error_page directives of one block (not of
// nested blocks). It returns nil when there are none.
func CompileErrorPages(body []*nginxconf.Directive, reg *vars.Registry) (*ErrorPages, []nginxconf.Diagnostic) {
	var ep *ErrorPages
	var diags []nginxconf.Diagnostic
	for _, d := range nginxconf.Expand(body) {
		if d.Name != "error_page" {
			continue
		}
		if ep == nil {
			ep = &ErrorPages{}
		}
		pages, diag := compileErrorPage(d, reg)
		if diag != nil {
			diags = append(diags, *diag)
			continue
		}
		ep.pages = append(ep.pages, pages...)
	}
	return ep, diags
}

// compileErrorPage is ngx_http_core_error_page.
func compileErrorPage(d *nginxconf.Directive, reg *vars.Registry) ([]ErrorPage, *nginxconf.Diagnostic) {
	errAt := func(a nginxconf.Arg, format string, args ...any) *nginxconf.Diagnostic {
		return &nginxconf.Diagnostic{Pos: a.Pos, Severity: nginxconf.SevError, Message: fmt.Sprintf(format, args...), Code: "error-page"}
	}
	if len(d.Args) < 2 {
		return nil, &nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevError,
			Message: "invalid number of arguments in \"error_page\" directive", Code: "error-page"}
	}
	overwrite, nCodes := -1, len(d.Args)-1
	if eq := d.Args[len(d.Args)-2]; strings.HasPrefix(eq.Value, "=") {
		if len(d.Args) == 2 {
			return nil, errAt(eq, "invalid value %q", eq.Value)
		}
		overwrite = 0
		if len(eq.Value) > 1 {
			n, ok := atoi(eq.Value[1:])
			if !ok {
				return nil, errAt(eq, "invalid value %q", eq.Value)
			}
			overwrite = n
		}
		nCodes--
	}
	uriArg := d.Args[len(d.Args)-1]
	t, err := reg.Compile(uriArg.Value, uriArg.Pos)
	if err != nil {
		d := asDiag(err, uriArg.Pos)
		return nil, &d
	}
	proto := ErrorPage{Overwrite: overwrite, Pos: d.Pos, target: t}
	if t.IsConst() && strings.HasPrefix(uriArg.Value, "/") {
		proto.constURI, proto.constArgs, proto.constArgsSet = strings.Cut(uriArg.Value, "?")
	}
	var pages []ErrorPage
	for _, a := range d.Args[:nCodes] {
		code, ok := atoi(a.Value)
		if !ok || code == 499 {
			return nil, errAt(a, "invalid value %q", a.Value)
		}
		if code < 300 || code > 599 {
			return nil, errAt(a, "value %q must be between 300 and 599", a.Value)
		}
		p := proto
		p.Status = code
		if overwrite == -1 {
			switch code {
			case 494, 495, 496, 497:
				// nginx's internal codes for header/TLS errors answer 400
				p.Overwrite = 400
			}
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// atoi is ngx_atoi: decimal digits only.
func atoi(s string) (int, bool) {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// Lookup returns the error page for status, or nil.
func (e *ErrorPages) Lookup(status int) *ErrorPage {
	if e == nil {
		return nil
	}
	for i := range e.pages {
		if e.pages[i].Status == status {
			return &e.pages[i]
		}
	}
	return nil
}

// Target evaluates the page for req, as ngx_http_send_error_page does.
func (p *ErrorPage) Target(req *vars.Request) Target {
	if p.constURI != "" {
		return Target{Kind: InternalRedirect, URI: p.constURI, Args: p.constArgs, HasArgs: p.constArgsSet, Status: p.Overwrite}
	}
	uri := p.target.Eval(req, nil)
	switch {
	case len(uri) > 0 && uri[0] == '/':
		// ngx_http_split_args
		u, args, has := bytes.Cut(uri, []byte("?"))
		return Target{Kind: InternalRedirect, URI: string(u), Args: string(args), HasArgs: has, Status: p.Overwrite}
	case len(uri) > 0 && uri[0] == '@':
		return Target{Kind: NamedLocation, URI: string(uri), Status: p.Overwrite}
	}
	status := 302
	if redirectStatus(p.Overwrite) {
		status = p.Overwrite
	}
	return Target{Kind: ExternalRedirect, URI: string(uri), Status: status}
}
