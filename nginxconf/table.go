package nginxconf

import (
	"sort"
	"strings"
)

// Context is a set of places where a directive may appear, with nginx's names
// (NGX_MAIN_CONF, NGX_HTTP_SRV_CONF, NGX_HTTP_LIF_CONF, ...). A Spec's
// Contexts is the union of the places it is allowed; a block directive's
// Opens is the single context its statements are in.
type Context uint32

const (
	CtxMain           Context = 1 << iota // top level of nginx.conf
	CtxEvents                             // events { }
	CtxHTTP                               // http { }
	CtxServer                             // server { } in http
	CtxLocation                           // location { }
	CtxIf                                 // if { } inside a location (NGX_HTTP_LIF_CONF)
	CtxSif                                // if { } inside a server (NGX_HTTP_SIF_CONF)
	CtxLimitExcept                        // limit_except { }
	CtxUpstream                           // upstream { } in http
	CtxMap                                // map { } (key/value pairs, not directives)
	CtxTypes                              // types { } (MIME type lists, not directives)
	CtxGeo                                // geo { } and other key/value blocks
	CtxStream                             // stream { }
	CtxStreamServer                       // server { } in stream
	CtxStreamUpstream                     // upstream { } in stream
	CtxMail                               // mail { }
	CtxMailServer                         // server { } in mail
	CtxOpaque                             // blocks whose statements only their module understands
)

// Common context sets, named after nginx's macros.
const (
	ctxHS       = CtxHTTP | CtxServer
	ctxHSL      = CtxHTTP | CtxServer | CtxLocation
	ctxHSLI     = ctxHSL | CtxIf
	ctxSL       = CtxServer | CtxLocation
	ctxSLI      = ctxSL | CtxIf
	ctxLI       = CtxLocation | CtxIf
	ctxScript   = CtxServer | CtxSif | CtxLocation | CtxIf // rewrite module
	ctxSt       = CtxStream | CtxStreamServer
	ctxMl       = CtxMail | CtxMailServer
	ctxAnyBlock = ^Context(0) &^ CtxMain
)

var contextNames = [...]string{
	"main", "events", "http", "server", "location", "if", "sif", "limit_except",
	"upstream", "map", "types", "geo", "stream", "stream_server",
	"stream_upstream", "mail", "mail_server", "opaque",
}

