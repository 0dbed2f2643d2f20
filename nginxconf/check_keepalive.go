package nginxconf

import (
	"fmt"
	"strings"
)

// upstreamFacts is what the cross-directive checks need to know about an
// http upstream block.
type upstreamFacts struct {
	name      string
	pos       Pos
	keepalive *Directive // nil without keepalive
}

// collect gathers, before the walk, the upstream blocks and the map targets
// that depend on the request's host (for the slice_key check).
func (c *checker) collect(list []*Directive, ctx Context) {
	type mapDef struct {
		target string
		deps   []string // variables the source and the values reference
	}
	var maps []mapDef
	httpLevel := func(list []*Directive) {
		eachStatement(list, func(h *Directive) {
			switch {
			case h.Name == "upstream" && h.IsBlock && len(h.Args) == 1:
				f := &upstreamFacts{name: h.Args[0].Value, pos: h.Pos}
				eachStatement(h.Block, func(u *Directive) {
					if u.Name == "keepalive" && f.keepalive == nil {
						f.keepalive = u
					}
				})
				key := strings.ToLower(f.name)
				if _, dup := c.upstreams[key]; !dup {
					c.upstreams[key] = f
				}
			case h.Name == "map" && h.IsBlock && len(h.Args) == 2:
				m := mapDef{target: strings.TrimPrefix(h.Args[1].Value, "$"), deps: variableNames(h.Args[0].Value)}
				eachStatement(h.Block, func(e *Directive) {
					for _, a := range e.Args {
						m.deps = append(m.deps, variableNames(a.Value)...)
					}
				})
				maps = append(maps, m)
			}
		})
	}
	switch ctx {
	case CtxHTTP:
		httpLevel(list)
	case CtxMain:
		eachStatement(list, func(d *Directive) {
			if d.Name == "http" && d.IsBlock {
				httpLevel(d.Block)
			}
		})
	}
	// A map depends on the host when it references a host variable or
	// another map that does; iterate to a fixed point over chains.
	c.hostMaps = map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, m := range maps {
			if c.hostMaps[m.target] {
				continue
			}
			for _, v := range m.deps {
				if isHostVariable(v) || c.hostMaps[v] {
					c.hostMaps[m.target] = true
					changed = true
					break
				}
			}
		}
	}
}

// isHostVariable reports whether the variable's value is the request's
// virtual host, which is what an Apache mpm-itk backend binds a
// connection to.
func isHostVariable(name string) bool {
	switch strings.ToLower(name) {
	case "host", "http_host", "server_name", "ssl_server_name":
		return true
	}
	return false
}

// variableNames lists the variables a complex value references ($name,
// ${name}), without the "$".
func variableNames(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		j := i + 1
		braced := j < len(s) && s[j] == '{'
		if braced {
			j++
		}
		start := j
		for j < len(s) && isVarChar(s[j]) {
			j++
		}
		if j > start {
			out = append(out, s[start:j])
		}
		i = j - 1
	}
	return out
}

func isVarChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// keepaliveParams are the parameters of tengine's sliced keepalive.
var keepaliveParams = map[string]bool{
	"slice_key": true, "slice_conn": true, "slice_dyn": true, "slice_poolsize": true, "slice_keylen": true,
}

