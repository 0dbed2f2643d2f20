package upstream

import (
	"fmt"
	"net"
	"strings"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// Build builds every upstream {} block of an http block's directives.
// Problems come back as diagnostics at file:line in nginx's words; a group
// with an error is left out of the Set.
func Build(http []*nginxconf.Directive, reg *vars.Registry, opt Options) (*Set, []nginxconf.Diagnostic) {
	if opt.Clock == nil {
		opt.Clock = SystemClock{}
	}
	if opt.Resolver == nil {
		opt.Resolver = net.DefaultResolver
	}
	if opt.ResolveTimeout <= 0 {
		opt.ResolveTimeout = 5 * time.Second
	}
	s := &Set{groups: make(map[string]*Group), implicit: make(map[string]*Group), opt: opt}
	var diags []nginxconf.Diagnostic
	for _, d := range nginxconf.Expand(http) {
		if d.Name != "upstream" {
			continue
		}
		b := &groupBuilder{reg: reg, opt: opt}
		g := b.build(d)
		diags = append(diags, b.diags...)
		if g == nil {
			continue
		}
		key := strings.ToLower(g.Name)
		if _, dup := s.groups[key]; dup {
			diags = append(diags, errAt(d.Pos, "duplicate upstream \""+g.Name+"\"", "duplicate"))
			g.Pool.Close()
			continue
		}
		if b.failed {
			g.Pool.Close()
			continue
		}
		s.groups[key] = g
		s.order = append(s.order, g)
	}
	return s, diags
}

// groupBuilder collects one upstream block's diagnostics.
type groupBuilder struct {
	reg     *vars.Registry
	hashKey *vars.Template
	opt     Options
	diags   []nginxconf.Diagnostic
	failed  bool
}

func errAt(pos nginxconf.Pos, msg, code string) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Message: msg, Code: code}
}

func (b *groupBuilder) errorf(pos nginxconf.Pos, code, format string, args ...any) {
	b.diags = append(b.diags, errAt(pos, fmt.Sprintf(format, args...), code))
	b.failed = true
}

func (b *groupBuilder) warnf(pos nginxconf.Pos, code, format string, args ...any) {
	b.diags = append(b.diags, nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevWarning, Message: fmt.Sprintf(format, args...), Code: code})
}

// keepaliveConf is the upstream block's keepalive directives.
type keepaliveConf struct {
	set       bool
	pos       nginxconf.Pos
	max       int
	poolSize  int
	keyLen    int
	sliceKey  *vars.Template
	sliceConn int
	hasConn   bool
	dyn       string
	dynPos    nginxconf.Pos
	timeout   time.Duration
	timeoutOK bool
	requests  int
	lifetime  time.Duration
	seen      map[string]bool
}

func (b *groupBuilder) build(d *nginxconf.Directive) *Group {
	if len(d.Args) != 1 {
		b.errorf(d.Pos, "args", "invalid number of arguments in \"upstream\" directive")
		return nil
	}
	g := &Group{Name: d.Args[0].Value, Pos: d.Pos, clock: b.opt.Clock}
	ka := keepaliveConf{seen: map[string]bool{}}
	methodSet := false
	type pendingServer struct {
		d    *nginxconf.Directive
		addr serverAddress
		tmpl Peer
	}
	var servers []pendingServer
	for _, sd := range d.Body() {
		switch sd.Name {
		case "server":
			addr, tmpl, ok := b.server(sd, g.Method, methodSet)
			if ok {
				servers = append(servers, pendingServer{sd, addr, tmpl})
			}
		case "least_conn", "ip_hash", "hash", "random":
			if methodSet {
				b.warnf(sd.Pos, "method-redefined", "load balancing method redefined")
			}
			m, ok := b.method(sd)
			if !ok {
				continue
			}
			if m != MethodRoundRobin && m != MethodLeastConn {
				for _, s := range servers {
					if s.tmpl.Backup {
						b.warnf(sd.Pos, "backup-ignored", "\"backup\" servers are used by %q only when it falls back to round robin", m.String())
						break
					}
				}
			}
			g.Method, methodSet = m, true
		case "keepalive":
			b.keepalive(sd, &ka)
		case "keepalive_timeout", "keepalive_time":
			if b.dup(sd, &ka) || !b.nargs(sd, 1) {
				continue
			}
			t, err := nginxconf.ParseTime(sd.Args[0].Value)
			if err != nil {
				b.errorf(sd.Args[0].Pos, "value", "invalid value \"%s\" in \"%s\" directive", sd.Args[0].Value, sd.Name)
				continue
			}
			if sd.Name == "keepalive_timeout" {
				ka.timeout, ka.timeoutOK = t, true
			} else {
				ka.lifetime = t
				if t == 0 {
					ka.lifetime = time.Nanosecond // nginx: any age > 0 is too old
				}
			}
		case "keepalive_requests":
			if b.dup(sd, &ka) || !b.nargs(sd, 1) {
				continue
			}
			n, err := nginxconf.ParseInt(sd.Args[0].Value)
			if err != nil || n > 1<<31 {
				b.errorf(sd.Args[0].Pos, "value", "invalid value \"%s\" in \"%s\" directive", sd.Args[0].Value, sd.Name)
				continue
			}
			ka.requests = int(n)
			if n == 0 {
				ka.requests = 1 // nginx: c->requests >= 0 always, never kept
			}
		}
	}
	if len(servers) == 0 {
		b.errorf(d.Pos, "no-servers", "no servers are inside upstream")
		return nil
	}
	for _, s := range servers {
		peers, err := b.opt.peersFor(s.addr, s.tmpl)
		if err != nil {
			b.errorf(s.d.Args[0].Pos, "host-not-found", "%s in upstream \"%s\"", err, s.d.Args[0].Value)
			continue
		}
		g.Peers = append(g.Peers, peers...)
	}
	if len(g.Peers) == 0 {
		return nil
	}
	if g.Method == MethodHash || g.Method == MethodHashConsistent {
		g.hashKey = b.hashKey
	}
	g.finish()
	if ka.set {
		g.Pool = b.pool(g, &ka)
	}
	return g
}

