package proxy

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"sliceproxy/nginxconf"
)

// listenSpec is one parsed `listen` directive.
type listenSpec struct {
	// Network is "tcp" or "unix".
	Network string
	// Addr is the normalised address: "127.0.0.1:80", "0.0.0.0:80", "[::]:80" or a
	// unix socket path.
	Addr          string
	DefaultServer bool
	SSL           bool
	HTTP2         bool
	Backlog       int
	ReusePort     bool
	// KeepAlive is so_keepalive=on (the kernel's defaults); the idle/interval/count
	// triple is accepted and approximated by TCP keepalive on.
	KeepAlive bool
	IPv6Only  bool
	Pos       nginxconf.Pos
}

// defaultListen is what nginx uses for a server without `listen`: *:80 when run
// as root, *:8000 otherwise (ngx_http_core_server).
func defaultListen(root bool) listenSpec {
	port := "8000"
	if root {
		port = "80"
	}
	return listenSpec{Network: "tcp", Addr: "0.0.0.0:" + port}
}

// parseListen parses the arguments of a listen directive as nginx's
// ngx_http_core_listen + ngx_parse_url do.
func parseListen(d *nginxconf.Directive) (listenSpec, error) {
	if len(d.Args) == 0 {
		return listenSpec{}, fmt.Errorf("invalid number of arguments in \"listen\" directive")
	}
	ls := listenSpec{Network: "tcp", Pos: d.Pos}
	addr := d.Args[0].Value
	switch {
	case strings.HasPrefix(addr, "unix:"):
		path := addr[len("unix:"):]
		if path == "" {
			return ls, fmt.Errorf("no path in the unix domain socket \"%s\"", addr)
		}
		ls.Network, ls.Addr = "unix", path
	default:
		a, err := normaliseHostPort(addr)
		if err != nil {
			return ls, err
		}
		ls.Addr = a
	}
	for _, a := range d.Args[1:] {
		v := a.Value
		key, val, hasVal := strings.Cut(v, "=")
		switch {
		case v == "default_server" || v == "default":
			ls.DefaultServer = true
		case v == "ssl":
			ls.SSL = true
		case v == "http2":
			ls.HTTP2 = true
		case v == "reuseport":
			ls.ReusePort = true
		case v == "bind", v == "deferred", v == "proxy_protocol", v == "quic", v == "spdy":
			// bind: we bind every distinct address anyway where the kernel lets us.
			// deferred: a latency optimisation Go's accept loop does not need.
			// proxy_protocol/quic: rejected by the directive table's checks.
		case hasVal && key == "backlog":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 {
				return ls, fmt.Errorf("invalid backlog \"%s\"", val)
			}
			ls.Backlog = n
		case hasVal && key == "so_keepalive":
			ls.KeepAlive = val != "off"
		case hasVal && key == "ipv6only":
			ls.IPv6Only = val == "on"
		case hasVal && (key == "rcvbuf" || key == "sndbuf" || key == "setfib" ||
			key == "fastopen" || key == "accept_filter"):
			// accepted, tuning only
		default:
			return ls, fmt.Errorf("invalid parameter \"%s\"", v)
		}
	}
	return ls, nil
}

// normaliseHostPort turns nginx's listen address forms (`80`, `*:80`, `host`,
// `host:port`, `[::]:80`, `[::1]`) into "ip:port". Host names resolve to their
// first address, as nginx binds the first one it gets.
func normaliseHostPort(s string) (string, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 65535 {
			return "", fmt.Errorf("invalid port in \"%s\" of the \"listen\" directive", s)
		}
		return "0.0.0.0:" + s, nil
	}
	host, port := s, "80"
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", fmt.Errorf("invalid host in \"%s\" of the \"listen\" directive", s)
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return "", fmt.Errorf("invalid host in \"%s\" of the \"listen\" directive", s)
			}
			port = rest[1:]
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
	}
	// Port 0 (the kernel picks one) is accepted for tests and tools; nginx
	// rejects it.
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return "", fmt.Errorf("invalid port in \"%s\" of the \"listen\" directive", s)
	}
	switch host {
	case "*", "":
		host = "0.0.0.0"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		addrs, err := net.LookupIP(host)
		if err != nil || len(addrs) == 0 {
			return "", fmt.Errorf("host not found in \"%s\" of the \"listen\" directive", s)
		}
		ip = addrs[0]
	}
	return net.JoinHostPort(ip.String(), port), nil
}
