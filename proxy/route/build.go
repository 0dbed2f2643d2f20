package route

import (
	"fmt"
	"strings"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// DefaultAutoRedirectDirectives returns the handlers that set nginx's
// auto_redirect on a location whose name ends in "/".
func DefaultAutoRedirectDirectives() []string {
	return []string{"proxy_pass", "fastcgi_pass", "uwsgi_pass", "scgi_pass", "memcached_pass", "grpc_pass"}
}

// BuildOptions tune Build.
type BuildOptions struct {
	// AutoRedirectDirectives overrides DefaultAutoRedirectDirectives().
	AutoRedirectDirectives []string
	// Registry declares the named captures of location regexes as
	// variables; nil compiles them without.
	Registry *vars.Registry
}

// Build reads the location blocks of one server block (its directives, as
// Directive.Body returns them) into a Tree, checking what nginx checks when
// it reads them (ngx_http_core_location, ngx_http_init_locations). A location
// with an error is left out and the rest is built, so one run reports every
// problem.
func Build[T any](serverBody []*nginxconf.Directive, opt BuildOptions) (*Tree[T], []nginxconf.Diagnostic) {
	handlers := opt.AutoRedirectDirectives
	if handlers == nil {
		handlers = DefaultAutoRedirectDirectives()
	}
	b := &builder[T]{
		tree:     &Tree[T]{named: make(map[string]*Location[T])},
		handlers: make(map[string]bool, len(handlers)),
		reg:      opt.Registry,
	}
	for _, h := range handlers {
		b.handlers[h] = true
	}
	b.tree.top = b.level(serverBody, nil)
	return b.tree, b.diags
}

type builder[T any] struct {
	tree     *Tree[T]
	handlers map[string]bool
	reg      *vars.Registry
	diags    []nginxconf.Diagnostic
}

func (b *builder[T]) errorf(pos nginxconf.Pos, format string, args ...any) {
	b.diags = append(b.diags, errorAt(pos, "location", fmt.Sprintf(format, args...)))
}

// level builds the locations written directly in body (a server block or a
// location block) and returns them searchable.
func (b *builder[T]) level(body []*nginxconf.Directive, parent *Location[T]) level[T] {
	var static []*Location[T]
	var lv level[T]
	for _, d := range nginxconf.Expand(body) {
		if d.Name != "location" || !d.IsBlock {
			continue
		}
		loc := b.parse(d, parent)
		if loc == nil {
			continue
		}
		b.tree.all = append(b.tree.all, loc)
		if parent != nil {
			parent.Nested = append(parent.Nested, loc)
		}
		loc.level = b.level(d.Block, loc)
		switch {
		case loc.Kind == Named:
			if _, seen := b.tree.named[loc.Name]; !seen {
				b.tree.named[loc.Name] = loc
			}
		case loc.Kind.isRegex():
			lv.regexes = append(lv.regexes, loc)
		default:
			static = append(static, loc)
		}
	}
	for {
		tree, dup := buildStaticTree(static)
		if dup == nil {
			lv.static = tree
			break
		}
		b.errorf(dup.Directive.Pos, "duplicate location %q", dup.Name)
		static = without(static, dup)
	}
	return lv
}

func without[T any](locs []*Location[T], drop *Location[T]) []*Location[T] {
	out := make([]*Location[T], 0, len(locs))
	for _, l := range locs {
		if l != drop {
			out = append(out, l)
		}
	}
	return out
}

// parse reads a location's modifier and name and checks its nesting, as
// ngx_http_core_location does. It returns nil after reporting an error.
func (b *builder[T]) parse(d *nginxconf.Directive, parent *Location[T]) *Location[T] {
	loc := &Location[T]{Directive: d, Parent: parent}
	switch len(d.Args) {
	case 2:
		mod, name := d.Args[0].Value, d.Args[1].Value
		loc.Name = name
		switch mod {
		case "=":
			loc.Kind = Exact
		case "^~":
			loc.Kind = PrefixNoRegex
		case "~":
			loc.Kind = Regex
		case "~*":
			loc.Kind = RegexCaseless
		default:
			b.errorf(d.Args[0].Pos, "invalid location modifier %q", mod)
			return nil
		}
	case 1:
		name := d.Args[0].Value
		switch {
		case strings.HasPrefix(name, "="):
			loc.Kind, loc.Name = Exact, name[1:]
		case strings.HasPrefix(name, "^~"):
			loc.Kind, loc.Name = PrefixNoRegex, name[2:]
		case strings.HasPrefix(name, "~*"):
			loc.Kind, loc.Name = RegexCaseless, name[2:]
		case strings.HasPrefix(name, "~"):
			loc.Kind, loc.Name = Regex, name[1:]
		case strings.HasPrefix(name, "@"):
			loc.Kind, loc.Name = Named, name
		default:
			loc.Kind, loc.Name = Prefix, name
		}
	default:
		b.errorf(d.Pos, "invalid number of arguments in \"location\" directive")
		return nil
	}
	if loc.Kind.isRegex() {
		re, diags := compileRegex(b.reg, loc.Name, loc.Kind == RegexCaseless, regexPos(d))
		b.diags = append(b.diags, diags...)
		if re == nil {
			return nil
		}
		loc.re = re
	}
	if parent != nil {
		switch {
		case parent.Kind == Exact:
			b.errorf(d.Pos, "location %q cannot be inside the exact location %q", loc.Name, parent.Name)
			return nil
		case parent.Kind == Named:
			b.errorf(d.Pos, "location %q cannot be inside the named location %q", loc.Name, parent.Name)
			return nil
		case loc.Kind == Named:
			b.errorf(d.Pos, "named location %q can be on the server level only", loc.Name)
			return nil
		case !loc.Kind.isRegex() && !hasNamePrefix(loc.Name, parent.Name):
			// nginx compares against the parent's name as written, so a
			// prefix location inside a regex location must start with the
			// regex's source text.
			b.errorf(d.Pos, "location %q is outside location %q", loc.Name, parent.Name)
			return nil
		}
	}
	for _, c := range nginxconf.Expand(d.Block) {
		if c.Name == "internal" {
			loc.Internal = true
		}
		if b.handlers[c.Name] && strings.HasSuffix(loc.Name, "/") {
			loc.AutoRedirect = true
		}
	}
	return loc
}

// hasNamePrefix is nginx's ngx_filename_cmp(name, parent, len(parent)) == 0.
func hasNamePrefix(name, parent string) bool {
	return len(name) >= len(parent) && filenameCmp(name, parent, len(parent)) == 0
}

// regexPos is where a location's regex is written: its last argument.
func regexPos(d *nginxconf.Directive) nginxconf.Pos {
	return d.Args[len(d.Args)-1].Pos
}
