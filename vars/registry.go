package vars

import (
	"fmt"
	"os"
	"strings"
	"time"

	"sliceproxy/nginxconf"
)

// NginxVersion is the nginx release whose defaults and behaviour sliceproxy
// mirrors: $nginx_version, "nginx -V", and the Server header with
// server_tokens on.
const NginxVersion = "1.28.0"

// Registry knows every variable of one configuration: built-ins, map targets,
// set targets and named regex captures, each under a dense Index. Build it
// once at load (NewRegistry, DeclareSet, LoadMaps, Compile); while serving it
// is read-only and safe for concurrent use by any number of Requests.
//
// Like nginx, variable names are case-insensitive and prefixed families
// ($http_*, $cookie_*, $arg_*, $sent_http_*, $upstream_http_*, ...) get an
// index the first time a name of the family is referenced.
type Registry struct {
	opts   RegistryOptions
	vars   []variable
	byName map[string]Index
	// pid is rendered once: it never changes for a process.
	pid string
	// unresolvedInner lists transforming variables ($md5_encode_NAME)
	// whose NAME was not defined when they were indexed: a later set, map
	// or capture of that name resolves them (tengine looks the name up at
	// request time).
	unresolvedInner []Index
}

// varFlags mirror nginx's NGX_HTTP_VAR_* flags.
type varFlags uint8

const (
	// flagNoCache: recomputed on every use (NGX_HTTP_VAR_NOCACHEABLE).
	flagNoCache varFlags = 1 << iota
	// flagChangeable: "set" and "map" may (re)define it (NGX_HTTP_VAR_CHANGEABLE).
	flagChangeable
	// flagDefined: something defines it; an undefined variable is a
	// reference nobody has declared yet (only with DeferUnknown).
	flagDefined
	// flagPlain: declared by set, map or a named capture, without a getter
	// of its own yet; "set" gives it nginx's ngx_http_rewrite_var.
	flagPlain
	// flagWeak: a built-in that a "set", "map" or named capture of the same
	// name replaces (tengine's log-only variables such as $sec, which
	// tengine's registry does not know).
	flagWeak
	// flagCapture: a named regex capture has this name; nginx's
	// ngx_http_regex_compile then makes it "not found" until a match, even
	// when "set" also assigns it.
	flagCapture
)

// getter appends the value of v for q to dst. ok=false means "not found",
// which renders as the empty string. A getter must not retain dst.
type getter func(q *Request, v *variable, dst []byte) (out []byte, ok bool)

// variable is one indexed variable.
type variable struct {
	name  string
	flags varFlags
	get   getter
	// param is the part after the prefix for prefixed families, e.g. the
	// "user_agent" of $http_user_agent.
	param string
	// inner is the variable a transforming family ($md5_encode_NAME, ...)
	// reads: the index of param, or -1 when no variable has that name.
	inner Index
	// set, when non-nil, is what assigning the variable does besides storing
	// the value (nginx's set_handler, e.g. $args changes the query string).
	set func(q *Request, val []byte)
	// mapv is the map that computes the variable, for map targets.
	mapv *mapVar
	// pos is where the variable was first referenced, for Unresolved.
	pos nginxconf.Pos
}

// NewRegistry returns a registry holding nginx's built-in variables.
func NewRegistry(opts RegistryOptions) *Registry {
	if opts.Hostname == "" {
		if h, err := os.Hostname(); err == nil {
			opts.Hostname = h
		}
	}
	if opts.PID == 0 {
		opts.PID = os.Getpid()
	}
	if opts.NginxVersion == "" {
		opts.NginxVersion = NginxVersion
	}
	if opts.RegexTimeout <= 0 {
		opts.RegexTimeout = 100 * time.Millisecond
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Registry{
		opts:   opts,
		byName: make(map[string]Index, len(builtins)+len(tengineBuiltins)+32),
		pid:    fmt.Sprint(opts.PID),
	}
	for _, table := range [][]builtin{builtins, tengineBuiltins} {
		for _, b := range table {
			r.add(variable{name: b.name, flags: b.flags | flagDefined, get: b.get, set: b.set})
		}
	}
	for _, n := range stubNames {
		if !strings.HasSuffix(n, "_") {
			r.add(variable{name: n, flags: flagDefined, get: getNotFound})
		}
	}
	return r
}

// Options returns the options the registry was built with, defaults filled.
func (r *Registry) Options() RegistryOptions { return r.opts }

func (r *Registry) add(v variable) Index {
	i := Index(len(r.vars))
	r.vars = append(r.vars, v)
	r.byName[v.name] = i
	return i
}

// Len is the number of indexed variables; a Request's cache has this size.
func (r *Registry) Len() int { return len(r.vars) }

// Name returns the name of variable i (without "$").
func (r *Registry) Name(i Index) string {
	if i < 0 || int(i) >= len(r.vars) {
		return ""
	}
	return r.vars[i].name
}

// Lookup returns the index of a variable by name (without "$", any case).
// A name of a prefixed family ($http_x_foo) gets an index on first lookup,
// so Lookup, like Compile and the Declare methods, belongs to load time: it
// must not run concurrently with requests. It reports false for a name
// nothing defines.
func (r *Registry) Lookup(name string) (Index, bool) {
	name = strings.ToLower(name)
	if i, ok := r.byName[name]; ok {
		return i, r.vars[i].flags&flagDefined != 0
	}
	if p := findPrefix(name); p != nil {
		i := r.add(variable{
			name: name, flags: p.flags | flagDefined, get: p.get, param: name[len(p.prefix):], inner: -1,
		})
		if p.transforms {
			// tengine looks the inner name up at request time; resolving
			// it now gives the same answer, as names cannot appear later.
			// A name of another family may index it (and grow r.vars).
			if j, ok := r.Lookup(r.vars[i].param); ok && j != i {
				r.vars[i].inner = j
			} else {
				r.unresolvedInner = append(r.unresolvedInner, i)
			}
		}
		return i, true
	}
	return 0, false
}

// reference returns the index for a name used in a complex value. An unknown
// name is an error unless the registry defers resolution, in which case a
// placeholder is created for a later DeclareSet / map / capture to define.
func (r *Registry) reference(name string, pos nginxconf.Pos) (Index, error) {
	if i, ok := r.Lookup(name); ok {
		return i, nil
	}
	lname := strings.ToLower(name)
	if i, ok := r.byName[lname]; ok {
		// Already a deferred placeholder.
		return i, nil
	}
	if !r.opts.DeferUnknown {
		return 0, unknownVariable(lname, pos)
	}
	return r.add(variable{name: lname, get: getNotFound, pos: pos}), nil
}

func unknownVariable(name string, pos nginxconf.Pos) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{
		Pos: pos, Severity: nginxconf.SevError, Code: "unknown-variable",
		Message: fmt.Sprintf("unknown %q variable", name),
	}
}

