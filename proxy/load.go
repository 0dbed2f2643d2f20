package proxy

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/access"
	"sliceproxy/proxy/accesslog"
	"sliceproxy/proxy/auth"
	"sliceproxy/proxy/rewrite"
	"sliceproxy/proxy/route"
	"sliceproxy/proxy/static"
	"sliceproxy/upstream"
	"sliceproxy/vars"
)

// LoadOptions are the process facts Load needs besides the configuration.
type LoadOptions struct {
	// Prefix is nginx's -p: relative paths (logs, pid, root) resolve
	// against it. Defaults to the configuration's Prefix.
	Prefix string
	// ErrorLog is -e: the error log used when the configuration has no
	// error_log at the main level ("stderr" allowed). Default
	// PREFIX/logs/error.log as nginx.
	ErrorLog string
	// Root tells whether the process runs as root (the default listen port
	// is 80 then, else 8000, as nginx). Defaults to os.Geteuid() == 0.
	Root *bool
	// Hostname for $hostname and server_name $hostname; os.Hostname().
	Hostname string
	// Upstream passes clocks and resolvers to upstream.Build (tests).
	Upstream upstream.Options
	// NoOpenLogs builds log configuration without opening files (lint).
	NoOpenLogs bool
	// RuntimeSocketIO reads and writes client and upstream sockets through
	// Go's net.Conn. By default (false) they use raw system calls where the
	// platform has them (http1.RawSocket, Linux TCP and unix sockets): less
	// CPU per request and no thread handoffs around each write, measured in
	// proxy/perf/NOTES.md. It overrides Upstream.RawSocketIO. The switch is
	// there to compare the two, and as a way back.
	RuntimeSocketIO bool
}

// Load builds a Runtime from a parsed configuration: variables and maps,
// upstream groups with their pools, servers with their locations, listen
// sockets, logs. Problems are diagnostics in nginx's words; the runtime is
// nil when any of them is an error. Every directive is either applied here
// or by the package that owns it, or reported by nginxconf's table as
// ignored/unsupported: an Implemented directive nobody applies is a
// warning, never silently dropped.
func Load(cfg *nginxconf.Config, opt LoadOptions) (*Runtime, []nginxconf.Diagnostic) {
	l := &loader{opt: opt, cfg: cfg}
	if l.opt.Prefix == "" {
		l.opt.Prefix = cfg.Prefix
	}
	if l.opt.Root == nil {
		root := os.Geteuid() == 0
		l.opt.Root = &root
	}
	if l.opt.Hostname == "" {
		l.opt.Hostname, _ = os.Hostname()
	}
	rt := l.load()
	for _, d := range l.diags {
		if d.Severity == nginxconf.SevError {
			if rt != nil {
				rt.Close()
			}
			return nil, l.diags
		}
	}
	return rt, l.diags
}

// loader carries one Load.
type loader struct {
	opt   LoadOptions
	cfg   *nginxconf.Config
	diags []nginxconf.Diagnostic

	rt      *Runtime
	reg     *vars.Registry
	set     *upstream.Set
	logs    *accesslog.Set
	statics *static.Builder
	// compiled caches constant templates ($proxy_host, "close").
	compiled map[string]*vars.Template
	// authFiles is the auth_basic user file cache of this Runtime.
	authFiles *auth.FileCache
}

