package static

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// Options are the process-wide facts the builder needs.
type Options struct {
	// Prefix is nginx's prefix (-p): relative root and alias paths resolve
	// against it, and the default root is PREFIX/html.
	Prefix string
	// Now is the clock for Expires and Cache-Control; time.Now when nil.
	Now func() time.Time
}

// Builder turns the static-file directives of each configuration level into
// a merged *Config, the way nginx's create/merge_loc_conf do.
type Builder struct {
	reg *vars.Registry
	opt Options
}

// NewBuilder returns a builder that compiles variables with reg.
func NewBuilder(reg *vars.Registry, opt Options) *Builder {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Builder{reg: reg, opt: opt}
}

// Level is one configuration level handed to Merge.
type Level struct {
	// Directives are the statements of this level, includes expanded
	// (nginxconf.Expand / (*Directive).Body()).
	Directives []*nginxconf.Directive
	// Location is the location's URI or pattern; empty for http and server.
	Location string
	// Regex is true for "~" and "~*" locations: an alias there names the
	// whole file path (usually with captures) instead of replacing a prefix.
	Regex bool
	// Named is true for "@name" locations, where alias is not allowed.
	Named bool
}

// value is a configuration string that may hold variables: lit is used when
// tmpl is nil.
type value struct {
	lit     string
	tmpl    *vars.Template
	docRoot bool // disable_symlinks from=$document_root
}

func (v value) eval(req *vars.Request, dst []byte) []byte {
	if v.tmpl == nil {
		return append(dst, v.lit...)
	}
	return v.tmpl.Eval(req, dst)
}

// hasVariables mirrors ngx_http_script_variables_count: any "$" makes the
// string a script.
func hasVariables(s string) bool { return strings.IndexByte(s, '$') >= 0 }

// tryFile is one try_files argument.
type tryFile struct {
	name    value
	testDir bool // the argument ended with "/": it must be a directory
}

// tryFiles is a compiled try_files: files to test, then a fallback that is
// a URI, a named location or "=code".
type tryFiles struct {
	files    []tryFile
	fallback value
	code     int
}

// addHeader is one add_header.
type addHeader struct {
	name   string
	nameB  []byte // name and constant value as bytes, made once at load
	litB   []byte
	value  value
	empty  bool // the value is "": nginx adds nothing (or removes ETag/Last-Modified)
	always bool
}

// Config is the merged static-file configuration of one level (in practice
// of one location). It is immutable after Merge and safe for concurrent use.
type Config struct {
	now    func() time.Time
	prefix string // for scripted roots that evaluate to a relative path

	// Each xxxSet flag records that this level itself configured xxx;
	// inherit copies the parent's value otherwise.

	root      value
	rootSet   bool
	rootConst bool
	// alias: 0 for root; the location prefix length for a prefix-location
	// alias; aliasWhole for an alias in a regex location.
	alias int

	index    []value
	indexSet bool
	tryFiles *tryFiles // never inherited

	types      *Types
	typesSet   bool
	defType    string
	defTypeSet bool
	defTypeB   []byte

	expires      Expires
	expiresValue *value // expires with variables, parsed per request
	expiresSet   bool
	headers      []addHeader
	headersSet   bool

	etag, etagSet       bool
	ims                 IMSMode
	imsSet              bool
	maxRanges           int
	maxRangesSet        bool
	logNotFound, lnfSet bool
	symlinks            symlinkMode
	symlinksFrom        *value // from=; nil: check the whole path
	symlinksSet         bool
}

// aliasWhole marks an alias in a regex location (nginx's NGX_MAX_SIZE_T_VALUE).
const aliasWhole = math.MaxInt

