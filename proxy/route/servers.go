package route

import (
	"fmt"
	"strings"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// ServerNames are the compiled server_name directives of one server block.
// Compile them once per server and share them between every listen address
// the server is on.
type ServerNames struct {
	names []serverName
}

type serverName struct {
	// text is the name as nginx keeps it: lowercased, "$hostname" replaced,
	// regexes with their "~".
	text string
	re   *pattern
	pos  nginxconf.Pos
}

// NameOptions are what server_name needs from the rest of the load.
type NameOptions struct {
	// Hostname replaces "$hostname" (nginx: gethostname(), lowercased).
	Hostname string
	// Registry declares the named captures of regex names as variables;
	// nil compiles them without (tests, lint of a lone server).
	Registry *vars.Registry
}

// CompileServerNames reads every server_name directive among a server
// block's directives (ngx_http_core_server_name). A server without any gets
// the empty name "", as in nginx.
func CompileServerNames(serverBody []*nginxconf.Directive, opt NameOptions) (*ServerNames, []nginxconf.Diagnostic) {
	sn := &ServerNames{}
	var diags []nginxconf.Diagnostic
	for _, d := range nginxconf.Expand(serverBody) {
		if d.Name != "server_name" {
			continue
		}
		for _, a := range d.Args {
			n, diag := compileServerName(a, opt)
			diags = append(diags, diag...)
			if n != nil {
				sn.names = append(sn.names, *n)
			}
		}
	}
	if len(sn.names) == 0 {
		sn.names = append(sn.names, serverName{text: ""})
	}
	return sn, diags
}

func compileServerName(a nginxconf.Arg, opt NameOptions) (*serverName, []nginxconf.Diagnostic) {
	v := a.Value
	var diags []nginxconf.Diagnostic
	if (strings.HasPrefix(v, "*") && (len(v) < 3 || v[1] != '.')) || (strings.HasPrefix(v, ".") && len(v) < 2) {
		return nil, []nginxconf.Diagnostic{errorAt(a.Pos, "server-name", fmt.Sprintf("server name %q is invalid", v))}
	}
	if strings.Contains(v, "/") {
		diags = append(diags, warningAt(a.Pos, "server-name", fmt.Sprintf("server name %q has suspicious symbols", v)))
	}
	if strings.EqualFold(v, "$hostname") {
		return &serverName{text: strings.ToLower(opt.Hostname), pos: a.Pos}, diags
	}
	if !strings.HasPrefix(v, "~") {
		return &serverName{text: strings.ToLower(v), pos: a.Pos}, diags
	}
	if len(v) == 1 {
		return nil, append(diags, errorAt(a.Pos, "server-name", fmt.Sprintf("empty regex in server name %q", v)))
	}
	// nginx makes the regex caseless when the pattern has an upper-case
	// letter, since the host it is matched against is lowercased.
	re, rdiags := compileRegex(opt.Registry, v[1:], hasUpper(v[1:]), a.Pos)
	diags = append(diags, rdiags...)
	if re == nil {
		return nil, diags
	}
	return &serverName{text: v, re: re, pos: a.Pos}, diags
}

// Primary is $server_name: the first name, a leading "." dropped
// (ngx_http_core_merge_srv_conf).
func (n *ServerNames) Primary() string {
	if n == nil || len(n.names) == 0 {
		return ""
	}
	return strings.TrimPrefix(n.names[0].text, ".")
}

// Names lists the names as nginx keeps them (lowercased, regexes with "~").
func (n *ServerNames) Names() []string {
	out := make([]string, len(n.names))
	for i, s := range n.names {
		out[i] = s.text
	}
	return out
}

// Candidate is one server block listening on an address.
type Candidate struct {
	// Server is the caller's index of the server block; Select returns it.
	Server int
	Names  *ServerNames
	// Default is set by "listen ... default_server" on this address.
	Default bool
	// ListenPos is where the listen directive is, for diagnostics.
	ListenPos nginxconf.Pos
}

// ServerRouter selects the server block for a request on one listen address.
// It is immutable and safe for concurrent use.
type ServerRouter struct {
	addr    string
	exact   map[string]int
	head    labelTrie
	tail    labelTrie
	regexes []regexName
	def     int
}

type regexName struct {
	re     *pattern
	server int
}

// NewServerRouter builds the name lookup of one listen address from the
// servers on it, in configuration order (ngx_http_server_names). addr is the
// address as written in messages ("0.0.0.0:80").
//
// Diagnostics use nginx's words: a name that is not a valid wildcard is an
// error (the name is dropped); the same name twice on one address is a
// warning and the later one is ignored.
func NewServerRouter(addr string, servers []Candidate) (*ServerRouter, []nginxconf.Diagnostic) {
	r := &ServerRouter{addr: addr, exact: make(map[string]int), def: -1}
	var diags []nginxconf.Diagnostic
	// ".example.com" also claims "example.com" against later exact names.
	claimed := make(map[string]bool)
	explicitDefault := false
	for _, c := range servers {
		if c.Default {
			if explicitDefault {
				diags = append(diags, errorAt(c.ListenPos, "listen", "a duplicate default server for "+addr))
			} else {
				r.def, explicitDefault = c.Server, true
			}
		}
		if c.Names == nil {
			continue
		}
		for _, n := range c.Names.names {
			if n.re != nil {
				r.regexes = append(r.regexes, regexName{re: n.re, server: c.Server})
				continue
			}
			diags = append(diags, r.addName(n, c.Server, claimed)...)
		}
	}
	if r.def < 0 && len(servers) > 0 {
		r.def = servers[0].Server
	}
	return r, diags
}

// addName mirrors ngx_hash_add_key with NGX_HASH_WILDCARD_KEY.
func (r *ServerRouter) addName(n serverName, server int, claimed map[string]bool) []nginxconf.Diagnostic {
	name := n.text
	conflict := func() []nginxconf.Diagnostic {
		return []nginxconf.Diagnostic{warningAt(n.pos, "server-name",
			fmt.Sprintf("conflicting server name %q on %s, ignored", name, r.addr))}
	}
	if !validWildcardKey(name) {
		return []nginxconf.Diagnostic{errorAt(n.pos, "server-name",
			fmt.Sprintf("invalid server name or wildcard %q on %s", name, r.addr))}
	}
	switch {
	case len(name) > 1 && name[0] == '.':
		base := name[1:]
		if claimed[base] {
			return conflict()
		}
		// nginx claims the base name before it looks for a conflicting
		// wildcard, so the claim stays even when the wildcard is ignored.
		claimed[base] = true
		if !r.head.insert(reverseLabels(base), server, true) {
			return conflict()
		}
	case len(name) > 2 && name[0] == '*' && name[1] == '.':
		if !r.head.insert(reverseLabels(name[2:]), server, false) {
			return conflict()
		}
	case len(name) > 2 && strings.HasSuffix(name, ".*"):
		if !r.tail.insert(strings.Split(name[:len(name)-2], "."), server, false) {
			return conflict()
		}
	default:
		if claimed[name] {
			return conflict()
		}
		claimed[name] = true
		r.exact[name] = server
	}
	return nil
}

// validWildcardKey: at most one "*", no "..", no NUL, and a "*" only in the
// "*.x" or "x.*" positions.
func validWildcardKey(name string) bool {
	if strings.Count(name, "*") > 1 || strings.Contains(name, "..") || strings.IndexByte(name, 0) >= 0 {
		return false
	}
	if !strings.Contains(name, "*") {
		return true
	}
	if len(name) > 1 && name[0] == '.' {
		// ".*" is caught by the explicit checks below only in nginx's
		// order: ".example.*" is a head wildcard key with a "*" label.
		return true
	}
	return len(name) > 2 && (strings.HasPrefix(name, "*.") || strings.HasSuffix(name, ".*"))
}

// Default returns the server used when no name matches.
func (r *ServerRouter) Default() int { return r.def }

// Select returns the server for host, which should already be validated
// (vars.ValidateHost: lowercased, port and trailing dot removed; upper-case
// letters are still compared case-insensitively here). An empty host
// (HTTP/1.0 without Host) only matches `server_name ""`. Captures of a
// matching regex name are stored in req, which may be nil.
func (r *ServerRouter) Select(host []byte, req *vars.Request) int {
	if s, ok := r.lookup(host); ok {
		return s
	}
	if len(host) > 0 {
		for _, rn := range r.regexes {
			if rn.re.match(req, host) {
				return rn.server
			}
		}
	}
	return r.def
}

// lookup is the hash part of Select: exact, then head, then tail wildcard.
func (r *ServerRouter) lookup(host []byte) (int, bool) {
	if hasUpper(host) {
		var buf [256]byte
		b := buf[:0]
		if len(host) > len(buf) {
			b = make([]byte, 0, len(host))
		}
		for _, c := range host {
			b = append(b, lower(c))
		}
		host = b
	}
	if s, ok := r.exact[string(host)]; ok {
		return s, true
	}
	if len(host) == 0 {
		return 0, false
	}
	if s := r.head.matchHead(host); s >= 0 {
		return s, true
	}
	if s := r.tail.matchTail(host); s >= 0 {
		return s, true
	}
	return 0, false
}

func errorAt(pos nginxconf.Pos, code, msg string) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevError, Message: msg, Code: code}
}

func warningAt(pos nginxconf.Pos, code, msg string) nginxconf.Diagnostic {
	return nginxconf.Diagnostic{Pos: pos, Severity: nginxconf.SevWarning, Message: msg, Code: code}
}