// DeclareSet declares a variable assigned by "set" and returns its index. It
// fails, as nginx does with `the duplicate "x" variable`, when the name
// belongs to a built-in that cannot be assigned ($host, $uri, ...). Setting a
// map target or an assignable built-in ($args, $limit_rate) is allowed.
// The error is a nginxconf.Diagnostic without a position: the caller knows it.
func (r *Registry) DeclareSet(name string) (Index, error) {
	return r.declareSet(name, nginxconf.Pos{})
}

// DeclareSetAt is DeclareSet with the position of the set directive, used
// in the diagnostic.
func (r *Registry) DeclareSetAt(name string, pos nginxconf.Pos) (Index, error) {
	return r.declareSet(name, pos)
}

// declareSet declares a set target. Read before any "set" ran, it is found
// and empty, as nginx's ngx_http_rewrite_var ("using uninitialized
// variable"): the access log prints "" for it, not "-". A map target or a
// built-in keeps its getter.
func (r *Registry) declareSet(name string, pos nginxconf.Pos) (Index, error) {
	i, err := r.declare(name, pos)
	if err != nil {
		return i, err
	}
	if v := &r.vars[i]; v.flags&(flagPlain|flagCapture) == flagPlain && v.mapv == nil {
		v.get = getFoundEmpty
	}
	return i, nil
}

// declare adds a changeable variable (set target, map target, named capture).
func (r *Registry) declare(name string, pos nginxconf.Pos) (Index, error) {
	if name == "" {
		return 0, nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError,
			Code: "invalid-variable", Message: `invalid variable name "$"`}
	}
	lname := strings.ToLower(name)
	if i, ok := r.byName[lname]; ok {
		v := &r.vars[i]
		if v.flags&flagDefined == 0 {
			// A deferred reference becomes a real variable.
			v.flags |= flagDefined | flagChangeable | flagPlain
			r.resolveInner(lname, i)
			return i, nil
		}
		if v.flags&flagWeak != 0 {
			// The user's variable replaces a log-only built-in.
			v.flags = flagDefined | flagChangeable | flagPlain
			v.get, v.set = getNotFound, nil
			r.resolveInner(lname, i)
			return i, nil
		}
		if v.flags&flagChangeable == 0 {
			return 0, duplicateVariable(name, pos)
		}
		return i, nil
	}
	if findPrefix(lname) != nil {
		// nginx: prefixed names are indexed lazily and cannot be redefined.
		return 0, duplicateVariable(name, pos)
	}
	i := r.add(variable{name: lname, flags: flagDefined | flagChangeable | flagPlain, get: getNotFound, pos: pos})
	r.resolveInner(lname, i)
	return i, nil
}

// resolveInner points the transforming variables waiting for name at i.
func (r *Registry) resolveInner(name string, i Index) {
	kept := r.unresolvedInner[:0]
	for _, t := range r.unresolvedInner {
		if r.vars[t].param == name {
			r.vars[t].inner = i
			continue
		}
		kept = append(kept, t)
	}
	r.unresolvedInner = kept
}

func duplicateVariable(name string, pos nginxconf.Pos) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Code: "duplicate-variable",
		Message: fmt.Sprintf("the duplicate %q variable", name)}
}

// Unresolved reports every name referenced but never defined, as nginx does
// at the end of the configuration (`unknown "foo" variable`), at the
// position of the first reference. Only meaningful with DeferUnknown.
func (r *Registry) Unresolved() []nginxconf.Diagnostic {
	var out []nginxconf.Diagnostic
	for i := range r.vars {
		if r.vars[i].flags&flagDefined == 0 {
			out = append(out, unknownVariable(r.vars[i].name, r.vars[i].pos))
		}
	}
	return out
}

// IsVolatile reports whether the variable is recomputed on every use.
func (r *Registry) IsVolatile(i Index) bool {
	return i >= 0 && int(i) < len(r.vars) && r.vars[i].flags&flagNoCache != 0
}

func getNotFound(_ *Request, _ *variable, dst []byte) ([]byte, bool) { return dst, false }
