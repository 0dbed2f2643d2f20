package nginxconf

import (
	"fmt"
	"sort"
	"strings"
)

// Diagnostic codes of Check. They are stable: scripts and tests match them.
const (
	CodeUnknownDirective = "unknown-directive"
	CodeContext          = "context"
	CodeBlock            = "block"
	CodeArgs             = "args"
	CodeDuplicate        = "duplicate"
	CodeInvalidValue     = "invalid-value"
	CodeKeepalive        = "keepalive"
	CodeUnsupported      = "unsupported"
	// CodeUnsupportedUse: a supported directive used in a way sliceproxy
	// does not support (a piped log, proxy_pass https://).
	CodeUnsupportedUse  = "unsupported-use"
	CodeIgnored         = "ignored"
	CodeWorkerProcesses = "worker-processes"
	CodeKeepaliveUnused = "keepalive-ineffective"
	CodeSliceKeyHost    = "slice-key-host"
	CodeProxyPass       = "proxy-pass"
	CodeFragment        = "fragment"
	// CodeNoEvents: nginx refuses a main configuration without events {}.
	CodeNoEvents = "no-events"
)

// Check runs the table-driven checks over a parsed configuration, as nginx's
// ngx_conf_handler and the directives' own handlers would, plus
// sliceproxy's findings about what will not work the same (unsupported and
// ignored directives, keepalive that cannot take effect). It needs no
// runtime: findings that need variables or regexes come from the runtime
// loaders and are merged by Lint.
//
// A main file that is a fragment meant to be included (a conf.d/site.conf
// whose top level is server blocks) is checked in the context it was
// written for, with an info saying so; CheckIn checks in a given context.
func Check(cfg *Config) []Diagnostic {
	if cfg == nil || cfg.Main == nil {
		return nil
	}
	ctx := FragmentContext(cfg)
	diags := CheckIn(cfg, ctx)
	if ctx != CtxMain {
		pos := Pos{File: cfg.Main.Path, Line: 1, Col: 1}
		diags = append(diags, Diagnostic{Pos: pos, Severity: SevInfo, Code: CodeFragment,
			Message: fmt.Sprintf("file is a fragment: checked as if included in the %s context", ctx),
			Hint:    "nginx -t on this file alone would fail; lint the main configuration that includes it for the full picture"})
		diags = SortDiagnostics(diags)
	}
	return diags
}

// CheckIn checks cfg with its top level in context ctx; CtxMain is what
// nginx -t does.
func CheckIn(cfg *Config, ctx Context) []Diagnostic {
	if cfg == nil || cfg.Main == nil {
		return nil
	}
	c := &checker{upstreams: map[string]*upstreamFacts{}, logFormats: map[string]bool{"combined": true},
		upstreamNames: map[string]bool{}}
	c.collect(cfg.Main.Directives, ctx)
	c.block(cfg.Main.Directives, ctx, proxyScope{})
	if ctx == CtxMain && !c.sawEvents && hasOwnStatements(cfg.Main) {
		c.add(Pos{File: cfg.Main.Path, Line: 1, Col: 1}, SevError, CodeNoEvents,
			`no "events" section in configuration`, `nginx needs "events {}" in the main file, even empty`)
	}
	c.checkProxyTargets()
	c.checkWorkerProcesses()
	return SortDiagnostics(c.diags)
}

// hasOwnStatements reports whether the file has statements other than
// those -g added: a file that failed to parse from its first byte (a
// template) is not also "missing events".
func hasOwnStatements(f *File) bool {
	for _, d := range f.Directives {
		if d.Pos.File != GlobalsFile {
			return true
		}
	}
	return false
}

