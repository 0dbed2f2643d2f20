package proxy

import (
	"crypto/tls"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/route"
	"sliceproxy/upstream"
	"sliceproxy/vars"
)

// Runtime is everything one configuration load builds and a reload replaces:
// variables, upstream groups with their pools, servers and locations, logs.
// It is immutable while serving (balancer and pool state live behind their
// own locks). The Server holds a reference while it serves the runtime and
// every request holds one while it runs; the last release closes it.
type Runtime struct {
	main      mainConf
	reg       *vars.Registry
	upstreams *upstream.Set
	sockets   []*socketConf
	servers   []*serverConf
	errorLog  *ErrorLog
	logs      *logSet
	// rawSocketIO wraps accepted client connections in http1.SocketConn
	// (LoadOptions.RuntimeSocketIO).
	rawSocketIO bool

	refs      atomic.Int64
	closeOnce sync.Once
}

// mainConf holds the main and events context settings.
type mainConf struct {
	workerProcesses   int // 0: auto (every CPU)
	workerConnections int
	pidPath           string // "" when `pid off`
	user, group       string
	daemon            bool
}

// socketConf is one listening socket and what is served on it.
type socketConf struct {
	network, addr string
	ssl, http2    bool
	backlog       int
	reusePort     bool
	keepAlive     bool
	ipv6Only      bool
	// servers picks the server block by Host for connections to addr.
	servers *route.ServerRouter
	// hostRules switches the request header rules to the Host's server; nil
	// when all servers of the address share them (x3_hostopts.go).
	hostRules *hostHeaderRules
	// specific holds, for a wildcard socket, the servers of more specific
	// addresses on the same port ("127.0.0.1:80" beside "*:80"): nginx binds
	// only the wildcard and picks by the connection's local address.
	specific map[netip.Addr]*socketConf
	// key is listenKey(network, addr).
	key string
	tls *tls.Config
	// pos is the first listen directive of the address, for messages.
	pos nginxconf.Pos
}

// serverConf is one server {} block.
type serverConf struct {
	index         int
	names         *route.ServerNames
	primaryName   string
	conf          *locConf // the server level (directives outside locations)
	locations     *route.Tree[*locationConf]
	rewrite       *rewriteScript // server-level rewrite directives, may be nil
	headerTimeout time.Duration  // client_header_timeout
	headerBufs    headerBufConf
	listens       []listenSpec
	// tls holds the server's certificates (nil without ssl_certificate).
	tls *serverTLS
}

// headerBufConf is how request heads are read on a server's connections:
// large_client_header_buffers, underscores_in_headers and
// ignore_invalid_headers (the address's default server decides, as in
// nginx).
type headerBufConf struct {
	n, size     int
	underscores bool
	keepInvalid bool // ignore_invalid_headers off
	keepSlashes bool // merge_slashes off
}

// locationConf is the payload of one location in the route tree.
type locationConf struct {
	conf    *locConf
	rewrite *rewriteScript
	// prefix is the location's match string for proxy_pass URI replacement
	// ("" for regex and named locations).
	prefix string
	regex  bool
	named  bool
	// internal: only internal redirects may select it ("internal").
	internal bool
}

// acquire takes a reference; callers hold it while they use the runtime.
func (rt *Runtime) acquire() { rt.refs.Add(1) }

// tryAcquire takes a reference unless the runtime is already closed.
func (rt *Runtime) tryAcquire() bool {
	for {
		n := rt.refs.Load()
		if n <= 0 {
			return false
		}
		if rt.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference and closes the runtime with the last one.
func (rt *Runtime) release() {
	if rt.refs.Add(-1) == 0 {
		rt.Close()
	}
}

// shutdownPools closes every keepalive pool now: idle upstream connections
// go at once on QUIT, busy ones are not kept when their request ends.
func (rt *Runtime) shutdownPools() {
	if rt.upstreams == nil {
		return
	}
	rt.upstreams.Close()
}

// Close releases pools and log files. The Server calls it when the runtime
// is replaced and drained; a runtime that was never served (lint, tests)
// must be closed by its owner.
func (rt *Runtime) Close() {
	rt.closeOnce.Do(func() {
		rt.shutdownPools()
		if rt.logs != nil {
			rt.logs.close()
		}
	})
}

// ReopenLogs reopens every log file (USR1), for logrotate.
func (rt *Runtime) ReopenLogs() error {
	if rt.logs == nil {
		return nil
	}
	return rt.logs.reopen()
}

// Upstreams returns the runtime's upstream groups (pool statistics for a
// status page).
func (rt *Runtime) Upstreams() *upstream.Set { return rt.upstreams }

// Registry returns the runtime's variable registry.
func (rt *Runtime) Registry() *vars.Registry { return rt.reg }

// Listens lists the sockets the runtime serves, as "addr" or "unix:path".
func (rt *Runtime) Listens() []string {
	out := make([]string, 0, len(rt.sockets))
	for _, s := range rt.sockets {
		out = append(out, displayAddr(s.network, s.addr))
	}
	return out
}