// dup reports a keepalive_* directive given twice ("is duplicate").
func (b *groupBuilder) dup(d *nginxconf.Directive, ka *keepaliveConf) bool {
	if ka.seen[d.Name] {
		b.errorf(d.Pos, "duplicate", "\"%s\" directive is duplicate", d.Name)
		return true
	}
	ka.seen[d.Name] = true
	return false
}

func (b *groupBuilder) nargs(d *nginxconf.Directive, n int) bool {
	if len(d.Args) != n {
		b.errorf(d.Pos, "args", "invalid number of arguments in \"%s\" directive", d.Name)
		return false
	}
	return true
}

// server parses "server ADDRESS [weight=N] [max_fails=N] [fail_timeout=T]
// [backup] [down] [max_conns=N]" (ngx_http_upstream_server).
func (b *groupBuilder) server(d *nginxconf.Directive, m Method, methodSet bool) (serverAddress, Peer, bool) {
	if len(d.Args) < 1 {
		b.errorf(d.Pos, "args", "invalid number of arguments in \"server\" directive")
		return serverAddress{}, Peer{}, false
	}
	addrArg := d.Args[0]
	addr, err := parseServerAddress(addrArg.Value)
	if err != nil {
		b.errorf(addrArg.Pos, "server-address", "%s in upstream \"%s\"", err, addrArg.Value)
		return serverAddress{}, Peer{}, false
	}
	p := Peer{Server: addrArg.Value, Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second}
	ok := true
	for _, a := range d.Args[1:] {
		name, val, hasVal := strings.Cut(a.Value, "=")
		bad := func() {
			b.errorf(a.Pos, "server-parameter", "invalid parameter \"%s\"", a.Value)
			ok = false
		}
		switch {
		case hasVal && (name == "weight" || name == "max_fails" || name == "max_conns"):
			n, err := nginxconf.ParseInt(val)
			if err != nil || n > 1<<31 || (name == "weight" && n == 0) {
				bad()
				continue
			}
			switch name {
			case "weight":
				p.Weight = int(n)
			case "max_fails":
				p.MaxFails = int(n)
			default:
				p.MaxConns = int(n)
			}
		case hasVal && name == "fail_timeout":
			t, err := nginxconf.ParseTime(val)
			if err != nil {
				bad()
				continue
			}
			p.FailTimeout = t.Truncate(time.Second)
		case !hasVal && name == "backup":
			if methodSet && m != MethodRoundRobin && m != MethodLeastConn {
				bad()
				continue
			}
			p.Backup = true
		case !hasVal && name == "down":
			p.Down = true
		default:
			bad()
		}
	}
	return addr, p, ok
}

// method parses least_conn, ip_hash, hash KEY [consistent], random [two
// [least_conn]].
func (b *groupBuilder) method(d *nginxconf.Directive) (Method, bool) {
	args := d.ArgValues()
	switch d.Name {
	case "least_conn", "ip_hash":
		if len(args) != 0 {
			b.errorf(d.Pos, "args", "invalid number of arguments in \"%s\" directive", d.Name)
			return 0, false
		}
		if d.Name == "ip_hash" {
			return MethodIPHash, true
		}
		return MethodLeastConn, true
	case "hash":
		if len(args) < 1 || len(args) > 2 {
			b.errorf(d.Pos, "args", "invalid number of arguments in \"hash\" directive")
			return 0, false
		}
		t, err := b.reg.Compile(args[0], d.Args[0].Pos)
		if err != nil {
			b.compileError(d.Args[0].Pos, err)
			return 0, false
		}
		b.hashKey = t
		if len(args) == 1 {
			return MethodHash, true
		}
		if args[1] != "consistent" {
			b.errorf(d.Args[1].Pos, "parameter", "invalid parameter \"%s\"", args[1])
			return 0, false
		}
		return MethodHashConsistent, true
	default: // random
		switch {
		case len(args) == 0:
			return MethodRandom, true
		case len(args) <= 2 && args[0] == "two" && (len(args) == 1 || args[1] == "least_conn"):
			return MethodRandomTwo, true
		}
		bad := d.Args[len(d.Args)-1]
		if args[0] != "two" {
			bad = d.Args[0]
		}
		b.errorf(bad.Pos, "parameter", "invalid parameter \"%s\"", bad.Value)
		return 0, false
	}
}

func (b *groupBuilder) compileError(pos nginxconf.Pos, err error) {
	if d, ok := err.(nginxconf.Diagnostic); ok {
		if d.Pos.File == "" {
			d.Pos = pos
		}
		d.Severity = nginxconf.SevError
		b.diags = append(b.diags, d)
		b.failed = true
		return
	}
	b.errorf(pos, "variable", "%s", err)
}
