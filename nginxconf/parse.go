package nginxconf

import (
	"errors"
	"fmt"
	"path/filepath"
)

// Diagnostic codes the parser uses.
const (
	// CodeSyntax: nginx would refuse the file while tokenizing it. The
	// message is nginx's (or a clearer one for templates and limits).
	CodeSyntax = "syntax"
	// CodeIncludeNotFound: an include names a plain file that cannot be
	// opened. Parsing goes on without it.
	CodeIncludeNotFound = "include-not-found"
	// CodeIncludeCycle: a file includes itself, directly or not.
	CodeIncludeCycle = "include-cycle"
	// CodeRead: the main configuration file cannot be read.
	CodeRead = "read"
	// CodeLimit: a safety limit (Limits) was exceeded.
	CodeLimit = "limit"
)

// Default limits: generous for real configurations (the largest real ones
// are a few MB over a few hundred files), small enough that hostile input
// cannot exhaust memory or the stack.
const (
	defaultMaxDepth     = 100
	defaultMaxTokenLen  = 4096 // nginx's NGX_CONF_BUFFER: the same tokens fail
	defaultMaxFileSize  = 16 << 20
	defaultMaxTotalSize = 64 << 20
	defaultMaxFiles     = 2000
)

// Limits bound the work a configuration can cause. Zero fields get the
// defaults.
type Limits struct {
	// MaxDepth is the deepest nesting of blocks plus includes (default 100).
	MaxDepth int
	// MaxTokenLen is nginx's buffer size (default 4096): a token, or a
	// comment, that fills it is an error, as in nginx.
	MaxTokenLen int
	// MaxFileSize is the largest single file read (default 16 MiB).
	MaxFileSize int
	// MaxTotalSize bounds the bytes parsed in total, counting a file once
	// per include of it (default 64 MiB).
	MaxTotalSize int
	// MaxFiles bounds the number of file parses, counting a file once per
	// include of it (default 2000).
	MaxFiles int
}

func (l Limits) withDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = defaultMaxDepth
	}
	if l.MaxTokenLen <= 0 {
		l.MaxTokenLen = defaultMaxTokenLen
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = defaultMaxFileSize
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = defaultMaxTotalSize
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = defaultMaxFiles
	}
	return l
}

// Options control ParseFile and ParseBytes.
type Options struct {
	// Prefix is nginx's -p prefix. It is recorded in Config.Prefix, and a
	// relative path given to ParseFile is taken relative to it (as nginx
	// takes -c). Relative include paths do not use it: nginx resolves them
	// against conf_prefix, the directory of the main configuration file.
	Prefix string
	// Globals is the text of nginx's -g option: directives parsed as if they
	// came before the main file's first line, in the main context, with the
	// position file "command line". Blocks are not allowed there.
	Globals string
	// SingleFile leaves include directives unresolved (Includes nil).
	SingleFile bool
	Limits     Limits
}

// GlobalsFile is the Pos.File of directives that came from Options.Globals,
// as nginx names them in its messages ("... in command line").
const GlobalsFile = "command line"