func (l *loader) errorf(pos nginxconf.Pos, code, format string, args ...any) {
	l.diags = append(l.diags, nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(pos nginxconf.Pos, code, format string, args ...any) {
	l.diags = append(l.diags, nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevWarning, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) add(diags []nginxconf.Diagnostic) { l.diags = append(l.diags, diags...) }

func (l *loader) load() *Runtime {
	rt := &Runtime{rawSocketIO: !l.opt.RuntimeSocketIO}
	l.opt.Upstream.RawSocketIO = rt.rawSocketIO
	l.rt = rt
	rt.main = mainConf{workerConnections: 512, pidPath: "logs/nginx.pid"}
	top := l.cfg.Directives()
	var http *nginxconf.Directive
	var errorLogs []*nginxconf.Directive
	for _, d := range top {
		switch d.Name {
		case "http":
			http = d
		case "error_log":
			errorLogs = append(errorLogs, d)
		default:
			l.mainDirective(d)
		}
	}
	rt.main.pidPath = l.path(rt.main.pidPath)
	l.openErrorLog(errorLogs)

	l.reg = vars.NewRegistry(vars.RegistryOptions{Hostname: l.opt.Hostname, DeferUnknown: true})
	rt.reg = l.reg
	l.compiled = make(map[string]*vars.Template)
	if http == nil {
		l.set, _ = upstream.Build(nil, l.reg, l.opt.Upstream)
		rt.upstreams = l.set
		return rt
	}
	body := http.Body()
	l.add(l.reg.LoadMaps(body))
	l.add(rewrite.DeclareSets(body, l.reg))
	var diags []nginxconf.Diagnostic
	uopt := l.opt.Upstream
	if uopt.Log.GetLevel() == 0 && rt.errorLog != nil && rt.errorLog.el != nil {
		uopt.Log = *rt.errorLog.el.Logger()
	}
	l.set, diags = upstream.Build(body, l.reg, uopt)
	l.add(diags)
	rt.upstreams = l.set
	l.logs = accesslog.NewSet(l.reg, accesslog.Options{Prefix: l.opt.Prefix})
	l.add(l.logs.LoadFormats(body))
	if rt.logs == nil {
		rt.logs = &logSet{}
	}
	rt.logs.access = l.logs
	l.statics = static.NewBuilder(l.reg, static.Options{Prefix: l.opt.Prefix})

	base := defaultLocConf()
	l.applyLevel(base, body, levelHTTP, nil)
	l.errorPages(base, body)
	l.accessRules(base, body)
	l.mimeTypes(base, body)
	l.finishLoc(base)
	var sdiags []nginxconf.Diagnostic
	base.static, sdiags = l.statics.Merge(nil, static.Level{Directives: body})
	l.add(sdiags)
	base.accessLog, sdiags = l.logs.Merge(nil, body)
	l.add(sdiags)
	httpHeaderTimeout := 60 * time.Second
	httpBufs := headerBufConf{}
	for _, d := range body {
		switch d.Name {
		case "client_header_timeout":
			httpHeaderTimeout = l.duration(d, httpHeaderTimeout)
		case "large_client_header_buffers", "underscores_in_headers", "ignore_invalid_headers", "merge_slashes":
			httpBufs = l.headerBuffers(d, httpBufs)
		}
	}

	for _, d := range body {
		if d.Name != "server" || !d.IsBlock {
			continue
		}
		l.server(d, base, httpHeaderTimeout, httpBufs)
	}
	l.buildSockets()
	l.add(l.reg.Unresolved())
	if !l.opt.NoOpenLogs {
		if err := l.logs.Open(); err != nil {
			l.errorf(http.Pos, "access-log", "%v", err)
		}
	}
	return rt
}

// mainDirective applies a main-context directive.
func (l *loader) mainDirective(d *nginxconf.Directive) {
	m := &l.rt.main
	switch d.Name {
	case "worker_processes":
		if len(d.Args) == 1 {
			if d.Args[0].Value == "auto" {
				m.workerProcesses = 0
			} else if n, err := nginxconf.ParseInt(d.Args[0].Value); err == nil {
				m.workerProcesses = int(n)
			} else {
				l.errorf(d.Pos, "value", "invalid value \"%s\" in \"worker_processes\" directive", d.Args[0].Value)
			}
		}
	case "events":
		for _, e := range d.Body() {
			if e.Name == "worker_connections" && len(e.Args) == 1 {
				n, err := nginxconf.ParseInt(e.Args[0].Value)
				if err != nil {
					l.errorf(e.Pos, "value", "invalid number \"%s\" in \"worker_connections\" directive", e.Args[0].Value)
					continue
				}
				m.workerConnections = int(n)
			}
		}
	case "pid":
		if len(d.Args) == 1 {
			if d.Args[0].Value == "off" {
				m.pidPath = ""
			} else {
				m.pidPath = d.Args[0].Value
			}
		}
	case "user":
		if len(d.Args) >= 1 {
			m.user = d.Args[0].Value
			m.group = m.user
			if len(d.Args) == 2 {
				m.group = d.Args[1].Value
			}
		}
	case "daemon":
		if len(d.Args) == 1 && strings.EqualFold(d.Args[0].Value, "on") {
			m.daemon = true
			l.warnf(d.Pos, "daemon", "\"daemon on\" is not supported: sliceproxy stays in the foreground (use a service manager)")
		}
	}
}

// path resolves a path against the prefix.
func (l *loader) path(p string) string {
	if p == "" || strings.HasPrefix(p, "/") {
		return p
	}
	prefix := l.opt.Prefix
	if prefix == "" {
		return p
	}
	return strings.TrimSuffix(prefix, "/") + "/" + p
}

// openErrorLog opens the main error_log targets (or -e / the default).
func (l *loader) openErrorLog(ds []*nginxconf.Directive) {
	var targets []accesslog.ErrorTarget
	for _, d := range ds {
		if len(d.Args) == 0 {
			continue
		}
		lvl := accesslog.LevelError
		if len(d.Args) > 1 {
			if v, ok := accesslog.ParseLevel(d.Args[1].Value); ok {
				lvl = v
			} else {
				l.errorf(d.Args[1].Pos, "value", "invalid log level \"%s\"", d.Args[1].Value)
			}
		}
		p := d.Args[0].Value
		if strings.HasPrefix(p, "syslog:") || strings.HasPrefix(p, "memory:") {
			l.warnf(d.Pos, "error-log", "error_log to %s is not supported; logging to stderr", p)
			p = "stderr"
		}
		targets = append(targets, accesslog.ErrorTarget{Path: p, Level: lvl})
	}
	if len(targets) == 0 {
		p := l.opt.ErrorLog
		if p == "" {
			p = "logs/error.log"
		}
		targets = append(targets, accesslog.ErrorTarget{Path: p, Level: accesslog.LevelError})
	}
	if l.opt.NoOpenLogs {
		return
	}
	el, err := accesslog.OpenErrorLog(targets, accesslog.ErrorLogOptions{Prefix: l.opt.Prefix})
	if err != nil {
		pos := nginxconf.Pos{}
		if len(ds) > 0 {
			pos = ds[0].Pos
		}
		l.errorf(pos, "error-log", "%v", err)
		return
	}
	l.rt.errorLog = newErrorLog(el)
	l.rt.logs = &logSet{errlog: el}
}

// compile compiles a template, reporting errors at pos.
func (l *loader) compile(s string, pos nginxconf.Pos) *vars.Template {
	t, err := l.reg.Compile(s, pos)
	if err != nil {
		if d, ok := err.(nginxconf.Diagnostic); ok {
			l.diags = append(l.diags, d)
		} else {
			l.errorf(pos, "variable", "%v", err)
		}
		return nil
	}
	return t
}

// constTemplate compiles a built-in value once.
func (l *loader) constTemplate(s string) *vars.Template {
	if t, ok := l.compiled[s]; ok {
		return t
	}
	t := l.compile(s, nginxconf.Pos{File: "(built-in)"})
	l.compiled[s] = t
	return t
}

// server builds one server block.
func (l *loader) server(d *nginxconf.Directive, base *locConf, headerTimeout time.Duration, bufs headerBufConf) {
	body := d.Body()
	sc := &serverConf{index: len(l.rt.servers), headerTimeout: headerTimeout, headerBufs: bufs}
	names, diags := route.CompileServerNames(body, route.NameOptions{Hostname: l.opt.Hostname, Registry: l.reg})
	l.add(diags)
	sc.names = names
	sc.primaryName = names.Primary()
	conf := base.child()
	l.applyLevel(conf, body, levelServer, nil)
	conf.static, diags = l.statics.Merge(base.static, static.Level{Directives: body})
	l.add(diags)
	conf.accessLog, diags = l.logs.Merge(base.accessLog, body)
	l.add(diags)
	l.errorPages(conf, body)
	l.accessRules(conf, body)
	l.mimeTypes(conf, body)
	l.finishLoc(conf)
	sc.conf = conf
	for _, x := range body {
		switch x.Name {
		case "client_header_timeout":
			sc.headerTimeout = l.duration(x, sc.headerTimeout)
		case "large_client_header_buffers", "underscores_in_headers", "ignore_invalid_headers", "merge_slashes":
			sc.headerBufs = l.headerBuffers(x, sc.headerBufs)
		case "listen":
			ls, err := parseListen(x)
			if err != nil {
				l.errorf(x.Pos, "listen", "%v", err)
				continue
			}
			sc.listens = append(sc.listens, ls)
		}
	}
	if len(sc.listens) == 0 {
		sc.listens = append(sc.listens, defaultListen(*l.opt.Root))
	}
	sc.rewrite = l.compileRewrite(body, levelServer, conf, nil)
	tree, diags := route.Build[*locationConf](body, route.BuildOptions{Registry: l.reg})
	l.add(diags)
	sc.locations = tree
	sc.tls = l.serverTLS(body, conf)
	for _, loc := range tree.Locations() {
		l.location(sc, loc)
	}
	l.rt.servers = append(l.rt.servers, sc)
}

// location builds one location's payload (parents first: Locations lists
// them in configuration order, a parent before its children).
func (l *loader) location(sc *serverConf, loc *route.Location[*locationConf]) {
	if loc.Payload != nil {
		return
	}
	parentConf := sc.conf
	if loc.Parent != nil {
		if loc.Parent.Payload == nil {
			l.location(sc, loc.Parent)
		}
		parentConf = loc.Parent.Payload.conf
	}
	d := loc.Directive
	body := d.Body()
	lc := &locationConf{
		regex:    loc.Kind == route.Regex || loc.Kind == route.RegexCaseless,
		named:    loc.Kind == route.Named,
		internal: loc.Internal,
	}
	if !lc.regex && !lc.named {
		lc.prefix = loc.Name
	}
	loc.Payload = lc
	conf := parentConf.child()
	conf.limitExcept = nil // not inherited by nested locations (s1_limit_except.go)
	l.applyLevel(conf, body, levelLocation, lc)
	var diags []nginxconf.Diagnostic
	conf.static, diags = l.statics.Merge(parentConf.static, static.Level{
		Directives: body, Location: loc.Name, Regex: lc.regex, Named: lc.named,
	})
	l.add(diags)
	conf.accessLog, diags = l.logs.Merge(parentConf.accessLog, body)
	l.add(diags)
	l.errorPages(conf, body)
	l.accessRules(conf, body)
	l.mimeTypes(conf, body)
	l.finishLoc(conf)
	lc.conf = conf
	lc.rewrite = l.compileRewrite(body, levelLocation, conf, lc)
}

// finishLoc computes the derived parts of a level once its directives are
// applied.
func (l *loader) finishLoc(conf *locConf) {
	conf.proxyHeaders = mergeProxyHeaders(conf.setHeaders, l.constTemplate)
}

// workerProcs is the GOMAXPROCS worker_processes asks for.
func (m mainConf) workerProcs() int {
	if m.workerProcesses <= 0 {
		return runtime.NumCPU()
	}
	return m.workerProcesses
}

// accessRules applies the level's allow and deny directives: a level with
// any replaces the inherited list (ngx_http_access_merge_loc_conf). An if
// block cannot hold them (nginxconf.Check says so), so it keeps its
// location's list.
func (l *loader) accessRules(conf *locConf, body []*nginxconf.Directive) {
	rules, diags := access.Compile(body)
	l.add(diags)
	if rules != nil {
		conf.access = rules
	}
	// satisfy, auth_basic and limit_except (s1_limit_except.go).
	l.s1AccessLevel(conf, body)
}

// errorPages applies the level's error_page directives: a level with any
// replaces the inherited table.
func (l *loader) errorPages(conf *locConf, body []*nginxconf.Directive) {
	ep, diags := rewrite.CompileErrorPages(body, l.reg)
	l.add(diags)
	if ep != nil {
		conf.errorPages = ep
	}
}