// Names lists the contexts in the set by nginx's names, in a fixed order.
func (c Context) Names() []string {
	var out []string
	for i, n := range contextNames {
		if c&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String joins Names with "|".
func (c Context) String() string {
	if c == 0 {
		return "none"
	}
	if c&^CtxMain == ctxAnyBlock&^CtxMain && c&CtxMain != 0 {
		return "any"
	}
	return strings.Join(c.Names(), "|")
}

// Opaque reports whether statements in this context are data for the
// enclosing directive's module (map entries, MIME types, geo ranges) rather
// than directives from the table.
func (c Context) Opaque() bool {
	return c&(CtxMap|CtxTypes|CtxGeo|CtxOpaque) != 0
}

// ArgRule says how many arguments a directive takes, mirroring nginx's
// NGX_CONF_NOARGS, NGX_CONF_TAKE1..7, NGX_CONF_FLAG, NGX_CONF_1MORE,
// NGX_CONF_2MORE and NGX_CONF_ANY. TakeN bits combine: Take12 = Take1|Take2.
type ArgRule uint32

const (
	NoArgs ArgRule = 1 << iota
	Take1
	Take2
	Take3
	Take4
	Take5
	Take6
	Take7
	Flag      // exactly one argument, "on" or "off"
	OneOrMore // NGX_CONF_1MORE
	TwoOrMore // NGX_CONF_2MORE
	AnyArgs   // NGX_CONF_ANY

	Take12   = Take1 | Take2
	Take13   = Take1 | Take3
	Take23   = Take2 | Take3
	Take34   = Take3 | Take4
	Take123  = Take1 | Take2 | Take3
	Take1234 = Take1 | Take2 | Take3 | Take4
)

// Accepts reports whether n arguments (not counting the name) satisfy the
// rule, as ngx_conf_handler checks them.
func (r ArgRule) Accepts(n int) bool {
	switch {
	case r&AnyArgs != 0:
		return true
	case r&Flag != 0:
		return n == 1
	case r&OneOrMore != 0:
		return n >= 1
	case r&TwoOrMore != 0:
		return n >= 2
	}
	if n < 0 || n > 7 {
		return false
	}
	return r&(NoArgs<<n) != 0
}

// String renders the rule the way nginx's sources name it, e.g. "TAKE12".
func (r ArgRule) String() string {
	switch {
	case r&AnyArgs != 0:
		return "ANY"
	case r&Flag != 0:
		return "FLAG"
	case r&OneOrMore != 0:
		return "1MORE"
	case r&TwoOrMore != 0:
		return "2MORE"
	case r == NoArgs:
		return "NOARGS"
	}
	var b strings.Builder
	if r&NoArgs != 0 {
		b.WriteString("NOARGS|")
	}
	b.WriteString("TAKE")
	for n := 1; n <= 7; n++ {
		if r&(NoArgs<<n) != 0 {
			b.WriteByte(byte('0' + n))
		}
	}
	return b.String()
}

// Status is what sliceproxy does with a directive.
type Status uint8

const (
	statusUnset Status = iota // rows take their module's status
	// Implemented: sliceproxy does what nginx/tengine does.
	Implemented
	// Ignored: accepted and skipped; harmless for a proxy in front of
	// backends (tuning knobs, features that only change internals). Note says why.
	Ignored
	// Unsupported: accepted by the parser, but what it asks for does not
	// happen; behaviour differs from nginx/tengine. Note says how.
	Unsupported
)

func (s Status) String() string {
	switch s {
	case Implemented:
		return "implemented"
	case Ignored:
		return "ignored"
	case Unsupported:
		return "unsupported"
	}
	return "unset"
}

// ValueKind names the value syntax a directive's arguments must have, as the
// nginx slot function that parses them (ngx_conf_set_flag_slot, ...). Check
// validates it; loaders parse with the matching Parse* function.
type ValueKind uint8

const (
	ValNone    ValueKind = iota // free text, or checked by a special rule
	ValFlag                     // on | off                      ngx_conf_set_flag_slot
	ValNum                      // non-negative integer          ngx_conf_set_num_slot
	ValSize                     // 10, 10k, 10m                  ngx_conf_set_size_slot
	ValOffset                   // 10, 10k, 10m, 10g             ngx_conf_set_off_slot
	ValMsec                     // 500ms, 30s, 1h30m             ngx_conf_set_msec_slot
	ValSec                      // 30s, 1d, 1y                   ngx_conf_set_sec_slot
	ValEnum                     // one of Spec.Enum               ngx_conf_set_enum_slot
	ValBitmask                  // each argument one of Spec.Enum ngx_conf_set_bitmask_slot
)

// String names the value kind as nginx's slot does, e.g. "size"; "" for ValNone.
func (k ValueKind) String() string {
	switch k {
	case ValFlag:
		return "flag"
	case ValNum:
		return "number"
	case ValSize:
		return "size"
	case ValOffset:
		return "offset"
	case ValMsec:
		return "msec"
	case ValSec:
		return "sec"
	case ValEnum:
		return "enum"
	case ValBitmask:
		return "bitmask"
	}
	return ""
}

// Spec describes one directive: where it may appear, how many arguments it
// takes, and what sliceproxy does with it. A name that means different
// things in different contexts (server in http and in upstream) has one
// Spec per meaning.
type Spec struct {
	Name     string
	Contexts Context
	Args     ArgRule
	// Block is true when the directive takes a "{ ... }" body; Opens is the
	// context of the statements inside (0 for raw bodies such as Lua).
	Block bool
	Opens Context
	// Status is what sliceproxy does with it; Note says why (ignored) or what
	// changes for the user (unsupported). Every non-implemented row has one.
	Status Status
	Module string // nginx's module name without "ngx_" and "_module", e.g. "http_proxy"
	Origin string // nginx | tengine | openresty | thirdparty
	Note   string
	// Value is the syntax of the arguments (all of them, for Flag/size/time
	// directives with one argument); Enum lists the allowed words for
	// ValEnum and ValBitmask.
	Value ValueKind
	Enum  []string
	// Unique is true when nginx rejects a second occurrence in the same block
	// with "X" directive is duplicate.
	Unique bool
	// Default is nginx's default argument for an unsupported directive
	// whose default behaviour sliceproxy has: setting it to that value
	// changes nothing, so Check reports it as an info, not a warning.
	Default string
}

// Implemented reports whether sliceproxy does what this directive asks.
func (s *Spec) Implemented() bool { return s.Status == Implemented }

// EffectiveStatus is the status of one use of the directive: an
// unsupported directive set to nginx's default (Default) changes nothing
// and counts as Ignored.
func (s *Spec) EffectiveStatus(d *Directive) Status {
	if s.Status == Unsupported && s.Default != "" && len(d.Args) == 1 && strings.EqualFold(d.Args[0].Value, s.Default) {
		return Ignored
	}
	return s.Status
}

// AllowedIn reports whether the directive may appear in context c.
func (s *Spec) AllowedIn(c Context) bool { return s.Contexts&c != 0 }

// directiveIndex is built once from the table rows and never changed: a
// read-only lookup structure, not mutable state.
var directiveIndex = buildIndex(allRows())

type index struct {
	sorted []*Spec
	byName map[string][]*Spec
}

func buildIndex(rows []Spec) index {
	ix := index{byName: make(map[string][]*Spec, len(rows))}
	for i := range rows {
		s := &rows[i]
		ix.sorted = append(ix.sorted, s)
		ix.byName[s.Name] = append(ix.byName[s.Name], s)
	}
	sort.SliceStable(ix.sorted, func(i, j int) bool {
		a, b := ix.sorted[i], ix.sorted[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Contexts < b.Contexts
	})
	return ix
}

// Lookup returns the directive's spec. For a name with several meanings it
// returns the first one declared (the http one); use LookupIn when the
// context is known.
func Lookup(name string) (*Spec, bool) {
	list := directiveIndex.byName[name]
	if len(list) == 0 {
		return nil, false
	}
	return list[0], true
}

// LookupIn returns the spec of name that is allowed in context ctx. When the
// name is known but not allowed there, it returns the first spec and false;
// when the name is unknown, nil and false.
func LookupIn(name string, ctx Context) (*Spec, bool) {
	list := directiveIndex.byName[name]
	for _, s := range list {
		if s.AllowedIn(ctx) {
			return s, true
		}
	}
	if len(list) == 0 {
		return nil, false
	}
	return list[0], false
}

// IsImplemented reports whether the directive, in context ctx, is one
// sliceproxy carries out. Runtime loaders use it to decide whether to build
// something or leave the finding to Check.
func IsImplemented(name string, ctx Context) bool {
	s, ok := LookupIn(name, ctx)
	return ok && s.Implemented()
}

// Specs returns every row of the table, sorted by name (rows of one name by
// context). The slice is a fresh copy; the specs must not be modified.
func Specs() []*Spec {
	return append([]*Spec(nil), directiveIndex.sorted...)
}