// ParseFile reads and parses the configuration at path and every file it
// includes. The Config is nil only when the main file cannot be read; the
// diagnostics say why. Syntax errors end the parse of the file they are in
// (the directives before them are kept); a missing include is reported and
// parsing goes on.
func ParseFile(path string, opt Options) (*Config, []Diagnostic) {
	if !filepath.IsAbs(path) && opt.Prefix != "" {
		path = filepath.Join(opt.Prefix, path)
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	p := newParser(opt, filepath.Dir(path))
	src, diag := p.read(path, nil)
	if diag != nil {
		if diag.Code == CodeIncludeNotFound {
			diag.Code = CodeRead
		}
		return nil, []Diagnostic{*diag}
	}
	return p.parseMain(path, src), p.diags
}

// ParseBytes parses src as the main configuration file named name (used
// verbatim in positions and Sources). Includes are followed unless
// opt.SingleFile; relative ones resolve against the directory of name (taken
// relative to opt.Prefix when name is relative, as ParseFile does).
func ParseBytes(name string, src []byte, opt Options) (*Config, []Diagnostic) {
	dir := filepath.Dir(name)
	if !filepath.IsAbs(dir) && opt.Prefix != "" {
		dir = filepath.Join(opt.Prefix, dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	p := newParser(opt, dir)
	if diag := p.account(name, len(src), nil); diag != nil {
		return nil, []Diagnostic{*diag}
	}
	p.addSource(name, src)
	return p.parseMain(name, src), p.diags
}

// parser holds the state of one ParseFile/ParseBytes call.
type parser struct {
	opt     Options
	limits  Limits
	confDir string // nginx's conf_prefix: relative includes resolve here

	sources  []Source
	byPath   map[string]int // index into sources
	parses   int            // files parsed, counting repeats
	total    int            // bytes parsed, counting repeats
	stack    []includeFrame // the include chain being parsed, for cycles
	diags    []Diagnostic
	limitHit bool // a total limit was reported; stop including
}

func newParser(opt Options, confDir string) *parser {
	return &parser{
		opt:     opt,
		limits:  opt.Limits.withDefaults(),
		confDir: confDir,
		byPath:  make(map[string]int),
	}
}

func (p *parser) parseMain(name string, src []byte) *Config {
	cfg := &Config{Prefix: p.opt.Prefix}
	var globals []*Directive
	if p.opt.Globals != "" {
		globals = p.parseText(GlobalsFile, []byte(p.opt.Globals), nil, scanOptions{param: true})
	}
	p.stack = append(p.stack, includeFrame{path: name, real: realPath(name)})
	main := p.parseText(name, src, nil, scanOptions{})
	cfg.Main = &File{Path: name, Directives: append(globals, main...)}
	cfg.Sources = p.sources
	return cfg
}

// parseText tokenizes and parses one file's text, converts it to the AST and
// resolves its includes. includedFrom is the include directive's position
// (nil for the main file); opt says where the text sits.
func (p *parser) parseText(name string, src []byte, includedFrom *Pos, opt scanOptions) []*Directive {
	opt.maxDepth = p.limits.MaxDepth
	opt.maxTokenLen = p.limits.MaxTokenLen
	sc := newScanner(name, src, opt)
	b := builder{file: name, from: includedFrom}
	list := b.build(sc)
	if d := sc.Err(); d != nil {
		d.Pos.IncludedFrom = includedFrom
		p.diags = append(p.diags, *d)
	}
	if !p.opt.SingleFile {
		p.resolveIncludes(list, opt.depth, opt.inHandler)
	}
	return list
}

// addSource records a file's bytes the first time it is read.
func (p *parser) addSource(path string, src []byte) {
	if _, ok := p.byPath[path]; ok {
		return
	}
	p.byPath[path] = len(p.sources)
	p.sources = append(p.sources, Source{Path: path, Bytes: src})
}

// account counts one more file parse of size bytes against the limits.
func (p *parser) account(path string, size int, at *Pos) *Diagnostic {
	pos := Pos{File: path, Line: 1, Col: 1}
	if at != nil {
		pos = *at
	}
	limit := func(msg string) *Diagnostic {
		return &Diagnostic{Pos: pos, Severity: SevError, Message: msg, Code: CodeLimit}
	}
	if size > p.limits.MaxFileSize {
		return limit(fmt.Sprintf("file %q is too large (limit %d bytes)", path, p.limits.MaxFileSize))
	}
	if p.parses+1 > p.limits.MaxFiles {
		p.limitHit = true
		return limit(fmt.Sprintf("too many configuration files parsed (limit %d)", p.limits.MaxFiles))
	}
	if p.total+size > p.limits.MaxTotalSize {
		p.limitHit = true
		return limit(fmt.Sprintf("configuration too large: more than %d bytes in total", p.limits.MaxTotalSize))
	}
	p.parses++
	p.total += size
	return nil
}

// read returns the bytes of path (from the cache when it was read before),
// checking the limits. at is the include directive's position (nil for the
// main file).
func (p *parser) read(path string, at *Pos) ([]byte, *Diagnostic) {
	if i, ok := p.byPath[path]; ok {
		src := p.sources[i].Bytes
		return src, p.account(path, len(src), at)
	}
	pos := Pos{File: path}
	if at != nil {
		pos = *at
	}
	src, err := readLimited(path, p.limits.MaxFileSize)
	if err != nil {
		var tooBig errTooLarge
		if errors.As(err, &tooBig) {
			return nil, &Diagnostic{Pos: pos, Severity: SevError, Code: CodeLimit,
				Message: fmt.Sprintf("file %q is too large (limit %d bytes)", path, p.limits.MaxFileSize)}
		}
		return nil, &Diagnostic{Pos: pos, Severity: SevError, Code: CodeIncludeNotFound, Message: err.Error()}
	}
	if d := p.account(path, len(src), at); d != nil {
		return nil, d
	}
	p.addSource(path, src)
	return src, nil
}
