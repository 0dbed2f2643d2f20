package accesslog

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// target is one access_log of a level.
type target struct {
	file   *File          // nil when path or syslog is set
	path   *vars.Template // a file name with variables, opened per line
	syslog *syslogPeer    // access_log syslog:...
	format *Format
	filter *vars.Template // if=; nil when absent
}

// Config is the merged access_log setting of one level.
type Config struct {
	set     *Set
	targets []target
	off     bool
	unset   bool // http level without access_log: children get the default
}

// Enabled reports whether requests at this level are logged at all.
func (c *Config) Enabled() bool { return c != nil && !c.off && len(c.targets) > 0 }

// Merge builds the access_log setting of one level from its statements,
// inheriting parent's (nil at the http level) when the level has none, as
// ngx_http_log_merge_loc_conf does; the top gets DefaultPath in combined.
func (s *Set) Merge(parent *Config, level []*nginxconf.Directive) (*Config, []nginxconf.Diagnostic) {
	c := &Config{set: s}
	var diags []nginxconf.Diagnostic
	for _, d := range level {
		if d.Name != "access_log" || len(d.Args) == 0 {
			continue
		}
		if d.Args[0].Value == "off" {
			c.off = true
			if len(d.Args) > 1 {
				diags = append(diags, diag(d.Pos, "invalid parameter \"%s\"", d.Args[1].Value))
			}
			continue
		}
		// A warning may come with a usable target (pipe:rollback).
		t, err := s.parseAccessLog(d)
		if err != nil {
			diags = append(diags, asDiagnostic(d.Pos, err))
		}
		if t != nil {
			c.targets = append(c.targets, *t)
		}
	}
	if c.off || len(c.targets) > 0 {
		return c, diags
	}
	if parent == nil {
		// The http level itself is never merged in nginx: without an
		// access_log it stays unset, and only a server or location that
		// ends up with nothing gets the default log (so the default file is
		// not even opened when every server names its own).
		c.unset = true
		return c, diags
	}
	if !parent.unset {
		c.targets, c.off = parent.targets, parent.off
		return c, diags
	}
	f, err := s.combined(nginxconf.Pos{})
	if err != nil {
		return c, append(diags, asDiagnostic(nginxconf.Pos{}, err))
	}
	file, _ := s.file(s.fullPath(s.opt.DefaultPath), 0, 0, 0)
	c.targets = []target{{file: file, format: f}}
	return c, diags
}

func (s *Set) fullPath(p string) string {
	if filepath.IsAbs(p) || s.opt.Prefix == "" {
		return p
	}
	return filepath.Join(s.opt.Prefix, p)
}

// parseAccessLog is ngx_http_log_set_log for one "access_log PATH ...".
// A target sliceproxy skips comes back nil with a warning; a target it
// writes differently (pipe:rollback) comes back with a warning.
func (s *Set) parseAccessLog(d *nginxconf.Directive) (*target, error) {
	path := d.Args[0].Value
	if why := UnsupportedTarget(path); why != "" {
		return nil, nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevWarning, Code: "unsupported",
			Message: fmt.Sprintf("access_log %s is not supported: \"%s\" is ignored", why, path)}
	}
	var warning *nginxconf.Diagnostic
	if isRollback(path) {
		file := rollbackPath(path)
		warning = &nginxconf.Diagnostic{Pos: d.Pos, Severity: nginxconf.SevWarning, Code: "unsupported",
			Message: fmt.Sprintf("tengine's \"pipe:rollback\" rotation is not supported: the log is written to \"%s\" (rotate it with logrotate and USR1)", file)}
		path = file
	}
	var peer *syslogPeer
	if spec, ok := strings.CutPrefix(path, "syslog:"); ok {
		p, err := parseSyslog(spec)
		if err != nil {
			return nil, diag(d.Pos, "%v", err)
		}
		peer = p
	}
	scripted := peer == nil && strings.IndexByte(path, '$') >= 0
	name := "combined"
	if len(d.Args) >= 2 {
		name = d.Args[1].Value
	}
	var format *Format
	if name == "combined" {
		f, err := s.combined(d.Pos)
		if err != nil {
			return nil, err
		}
		format = f
	} else {
		for n, f := range s.formats {
			if strings.EqualFold(n, name) {
				format = f
				break
			}
		}
	}
	if format == nil {
		return nil, diag(d.Pos, "unknown log format \"%s\"", name)
	}
	var size, gzipLevel int
	var flush time.Duration
	t := &target{format: format}
	for _, a := range d.Args[min(2, len(d.Args)):] {
		v := a.Value
		switch {
		case strings.HasPrefix(v, "buffer="):
			n, err := nginxconf.ParseSize(v[len("buffer="):])
			if err != nil || n == 0 || n > 1<<30 {
				return nil, diag(d.Pos, "invalid buffer size \"%s\"", v[len("buffer="):])
			}
			size = int(n)
		case strings.HasPrefix(v, "flush="):
			dur, err := nginxconf.ParseMsec(v[len("flush="):])
			if err != nil || dur == 0 {
				return nil, diag(d.Pos, "invalid flush time \"%s\"", v[len("flush="):])
			}
			flush = dur
		case v == "gzip" || strings.HasPrefix(v, "gzip="):
			if size == 0 {
				size = 64 * 1024
			}
			gzipLevel = 1
			if v != "gzip" {
				n, err := strconv.Atoi(v[len("gzip="):])
				if err != nil || n < 1 || n > 9 {
					return nil, diag(d.Pos, "invalid compression level \"%s\"", v[len("gzip="):])
				}
				gzipLevel = n
			}
		case strings.HasPrefix(v, "if="):
			tmpl, err := s.reg.Compile(v[len("if="):], a.Pos)
			if err != nil {
				return nil, err
			}
			t.filter = tmpl
		default:
			return nil, diag(d.Pos, "invalid parameter \"%s\"", v)
		}
	}
	if flush > 0 && size == 0 {
		return nil, diag(d.Pos, "no buffer is defined for access_log \"%s\"", path)
	}
	if peer != nil {
		if size > 0 {
			return nil, diag(d.Pos, "logs to syslog cannot be buffered")
		}
		t.syslog = peer
		s.syslogs = append(s.syslogs, peer)
		return t, nil
	}
	if scripted {
		if size > 0 {
			return nil, diag(d.Pos, "buffered logs cannot have variables in name")
		}
		tmpl, err := s.reg.Compile(s.fullPath(path), d.Args[0].Pos)
		if err != nil {
			return nil, err
		}
		t.path = tmpl
		return t, nil
	}
	if _, isPipe := pipeCommand(path); !isPipe {
		path = s.fullPath(path)
	}
	file, err := s.file(path, size, flush, gzipLevel)
	if err != nil {
		return nil, diag(d.Pos, "access_log \"%s\" %v", d.Args[0].Value, err)
	}
	t.file = file
	if warning != nil {
		return t, *warning
	}
	return t, nil
}

