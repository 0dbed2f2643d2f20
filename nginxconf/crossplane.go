package nginxconf

// The JSON payload of nginx's crossplane tool (github.com/nginxinc/crossplane
// and nginx-go-crossplane), so tools written for "crossplane parse" can read
// "sliceproxy parse". Shape:
//
//	{"status": "ok"|"failed",
//	 "errors": [{"file": F, "line": N, "error": "MESSAGE in F:N"}],
//	 "config": [{"file": F, "status": S, "errors": [{"line": N, "error": E}],
//	             "parsed": [{"directive": D, "line": N, "args": [...],
//	                         "includes": [config indexes], "block": [...]}]}]}
//
// As in crossplane: each file appears once in "config" (the main file
// first, then included files in the order first included); an include
// directive lists the indexes of the files it matched; a block directive
// always has "block", even empty; a *_by_lua_block body is the last
// argument, with no "block".

// CrossplanePayload is the whole document.
type CrossplanePayload struct {
	Status string             `json:"status"`
	Errors []CrossplaneError  `json:"errors"`
	Config []CrossplaneConfig `json:"config"`
}

// CrossplaneError is one error; Line is null when no line applies.
type CrossplaneError struct {
	File  string `json:"file,omitempty"`
	Line  *int   `json:"line"`
	Error string `json:"error"`
}

// CrossplaneConfig is one parsed file.
type CrossplaneConfig struct {
	File   string                `json:"file"`
	Status string                `json:"status"`
	Errors []CrossplaneError     `json:"errors"`
	Parsed []CrossplaneDirective `json:"parsed"`
}

// CrossplaneDirective is one statement.
type CrossplaneDirective struct {
	Directive string                 `json:"directive"`
	Line      int                    `json:"line"`
	Args      []string               `json:"args"`
	Includes  []int                  `json:"includes,omitempty"`
	Block     *[]CrossplaneDirective `json:"block,omitempty"`
}

// crossplaneErrorCodes are the diagnostic codes crossplane itself reports
// (syntax, includes, and its context and argument checks); other findings
// are lint's business, not the parse payload's. Unknown directives are not
// errors, as with crossplane's default (non-strict) mode.
var crossplaneErrorCodes = map[string]bool{
	CodeSyntax: true, CodeIncludeNotFound: true, CodeIncludeCycle: true, CodeLimit: true,
	CodeContext: true, CodeArgs: true, CodeBlock: true,
}

// Crossplane builds the payload for cfg. diags are the parser's and
// Check's diagnostics; the errors among them with crossplane's codes are
// reported. cfg may be nil (main file unreadable); mainPath names it then.
func Crossplane(cfg *Config, mainPath string, diags []Diagnostic) *CrossplanePayload {
	p := &CrossplanePayload{Status: "ok", Errors: []CrossplaneError{}, Config: []CrossplaneConfig{}}
	b := crossplaneBuilder{index: map[string]int{}, payload: p}
	if cfg != nil && cfg.Main != nil {
		b.file(cfg.Main)
	}
	for _, d := range diags {
		if d.Severity != SevError || (d.Code != "" && !crossplaneErrorCodes[d.Code]) {
			continue
		}
		file := d.Pos.File
		if file == "" {
			file = mainPath
		}
		var line *int
		if d.Pos.Line > 0 {
			n := d.Pos.Line
			line = &n
		}
		msg := d.Message
		if line != nil {
			msg = d.NginxError()
		}
		p.Status = "failed"
		p.Errors = append(p.Errors, CrossplaneError{File: file, Line: line, Error: msg})
		if i, ok := b.index[file]; ok {
			c := &p.Config[i]
			c.Status = "failed"
			c.Errors = append(c.Errors, CrossplaneError{Line: line, Error: msg})
		}
	}
	return p
}

type crossplaneBuilder struct {
	index   map[string]int
	payload *CrossplanePayload
}

// file adds f to the config list (once) and returns its index.
func (b *crossplaneBuilder) file(f *File) int {
	if i, ok := b.index[f.Path]; ok {
		return i
	}
	i := len(b.payload.Config)
	b.index[f.Path] = i
	b.payload.Config = append(b.payload.Config, CrossplaneConfig{File: f.Path, Status: "ok", Errors: []CrossplaneError{}})
	parsed := b.list(f.Directives)
	b.payload.Config[i].Parsed = parsed
	return i
}

func (b *crossplaneBuilder) list(list []*Directive) []CrossplaneDirective {
	out := make([]CrossplaneDirective, 0, len(list))
	for _, d := range list {
		if d.Pos.File == GlobalsFile {
			continue // -g directives belong to no file
		}
		cd := CrossplaneDirective{Directive: d.Name, Line: d.Pos.Line, Args: d.ArgValues()}
		switch {
		case d.RawBody != "" || (d.IsBlock && d.Block == nil && isLuaBlock(d.Name)):
			cd.Args = append(cd.Args, d.RawBody)
		case d.IsBlock:
			block := b.list(d.Block)
			cd.Block = &block
		}
		if d.Name == "include" && d.Includes != nil {
			cd.Includes = []int{}
			for _, f := range d.Includes {
				cd.Includes = append(cd.Includes, b.file(f))
			}
		}
		out = append(out, cd)
	}
	return out
}

func isLuaBlock(name string) bool {
	return len(name) > len("_by_lua_block") && name[len(name)-len("_by_lua_block"):] == "_by_lua_block"
}
