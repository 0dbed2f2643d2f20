package nginxconf

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// resolveIncludes parses the files named by the include directives in list
// (and in its blocks, recursively) and attaches them to the directives.
// depth is the nesting (blocks + includes) of list; inHandler is true inside
// a map/types/... block, whose rules an included file inherits.
func (p *parser) resolveIncludes(list []*Directive, depth int, inHandler bool) {
	for _, d := range list {
		if p.limitHit {
			return
		}
		if d.Name == "include" && len(d.Args) == 1 && !d.IsBlock {
			p.include(d, depth, inHandler)
			continue
		}
		if len(d.Block) > 0 {
			p.resolveIncludes(d.Block, depth+1, inHandler || handlerBlocks[d.Name])
		}
	}
}

// include resolves one include directive the way ngx_conf_include does: a
// relative path is taken from conf_prefix (the main file's directory); a
// pattern with *, ? or [ is a glob whose matches (possibly none) are parsed
// in sorted order; anything else must be a readable file.
func (p *parser) include(d *Directive, depth int, inHandler bool) {
	pattern := d.Args[0].Value
	if pattern == "" {
		return // nginx fails on the empty name; the checks report it
	}
	path := pattern
	if !filepath.IsAbs(path) {
		path = filepath.Join(p.confDir, path)
	}
	files := []string{path}
	if strings.ContainsAny(path, "*?[") {
		files = globPOSIX(path)
	}
	d.Includes = make([]*File, 0, len(files))
	from := d.Pos // every directive of the included file points here
	for _, f := range files {
		if p.limitHit {
			return
		}
		if depth+1 > p.limits.MaxDepth {
			p.diags = append(p.diags, Diagnostic{Pos: d.Pos, Severity: SevError, Code: CodeLimit,
				Message: fmt.Sprintf("blocks and includes nested too deep (limit %d)", p.limits.MaxDepth)})
			return
		}
		if chain := p.cycle(f); chain != "" {
			p.diags = append(p.diags, Diagnostic{Pos: d.Pos, Severity: SevError, Code: CodeIncludeCycle,
				Message: fmt.Sprintf("include cycle: %q includes itself (%s)", f, chain)})
			continue
		}
		src, diag := p.read(f, &d.Pos)
		if diag != nil {
			p.diags = append(p.diags, *diag)
			continue
		}
		p.stack = append(p.stack, includeFrame{path: f, real: realPath(f)})
		list := p.parseText(f, src, &from, scanOptions{depth: depth + 1, inHandler: inHandler})
		p.stack = p.stack[:len(p.stack)-1]
		d.Includes = append(d.Includes, &File{Path: f, Directives: list})
	}
}

// includeFrame is one file of the include chain being parsed.
type includeFrame struct {
	path string // as named (for messages)
	real string // with symlinks resolved (for comparing)
}

// cycle returns the include chain "a -> b -> a" when f is already being
// parsed (also under another name, through a symlink), or "".
func (p *parser) cycle(f string) string {
	real := realPath(f)
	for i, fr := range p.stack {
		if fr.real == real {
			names := make([]string, 0, len(p.stack)-i+1)
			for _, g := range p.stack[i:] {
				names = append(names, g.path)
			}
			return strings.Join(append(names, f), " -> ")
		}
	}
	return ""
}

// realPath resolves symlinks in path, or returns it unchanged when that
// fails (the file may not exist; opening it will report why).
func realPath(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}

// globPOSIX expands pattern like glob(3) without flags, as nginx calls it:
// matches sorted, and a leading "." of a name matched only by a literal "."
// in the pattern (so "*" skips dotfiles). A pattern matching nothing gives
// nothing, which nginx accepts.
func globPOSIX(pattern string) []string {
	dir, rest := "/", strings.TrimPrefix(pattern, "/")
	if !filepath.IsAbs(pattern) {
		dir = "."
	}
	matches := globIn(dir, strings.Split(rest, "/"))
	sort.Strings(matches)
	return matches
}

// globIn matches the path components comps below dir.
func globIn(dir string, comps []string) []string {
	for len(comps) > 0 && !hasGlobMeta(comps[0]) {
		dir = filepath.Join(dir, unescapeGlob(comps[0]))
		comps = comps[1:]
	}
	if len(comps) == 0 {
		if _, err := os.Lstat(dir); err != nil {
			return nil
		}
		return []string{dir}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	comp := strings.ReplaceAll(comps[0], "[!", "[^") // POSIX negation
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(comps[0], ".") {
			continue
		}
		ok, err := filepath.Match(comp, name)
		if err != nil || !ok {
			continue
		}
		if len(comps) == 1 {
			out = append(out, filepath.Join(dir, name))
			continue
		}
		out = append(out, globIn(filepath.Join(dir, name), comps[1:])...)
	}
	return out
}

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }

func unescapeGlob(s string) string { return strings.ReplaceAll(s, `\`, "") }

// errTooLarge is returned by readLimited for a file over the size limit.
type errTooLarge struct{}

func (errTooLarge) Error() string { return "file too large" }

// errIsDir mirrors the error nginx gets reading a directory.
var errIsDir = syscall.EISDIR

// readLimited reads path, refusing more than limit bytes (also for special
// files whose size stat cannot tell). Errors are worded as nginx words them.
func readLimited(path string, limit int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.New(nginxSysError("open()", path, err))
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errors.New(nginxSysError("pread()", path, errIsDir))
	}
	src, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, errors.New(nginxSysError("pread()", path, err))
	}
	if len(src) > limit {
		return nil, errTooLarge{}
	}
	return src, nil
}

// nginxSysError renders a failed system call as nginx logs it:
// `open() "/etc/nginx/x.conf" failed (2: No such file or directory)`.
func nginxSysError(op, path string, err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		if msg != "" {
			msg = strings.ToUpper(msg[:1]) + msg[1:]
		}
		return fmt.Sprintf(`%s "%s" failed (%d: %s)`, op, path, int(errno), msg)
	}
	return fmt.Sprintf(`%s "%s" failed (%v)`, op, path, err)
}
