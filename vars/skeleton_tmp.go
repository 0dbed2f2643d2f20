package vars

import "sliceproxy/nginxconf"

// Registry knows every variable of one configuration: built-ins, map targets,
// set targets and named regex captures. Build it once at load (NewRegistry,
// LoadMaps, DeclareSet, Compile); it is read-only while serving.
type Registry struct {
	opts RegistryOptions
}

// NewRegistry returns a registry holding the built-in variables.
func NewRegistry(opts RegistryOptions) *Registry { return &Registry{opts: opts} }

// LoadMaps builds every map block among the http block's directives.
func (r *Registry) LoadMaps(httpBlock []*nginxconf.Directive) []nginxconf.Diagnostic { return nil }

// DeclareSet declares a variable assigned by "set".
func (r *Registry) DeclareSet(name string) (Index, error) { return 0, nil }

// Lookup returns the index of a variable by name (without "$").
func (r *Registry) Lookup(name string) (Index, bool) { return 0, false }

// Compile compiles a complex value.
func (r *Registry) Compile(s string, pos nginxconf.Pos) (*Template, error) { return &Template{}, nil }

// Template is a compiled complex value.
type Template struct{}

// Eval appends the value to dst.
func (t *Template) Eval(req *Request, dst []byte) []byte { return dst }

// String evaluates to a string.
func (t *Template) String(req *Request) string { return "" }

// IsConst reports whether the template has no variables.
func (t *Template) IsConst() bool { return true }

// Vars lists referenced names.
func (t *Template) Vars() []string { return nil }

// Request is the per-request context.
type Request struct {
	Facts
}

// NewRequest returns a reusable request context.
func (r *Registry) NewRequest() *Request { return &Request{} }

// Reset prepares for reuse.
func (q *Request) Reset() {}

// SetVar sets a variable's value for this request.
func (q *Request) SetVar(i Index, v []byte) {}

// Regex is a compiled regular expression.
type Regex struct{}

// CompileRegex compiles with RE2 first, regexp2 as fallback.
func CompileRegex(pattern string, caseless bool) (*Regex, string, error) { return &Regex{}, "", nil }

// NormalizeURI percent-decodes and normalises a path.
func NormalizeURI(path []byte) ([]byte, error) { return path, nil }