// Merge builds the configuration of one level on top of its parent's (nil
// for the http level). Problems come back as diagnostics in nginx's words;
// the returned Config is usable even then (the faulty directive is skipped).
func (b *Builder) Merge(parent *Config, lvl Level) (*Config, []nginxconf.Diagnostic) {
	c := &Config{now: b.opt.Now}
	var diags []nginxconf.Diagnostic
	errorf := func(d *nginxconf.Directive, code, format string, args ...any) {
		diags = append(diags, nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevError, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	warnf := func(d *nginxconf.Directive, code, format string, args ...any) {
		diags = append(diags, nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevWarning, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	compile := func(d *nginxconf.Directive, arg nginxconf.Arg) (value, bool) {
		if !hasVariables(arg.Value) || b.reg == nil {
			return value{lit: arg.Value}, true
		}
		t, err := b.reg.Compile(arg.Value, arg.Pos)
		if err != nil {
			var diag nginxconf.Diagnostic
			if errors.As(err, &diag) {
				diags = append(diags, diag)
			} else {
				errorf(d, "variable", "%v", err)
			}
			return value{}, false
		}
		return value{tmpl: t}, true
	}

	for _, d := range lvl.Directives {
		switch d.Name {
		case "root", "alias":
			b.root(c, d, lvl, errorf, compile)
		case "index":
			if len(d.Args) == 0 {
				continue
			}
			c.indexSet = true
			for i, a := range d.Args {
				if a.Value == "" {
					errorf(d, "invalid-value", `index "%s" in "index" directive is invalid`, d.Args[0].Value)
					continue
				}
				if a.Value[0] == '/' && i != len(d.Args)-1 {
					errorf(d, "invalid-value", `only the last index in "index" directive may be absolute`)
					continue
				}
				if v, ok := compile(d, a); ok {
					c.index = append(c.index, v)
				}
			}
		case "try_files":
			if c.tryFiles != nil {
				errorf(d, "duplicate", `"try_files" directive is duplicate`)
				continue
			}
			c.tryFiles = b.tryFiles(d, errorf, compile)
		case "types":
			if !c.typesSet {
				c.types = &Types{byExt: map[string][]byte{}}
				c.typesSet = true
			}
			for _, t := range d.Body() {
				for _, ext := range t.Args {
					e := strings.ToLower(ext.Value)
					if prev, ok := c.types.byExt[e]; ok {
						warnf(t, "duplicate", `duplicate extension "%s", content type: "%s", previous content type: "%s"`, ext.Value, t.Name, prev)
					}
					c.types.byExt[e] = []byte(t.Name)
				}
			}
		case "default_type":
			if c.defTypeSet {
				errorf(d, "duplicate", `"default_type" directive is duplicate`)
				continue
			}
			if len(d.Args) == 1 {
				c.defType, c.defTypeSet = d.Args[0].Value, true
			}
		case "expires":
			b.expires(c, d, errorf, compile)
		case "add_header":
			if len(d.Args) < 2 || len(d.Args) > 3 {
				continue // the checker reports the argument count
			}
			if len(d.Args) == 3 && d.Args[2].Value != "always" {
				errorf(d, "invalid-value", `invalid parameter "%s"`, d.Args[2].Value)
				continue
			}
			h := addHeader{name: d.Args[0].Value, nameB: []byte(d.Args[0].Value), always: len(d.Args) == 3, empty: d.Args[1].Value == ""}
			if !h.empty {
				v, ok := compile(d, d.Args[1])
				if !ok {
					continue
				}
				h.value = v
				if v.tmpl == nil {
					h.litB = sanitizeHeaderValue([]byte(v.lit))
				}
			}
			c.headers = append(c.headers, h)
			c.headersSet = true
		case "etag":
			if on, ok := parseFlag(d, errorf); ok {
				c.etag, c.etagSet = on, true
			}
		case "log_not_found":
			if on, ok := parseFlag(d, errorf); ok {
				c.logNotFound, c.lnfSet = on, true
			}
		case "if_modified_since":
			if len(d.Args) != 1 {
				continue
			}
			switch d.Args[0].Value {
			case "off":
				c.ims = IMSOff
			case "exact":
				c.ims = IMSExact
			case "before":
				c.ims = IMSBefore
			default:
				errorf(d, "invalid-value", `invalid value "%s" in "if_modified_since" directive, it must be "off", "exact" or "before"`, d.Args[0].Value)
				continue
			}
			c.imsSet = true
		case "max_ranges":
			if len(d.Args) != 1 {
				continue
			}
			n, err := nginxconf.ParseInt(d.Args[0].Value)
			if err != nil || n > math.MaxInt32 {
				errorf(d, "invalid-value", `invalid number "%s"`, d.Args[0].Value)
				continue
			}
			c.maxRanges, c.maxRangesSet = int(n), true
		case "disable_symlinks":
			b.disableSymlinks(c, d, errorf, warnf, compile)
		}
	}
	c.inherit(parent, b.opt.Prefix)
	return c, diags
}

type errorfFunc = func(*nginxconf.Directive, string, string, ...any)
type compileFunc = func(*nginxconf.Directive, nginxconf.Arg) (value, bool)

// inherit fills what this level did not set from its parent, with nginx's
// defaults at the top.
func (c *Config) inherit(p *Config, prefix string) {
	if p == nil {
		p = &Config{
			root:        value{lit: defaultRoot(prefix)},
			rootConst:   true,
			index:       []value{{lit: "index.html"}},
			types:       builtinTypes(),
			defType:     "text/plain",
			etag:        true,
			ims:         IMSExact,
			maxRanges:   math.MaxInt32,
			logNotFound: true,
		}
	}
	if !c.rootSet {
		c.root, c.alias, c.rootConst, c.prefix = p.root, p.alias, p.rootConst, p.prefix
	}
	if !c.indexSet {
		c.index = p.index
	}
	// try_files is not inherited: nginx's merge leaves it alone.
	if !c.typesSet {
		c.types = p.types
	}
	if !c.defTypeSet {
		c.defType = p.defType
	}
	c.defTypeB = []byte(c.defType)
	if !c.expiresSet {
		c.expires, c.expiresValue = p.expires, p.expiresValue
	}
	// A level with any add_header replaces the inherited list.
	if !c.headersSet {
		c.headers = p.headers
	}
	if !c.etagSet {
		c.etag = p.etag
	}
	if !c.imsSet {
		c.ims = p.ims
	}
	if !c.maxRangesSet {
		c.maxRanges = p.maxRanges
	}
	if !c.lnfSet {
		c.logNotFound = p.logNotFound
	}
	if !c.symlinksSet {
		c.symlinks, c.symlinksFrom = p.symlinks, p.symlinksFrom
	}
}

func defaultRoot(prefix string) string {
	if prefix == "" {
		return "html"
	}
	return strings.TrimSuffix(prefix, "/") + "/html"
}
