// Package nginxconf reads nginx and tengine configuration files into a tree of
// directives with positions, and checks that tree against a table of known
// directives. It knows syntax and the directive table only: it builds no
// runtime objects (those live in vars, upstream and proxy).
package nginxconf

import (
	"fmt"
	"strings"
)

// Pos is a place in a configuration file. Line and Col are 1-based; Col counts
// bytes, as nginx does. IncludedFrom is the position of the include directive
// that brought this file in (nil for the main file), so an error inside an
// included file can show the whole include chain.
type Pos struct {
	File         string `json:"file"`
	Line         int    `json:"line"`
	Col          int    `json:"col"`
	IncludedFrom *Pos   `json:"-"`
}

// String renders the position as "file:line:col".
func (p Pos) String() string {
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// NginxString renders the position as nginx does in its messages: "file:line".
func (p Pos) NginxString() string {
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Chain lists the include directives that led to this position, innermost
// first, as "included from file:line" fragments.
func (p Pos) Chain() []string {
	var out []string
	for q := p.IncludedFrom; q != nil; q = q.IncludedFrom {
		out = append(out, "included from "+q.NginxString())
	}
	return out
}

// Quote records how an argument was written.
type Quote byte

const (
	Bare   Quote = 0
	Double Quote = '"'
	Single Quote = '\''
)

// Arg is one argument of a directive, with escapes already processed the way
// nginx processes them (see ngx_conf_read_token).
type Arg struct {
	Value  string
	Quoted Quote
	Pos    Pos
}

// Directive is one statement: a name, its arguments, and for block directives
// the statements inside the braces.
type Directive struct {
	Name string
	// NamePos is where the directive name starts.
	Pos  Pos
	Args []Arg
	// IsBlock is true when the directive was followed by "{ ... }" (even an
	// empty one); Block then holds its statements as written, include
	// directives in place.
	IsBlock bool
	Block   []*Directive
	// RawBody holds the text between the braces of a *_by_lua_block
	// directive, kept verbatim (Lua is not nginx syntax). Block is nil then.
	RawBody string
	// Includes is set on "include" directives: the files the pattern matched,
	// in nginx's (sorted) order, each parsed in the context of this directive.
	Includes []*File
	// Comment is a trailing "# ..." comment on the same line, without "#".
	Comment string
}

// ArgValues returns the argument values as plain strings.
func (d *Directive) ArgValues() []string {
	out := make([]string, len(d.Args))
	for i, a := range d.Args {
		out[i] = a.Value
	}
	return out
}

// Body returns the directive's block with every include expanded in place,
// recursively: the statements nginx sees inside this block.
func (d *Directive) Body() []*Directive { return Expand(d.Block) }

// Expand returns list with include directives replaced by the statements of
// the files they included, recursively.
func Expand(list []*Directive) []*Directive {
	n := 0
	hasInclude := false
	for _, d := range list {
		if d.Name == "include" && d.Includes != nil {
			hasInclude = true
			break
		}
		n++
	}
	if !hasInclude {
		return list
	}
	out := make([]*Directive, 0, len(list))
	for _, d := range list {
		if d.Name == "include" && d.Includes != nil {
			for _, f := range d.Includes {
				out = append(out, Expand(f.Directives)...)
			}
			continue
		}
		out = append(out, d)
	}
	return out
}

// File is one parsed configuration file. The same path included from two
// places is parsed twice (each copy carries its own include chain), but
// Config.Files lists its bytes once.
type File struct {
	Path       string
	Directives []*Directive
}

// Source is the text of one distinct file that was read, for "-T".
type Source struct {
	Path  string // absolute path
	Bytes []byte
}

// Config is a whole parsed configuration: the main file with its includes
// attached to the include directives.
type Config struct {
	Main *File
	// Prefix is nginx's prefix (-p); relative include paths resolve against
	// the main file's directory as nginx resolves them against conf_prefix.
	Prefix string
	// Sources lists every distinct file read, in the order first read.
	Sources []Source
}

// Directives returns the top-level statements with includes expanded.
func (c *Config) Directives() []*Directive { return Expand(c.Main.Directives) }

// Severity of a diagnostic.
type Severity int

const (
	SevInfo Severity = iota
	SevWarning
	SevError
)

func (s Severity) String() string {
	switch s {
	case SevError:
		return "error"
	case SevWarning:
		return "warning"
	default:
		return "info"
	}
}

// Diagnostic is one finding about a configuration: a syntax error from the
// parser, or a semantic finding from a check.
type Diagnostic struct {
	Pos      Pos
	Severity Severity
	// Message is in nginx's words where nginx has words for it.
	Message string
	// Code is a short stable identifier, e.g. "unknown-directive".
	Code string
	// Hint is an optional suggestion ("did you mean ...?").
	Hint string
}

// Error renders the diagnostic as "file:line:col: severity: message [code]",
// followed by the include chain.
func (d Diagnostic) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s: %s", d.Pos, d.Severity, d.Message)
	if d.Code != "" {
		fmt.Fprintf(&b, " [%s]", d.Code)
	}
	for _, c := range d.Pos.Chain() {
		b.WriteString(" (" + c + ")")
	}
	return b.String()
}

// NginxError renders an error as nginx -t prints it after "[emerg] ":
// "MESSAGE in FILE:LINE".
func (d Diagnostic) NginxError() string {
	return fmt.Sprintf("%s in %s", d.Message, d.Pos.NginxString())
}
