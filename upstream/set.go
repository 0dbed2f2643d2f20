package upstream

import (
	"net"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Options are the load-time knobs of Build.
type Options struct {
	// Clock defaults to the system clock (tests inject a fake).
	Clock Clock
	// Resolver resolves server hostnames at load; net.DefaultResolver when nil.
	Resolver *net.Resolver
	// ResolveTimeout bounds each hostname lookup (default 5s).
	ResolveTimeout time.Duration
	// Log is given to the pools.
	Log zerolog.Logger
	// Watch selects the pools' idle watcher.
	Watch WatchMode
	// RawSocketIO makes the pools' connections read and write with raw
	// system calls (http1.RawSocket, Linux): less CPU per request and no
	// thread handoffs with GOMAXPROCS=1, but a thread preempted inside such
	// a call holds its P (see proxy/perf). Off by default here; the proxy
	// turns it on unless told otherwise (proxy.LoadOptions.RuntimeSocketIO).
	RawSocketIO bool
}

// Set is every group of one configuration.
type Set struct {
	groups map[string]*Group
	order  []*Group
	opt    Options

	mu       sync.Mutex // guards implicit
	implicit map[string]*Group
}

// Get returns the upstream block called name, or nil.
func (s *Set) Get(name string) *Group {
	if s == nil {
		return nil
	}
	if g, ok := s.groups[name]; ok {
		return g
	}
	// nginx compares upstream names case-insensitively (ngx_http_upstream_add
	// uses ngx_strncasecmp): "proxy_pass http://a" uses "upstream A". Keys are
	// stored lowercased; the common all-lowercase name hit above costs no
	// allocation.
	return s.groups[strings.ToLower(name)]
}

// Groups returns the upstream blocks in config order (implicit groups not
// included).
func (s *Set) Groups() []*Group { return s.order }

// Close closes every group's pool (reload and shutdown).
func (s *Set) Close() {
	if s == nil {
		return
	}
	for _, g := range s.order {
		g.Pool.Close()
	}
}