// UnsupportedTarget says why a log destination cannot be written ("to
// memory", "to an empty pipe"), or "" for a file path, "stderr", syslog:
// or one of tengine's pipes. sliceproxy skips such a target with a warning.
func UnsupportedTarget(path string) string {
	switch {
	case path == "pipe:" || (isRollback(path) && rollbackPath(path) == ""):
		return "to an empty pipe"
	case strings.HasPrefix(path, "memory:"):
		return "to memory"
	}
	return ""
}

// file returns the shared File for path, creating it; buffered parameters
// must agree between the access_logs that share a file.
func (s *Set) file(path string, size int, flush time.Duration, gzipLevel int) (*File, error) {
	if f, ok := s.files[path]; ok {
		if size == 0 {
			return f, nil
		}
		if f.size != 0 && (f.size != size || f.flush != flush || f.gzip != gzipLevel) {
			return nil, errors.New("already defined with conflicting parameters")
		}
		f.size, f.flush, f.gzip = size, flush, gzipLevel
		return f, nil
	}
	f := &File{Path: path, size: size, flush: flush, gzip: gzipLevel, onError: s.opt.OnWriteError}
	s.files[path] = f
	s.order = append(s.order, f)
	return f, nil
}

// Log writes one line per access_log of this level for req (nginx's log
// phase). if= skips a log whose condition is "" or "0".
func (c *Config) Log(req *vars.Request) {
	if !c.Enabled() {
		return
	}
	s := c.set
	now := s.opt.Now()
	bp := s.bufs.Get().(*[]byte)
	for i := range c.targets {
		t := &c.targets[i]
		if t.filter != nil {
			v := t.filter.Eval(req, (*bp)[:0])
			*bp = v[:0]
			if len(v) == 0 || (len(v) == 1 && v[0] == '0') {
				continue
			}
		}
		if t.syslog != nil {
			msg := t.syslog.appendHeader((*bp)[:0], t.syslog.severity, now)
			msg = t.format.Append(msg, req, now)
			if err := t.syslog.send(msg); err != nil {
				s.reportWrite("syslog:"+t.syslog.addr, err)
			}
			*bp = msg[:0]
			continue
		}
		line := t.format.Append((*bp)[:0], req, now)
		line = append(line, '\n')
		if t.path != nil {
			s.writeScripted(t.path, req, line)
		} else {
			t.file.write(line, now)
		}
		*bp = line[:0]
	}
	if cap(*bp) <= 64*1024 { // don't keep a giant buffer around
		s.bufs.Put(bp)
	}
}

// writeScripted writes a line to a log whose name has variables. Like nginx
// without open_log_file_cache, it opens the file for each line (O_APPEND
// keeps concurrent lines whole) and closes it again. A name that would
// leave its directory through ".." or holds a NUL is refused.
func (s *Set) writeScripted(tmpl *vars.Template, req *vars.Request, line []byte) {
	var buf [256]byte
	name := string(tmpl.Eval(req, buf[:0]))
	if name == "" || strings.Contains(name, "/../") || strings.HasSuffix(name, "/..") || strings.IndexByte(name, 0) >= 0 {
		s.reportWrite(name, errors.New("refused log file name"))
		return
	}
	if !filepath.IsAbs(name) {
		name = s.fullPath(name)
	}
	f, err := openLogFile(name)
	if err != nil {
		s.reportWrite(name, err)
		return
	}
	if _, err := f.Write(line); err != nil {
		s.reportWrite(name, err)
	}
	if err := f.Close(); err != nil {
		s.reportWrite(name, err)
	}
}

func (s *Set) reportWrite(path string, err error) {
	if s.opt.OnWriteError != nil {
		s.opt.OnWriteError(path, err)
	}
}
