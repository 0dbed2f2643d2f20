package upstream

import (
	"strings"

	"sliceproxy/nginxconf"
)

// keepalive parses "keepalive N [local] [slice_key=KEY] [slice_conn=N]
// [slice_dyn=$VAR] [slice_poolsize=N] [slice_keylen=N]" (tengine's
// ngx_http_upstream_keepalive).
func (b *groupBuilder) keepalive(d *nginxconf.Directive, ka *keepaliveConf) {
	if ka.set {
		b.errorf(d.Pos, "duplicate", "\"keepalive\" directive is duplicate")
		return
	}
	if len(d.Args) < 1 {
		b.errorf(d.Pos, "args", "invalid number of arguments in \"keepalive\" directive")
		return
	}
	n, err := nginxconf.ParseInt(d.Args[0].Value)
	if err != nil || n == 0 || n > 1<<31 {
		b.errorf(d.Args[0].Pos, "value", "invalid value \"%s\" in \"keepalive\" directive", d.Args[0].Value)
		return
	}
	ka.set, ka.pos, ka.max = true, d.Pos, int(n)
	ka.poolSize, ka.keyLen = DefaultSlicePoolSize, DefaultSliceKeyLen
	for _, a := range d.Args[1:] {
		name, val, hasVal := strings.Cut(a.Value, "=")
		bad := func() { b.errorf(a.Pos, "keepalive-parameter", "invalid parameter \"%s\"", a.Value) }
		if !hasVal {
			if name == "local" {
				continue // accepted for compatibility; connections are per peer anyway
			}
			bad()
			continue
		}
		if val == "" {
			bad()
			continue
		}
		switch name {
		case "slice_key":
			t, err := b.reg.Compile(val, a.Pos)
			if err != nil {
				b.compileError(a.Pos, err)
				continue
			}
			ka.sliceKey = t
		case "slice_dyn":
			ka.dyn, ka.dynPos = strings.TrimPrefix(val, "$"), a.Pos
		case "slice_conn", "slice_poolsize", "slice_keylen":
			v, err := nginxconf.ParseInt(val)
			if err != nil || v > 1<<31 {
				bad()
				continue
			}
			switch name {
			case "slice_conn":
				ka.sliceConn, ka.hasConn = int(v), true
			case "slice_poolsize":
				ka.poolSize = int(v)
			default:
				ka.keyLen = int(v)
			}
		default:
			bad()
		}
	}
	if ka.sliceKey != nil && ka.dyn == "" && !ka.hasConn {
		b.errorf(d.Pos, "keepalive-slice", "specific either slice_conn or slice_dyn")
	}
	if ka.sliceKey == nil && (ka.dyn != "" || ka.hasConn) {
		b.warnf(d.Pos, "keepalive-slice", "slice_conn and slice_dyn have no effect without slice_key")
	}
	if ka.sliceKey != nil && (ka.poolSize == 0 || ka.keyLen == 0) {
		b.errorf(d.Pos, "keepalive-slice", "slice_poolsize and slice_keylen must be positive")
	}
}

// pool makes the group's pool and slice configuration.
func (b *groupBuilder) pool(g *Group, ka *keepaliveConf) *Pool {
	cfg := PoolConfig{
		Name:          g.Name,
		MaxIdle:       ka.max,
		Sliced:        ka.sliceKey != nil,
		SlicePoolSize: ka.poolSize,
		SliceKeyLen:   ka.keyLen,
		IdleTimeout:   DefaultIdleTimeout,
		MaxRequests:   ka.requests,
		MaxLifetime:   ka.lifetime,
		Clock:         b.opt.Clock,
		Log:           b.opt.Log,
		Watch:         b.opt.Watch,
		RawSocketIO:   b.opt.RawSocketIO,
	}
	if ka.timeoutOK {
		cfg.IdleTimeout = ka.timeout
		if ka.timeout == 0 {
			cfg.IdleTimeout = -1
		}
	}
	if ka.sliceKey != nil {
		g.slice = sliceConfig{key: ka.sliceKey, conn: ka.sliceConn, keyLen: ka.keyLen, keys: &keyInterner{}}
		if ka.dyn != "" {
			idx, ok := b.reg.Lookup(ka.dyn)
			if !ok {
				b.errorf(ka.dynPos, "unknown-variable", "unknown \"%s\" variable", ka.dyn)
			} else {
				g.slice.dyn, g.slice.hasDyn = idx, true
			}
		}
	}
	return NewPool(g.Peers, cfg)
}