// keepalive checks "keepalive N [local] [slice_key=K] [slice_conn=N]
// [slice_dyn=$V] [slice_poolsize=N] [slice_keylen=N]" as nginx's and
// tengine's handlers do, plus the combinations that silently misbehave.
func (c *checker) keepalive(d *Directive) {
	c.keepaliveCount++
	n, err := ParseInt(d.Args[0].Value)
	if err != nil || n == 0 {
		c.add(d.Args[0].Pos, SevError, CodeKeepalive,
			fmt.Sprintf("invalid value %q in \"keepalive\" directive", d.Args[0].Value),
			"the number of idle connections to keep must be a positive integer")
	}
	params := map[string]Arg{}
	local := false
	for _, a := range d.Args[1:] {
		name, value, hasValue := strings.Cut(a.Value, "=")
		if a.Value == "local" {
			if local {
				c.add(a.Pos, SevError, CodeKeepalive, `duplicate parameter "local"`, "")
			}
			local = true
			continue
		}
		if !hasValue || !keepaliveParams[name] || value == "" {
			c.add(a.Pos, SevError, CodeKeepalive, fmt.Sprintf("invalid parameter %q", a.Value),
				"keepalive takes N, local, slice_key=, slice_conn=, slice_dyn=, slice_poolsize=, slice_keylen=")
			continue
		}
		if _, dup := params[name]; dup {
			c.add(a.Pos, SevError, CodeKeepalive, fmt.Sprintf("duplicate parameter %q", name),
				"tengine silently uses the last one")
			continue
		}
		params[name] = a
		switch name {
		case "slice_conn", "slice_poolsize", "slice_keylen":
			v, err := ParseInt(value)
			if err != nil {
				c.add(a.Pos, SevError, CodeKeepalive, fmt.Sprintf("invalid parameter %q", a.Value),
					name+" must be a non-negative integer")
				continue
			}
			c.keepaliveLimits(a, name, v, n)
		case "slice_dyn":
			v := strings.TrimPrefix(value, "$")
			if v == "" || strings.IndexFunc(v, func(r rune) bool { return r > 0x7f || !isVarChar(byte(r)) }) >= 0 {
				c.add(a.Pos, SevError, CodeKeepalive, fmt.Sprintf("invalid parameter %q", a.Value),
					"slice_dyn names one variable, e.g. slice_dyn=$conn_limit")
			}
		case "slice_key":
			c.sliceKey(a, value)
		}
	}
	_, hasKey := params["slice_key"]
	_, hasConn := params["slice_conn"]
	_, hasDyn := params["slice_dyn"]
	if hasKey && !hasConn && !hasDyn {
		c.add(params["slice_key"].Pos, SevError, CodeKeepalive,
			`"slice_key" needs "slice_conn" or "slice_dyn"`,
			`tengine refuses it too ("specific either slice_conn or slice_dyn"): say how many idle connections each slice may keep`)
	}
	if !hasKey {
		for _, name := range []string{"slice_conn", "slice_dyn", "slice_poolsize", "slice_keylen"} {
			if a, ok := params[name]; ok {
				c.add(a.Pos, SevWarning, CodeKeepalive, fmt.Sprintf("%q has no effect without \"slice_key\"", name),
					"without slice_key all idle connections of a peer form one list")
			}
		}
	}
}

// keepaliveLimits flags slice numbers that are valid but defeat the pool.
func (c *checker) keepaliveLimits(a Arg, name string, v, keepalive int64) {
	switch {
	case v == 0 && name == "slice_conn":
		c.add(a.Pos, SevWarning, CodeKeepalive, "slice_conn=0 keeps no idle connection in any slice",
			"every request dials a new connection; use a positive number")
	case v == 0 && name == "slice_poolsize":
		c.add(a.Pos, SevWarning, CodeKeepalive, "slice_poolsize=0 leaves no room for any slice",
			"no connection is ever kept; tengine's default is 20")
	case v == 0 && name == "slice_keylen":
		c.add(a.Pos, SevWarning, CodeKeepalive, "slice_keylen=0 cuts every slice key to nothing",
			"all requests share one slice, which defeats slice_key; tengine's default is 40")
	case name == "slice_conn" && keepalive > 0 && v > keepalive:
		c.add(a.Pos, SevInfo, CodeKeepalive, fmt.Sprintf("slice_conn=%d is more than keepalive %d", v, keepalive),
			"a slice can never hold more than the upstream's keepalive total")
	}
}

// sliceKey checks what a slice key depends on: a constant key puts every
// request in one slice, and a key without the host lets one vhost's
// request reach a connection an mpm-itk backend bound to another.
func (c *checker) sliceKey(a Arg, key string) {
	vars := variableNames(key)
	if len(vars) == 0 {
		c.add(a.Pos, SevWarning, CodeKeepalive, fmt.Sprintf("slice_key %q is constant", key),
			"every request lands in the same slice; use a variable such as $host")
		return
	}
	for _, v := range vars {
		if isHostVariable(v) || c.hostMaps[v] {
			return
		}
	}
	c.add(a.Pos, SevInfo, CodeSliceKeyHost, fmt.Sprintf("slice_key %q does not depend on the request's host", key),
		"with Apache mpm-itk backends a connection belongs to one vhost: include $host in the key")
}

// checkWorkerProcesses explains that keepalive N is a per-process total
// here, while tengine keeps N per worker.
func (c *checker) checkWorkerProcesses() {
	d := c.workerProcs
	if d == nil || c.keepaliveCount == 0 || len(d.Args) != 1 {
		return
	}
	v := d.Args[0].Value
	if n, err := ParseInt(v); v != "auto" && (err != nil || n <= 1) {
		return
	}
	c.add(d.Pos, SevInfo, CodeWorkerProcesses,
		fmt.Sprintf("worker_processes %s: \"keepalive N\" is per process in sliceproxy, per worker in tengine", v),
		"sliceproxy is one process with one pool per upstream; tengine kept up to workers x N idle connections, so raise N to keep the same total")
}