// FragmentContext guesses the context the main file's top level was
// written for: main for a whole nginx.conf, else whichever of http, server,
// location or upstream admits the most of its top-level directives.
func FragmentContext(cfg *Config) Context {
	if cfg == nil || cfg.Main == nil {
		return CtxMain
	}
	candidates := []Context{CtxMain, CtxHTTP, CtxServer, CtxLocation, CtxUpstream}
	counts := make([]int, len(candidates))
	eachStatement(cfg.Main.Directives, func(d *Directive) {
		if d.Name == "include" || d.Pos.File == GlobalsFile {
			return
		}
		for i, ctx := range candidates {
			if _, ok := LookupIn(d.Name, ctx); ok {
				counts[i]++
			}
		}
	})
	best := 0
	for i := range candidates {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return candidates[best]
}

// checker carries the facts gathered before the walk (upstreams, maps) and
// the findings.
type checker struct {
	diags     []Diagnostic
	upstreams map[string]*upstreamFacts // by lowercased name, http upstreams only
	// hostMaps holds map targets ("$name") whose value depends on the host.
	hostMaps map[string]bool
	// proxies are the proxy_pass sites with their effective proxy settings.
	proxies        []proxySite
	workerProcs    *Directive
	keepaliveCount int
	sawEvents      bool
	logFormats     map[string]bool // names defined so far ("combined" is built in)
	upstreamNames  map[string]bool // lowercased names of upstream blocks seen so far
	// seen is a stack of the directives met in the blocks being walked, for
	// the duplicate check; each block owns the part after its start index.
	// One slice reused by every block keeps Check from allocating per block.
	seen []*Directive
	// locations is the stack of enclosing location blocks.
	locations []location
}

func (c *checker) add(pos Pos, sev Severity, code, msg, hint string) {
	c.diags = append(c.diags, Diagnostic{Pos: pos, Severity: sev, Message: msg, Code: code, Hint: hint})
}

// eachStatement calls fn for every statement of list in nginx's order, with
// the statements of included files in place of (after) their include
// directive, which is visited too.
func eachStatement(list []*Directive, fn func(*Directive)) {
	for _, d := range list {
		fn(d)
		if d.Name == "include" {
			for _, f := range d.Includes {
				eachStatement(f.Directives, fn)
			}
		}
	}
}

// block checks the statements of one block in context ctx; scope carries
// the proxy settings inherited from enclosing levels.
func (c *checker) block(list []*Directive, ctx Context, scope proxyScope) {
	if ctx.Opaque() {
		return
	}
	if ctx&(CtxHTTP|CtxServer|CtxLocation|CtxIf|CtxLimitExcept) != 0 {
		scope = scope.enter(list)
	}
	start := len(c.seen)
	defer func() { c.seen = c.seen[:start] }()
	eachStatement(list, func(d *Directive) {
		spec, valid := c.directive(d, ctx, start)
		if spec == nil {
			return
		}
		if valid {
			c.special(d, ctx, scope)
		}
		if spec.Block && d.IsBlock && spec.Opens != 0 {
			inner := spec.Opens
			if inner == CtxIf && ctx&(CtxServer|CtxSif) != 0 {
				inner = CtxSif
			}
			if d.Name == "location" && valid {
				c.locations = append(c.locations, parseLocation(d))
				defer func() { c.locations = c.locations[:len(c.locations)-1] }()
			}
			c.block(d.Block, inner, scope)
		}
	})
}

// directive runs the generic checks on one statement, in ngx_conf_handler's
// order: known name, context, block or not, argument count; then duplicate,
// value syntax and sliceproxy's status. It returns the spec to descend
// with (nil when the statement cannot be understood) and whether the
// statement is well-formed enough for the directive's own checks.
func (c *checker) directive(d *Directive, ctx Context, blockStart int) (*Spec, bool) {
	spec, ok := LookupIn(d.Name, ctx)
	if spec == nil {
		msg := fmt.Sprintf("unknown directive %q", d.Name)
		c.add(d.Pos, SevError, CodeUnknownDirective, msg, didYouMean(d.Name, ctx))
		return nil, false
	}
	if !ok {
		c.add(d.Pos, SevError, CodeContext, fmt.Sprintf("%q directive is not allowed here", d.Name),
			"allowed in: "+strings.Join(allContexts(d.Name).Names(), ", "))
		return spec, false
	}
	if !spec.Block && d.IsBlock {
		c.add(d.Pos, SevError, CodeBlock, fmt.Sprintf("directive %q is not terminated by \";\"", d.Name), "")
		return nil, false
	}
	if spec.Block && !d.IsBlock {
		c.add(d.Pos, SevError, CodeBlock, fmt.Sprintf("directive %q has no opening \"{\"", d.Name), "")
		return nil, false
	}
	if !spec.Args.Accepts(len(d.Args)) {
		c.add(d.Pos, SevError, CodeArgs, fmt.Sprintf("invalid number of arguments in %q directive", d.Name),
			"expects "+describeArgs(spec.Args))
		return spec, false
	}
	c.duplicate(d, spec, blockStart)
	c.values(d, spec)
	switch {
	case spec.Status == Unsupported && spec.EffectiveStatus(d) == Ignored:
		c.add(d.Pos, SevInfo, CodeIgnored,
			`"`+d.Name+`" directive is set to nginx's default, which is what sliceproxy does (other values are not supported)`, "")
	case spec.Status == Unsupported:
		c.add(d.Pos, SevWarning, CodeUnsupported,
			`"`+d.Name+`" directive is not supported by sliceproxy: `+spec.Note, "")
	case spec.Status == Ignored:
		c.add(d.Pos, SevInfo, CodeIgnored,
			`"`+d.Name+`" directive is ignored by sliceproxy: `+spec.Note, "")
	}
	return spec, true
}

// duplicate reports a second occurrence of a directive nginx allows once per
// block, with nginx's words (and its special wording for root/alias).
func (c *checker) duplicate(d *Directive, spec *Spec, blockStart int) {
	if d.Name == "root" || d.Name == "alias" {
		other := "root"
		if d.Name == "root" {
			other = "alias"
		}
		if prev := c.seenInBlock(other, blockStart); prev != nil {
			c.add(d.Pos, SevError, CodeDuplicate, fmt.Sprintf("%q directive is duplicate, %q directive was specified earlier", d.Name, other),
				"first at "+prev.Pos.String())
			return
		}
	}
	if !spec.Unique {
		return
	}
	if prev := c.seenInBlock(d.Name, blockStart); prev != nil {
		c.add(d.Pos, SevError, CodeDuplicate, fmt.Sprintf("%q directive is duplicate", d.Name), "first at "+prev.Pos.String())
		return
	}
	c.seen = append(c.seen, d)
}

// seenInBlock returns the earlier unique directive called name in the
// current block (a linear scan: blocks hold few unique directives).
func (c *checker) seenInBlock(name string, blockStart int) *Directive {
	for _, d := range c.seen[blockStart:] {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// allContexts is the union of the contexts of every row named name.
func allContexts(name string) Context {
	var ctx Context
	for _, s := range directiveIndex.byName[name] {
		ctx |= s.Contexts
	}
	return ctx
}

// describeArgs renders an argument rule for a hint.
func describeArgs(r ArgRule) string {
	switch {
	case r&AnyArgs != 0:
		return "any number of arguments"
	case r&Flag != 0:
		return `"on" or "off"`
	case r&OneOrMore != 0:
		return "one or more arguments"
	case r&TwoOrMore != 0:
		return "two or more arguments"
	}
	var counts []string
	for n := 0; n <= 7; n++ {
		if r&(NoArgs<<n) != 0 {
			counts = append(counts, fmt.Sprint(n))
		}
	}
	s := strings.Join(counts, " or ")
	if s == "1" {
		return "1 argument"
	}
	return s + " arguments"
}

// SortDiagnostics sorts by file, line and column (errors first at one
// place) and drops exact repeats, e.g. a finding that both Check and a
// runtime loader made.
func SortDiagnostics(diags []Diagnostic) []Diagnostic {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Pos, diags[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return diags[i].Severity > diags[j].Severity
	})
	out := diags[:0]
	for i, d := range diags {
		if i > 0 && sameDiagnostic(d, out[len(out)-1]) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func sameDiagnostic(a, b Diagnostic) bool {
	return a.Pos.File == b.Pos.File && a.Pos.Line == b.Pos.Line && a.Pos.Col == b.Pos.Col &&
		a.Severity == b.Severity && a.Message == b.Message
}

// Lint is everything lint reports about a configuration: the parser's
// diagnostics, Check's, and extra ones from the runtime loaders (unknown
// variables, regexes), sorted by position and without repeats.
func Lint(cfg *Config, parseDiags, extra []Diagnostic) []Diagnostic {
	return MergeDiagnostics(parseDiags, Check(cfg), extra)
}

// MergeDiagnostics merges the parser's, Check's and other diagnostics into
// one list sorted by position without repeats. A syntax error ends nginx's
// reading of a file, so the "no events section" finding, which nginx makes
// only after reading everything, is dropped when there is one.
func MergeDiagnostics(parseDiags, checkDiags, extra []Diagnostic) []Diagnostic {
	syntaxError := false
	for _, d := range parseDiags {
		if d.Code == CodeSyntax && d.Severity == SevError {
			syntaxError = true
		}
	}
	all := make([]Diagnostic, 0, len(parseDiags)+len(checkDiags)+len(extra))
	all = append(all, parseDiags...)
	for _, d := range checkDiags {
		if !(syntaxError && d.Code == CodeNoEvents) {
			all = append(all, d)
		}
	}
	all = append(all, extra...)
	return SortDiagnostics(all)
}

// HasErrors reports whether any diagnostic is an error.
func HasErrors(diags []Diagnostic) bool {
	for _, d := range diags {
		if d.Severity == SevError {
			return true
		}
	}
	return false
}
