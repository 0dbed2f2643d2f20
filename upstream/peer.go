package upstream

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Peer is one address of a group: a server directive resolves to one Peer per
// address, as in nginx.
type Peer struct {
	// Name is the address as nginx shows it in $upstream_addr:
	// "127.0.0.1:8080", "[::1]:8080" or "unix:/run/app.sock".
	Name string
	// Server is the server directive's address as written
	// ("backend.local:8080"); consistent hash points derive from it.
	Server string
	// Network and Addr are what Dial uses: "tcp" with "ip:port", or "unix"
	// with a path.
	Network string
	Addr    string

	Weight      int
	MaxFails    int
	FailTimeout time.Duration
	MaxConns    int
	Backup      bool
	Down        bool

	// Index is the peer's position in Group.Peers.
	Index int

	// Balancer state, guarded by the group's mutex (nginx keeps it per
	// worker; one group is shared by the whole process here).
	currentWeight   int
	effectiveWeight int
	conns           int
	fails           int
	accessed        time.Time
	checked         time.Time
}

// available reports whether the balancer may hand out p now (not down, not
// failed within fail_timeout, under max_conns), as ngx_http_upstream_get_peer.
func (p *Peer) available(now time.Time) bool {
	if p.Down {
		return false
	}
	if p.MaxFails > 0 && p.fails >= p.MaxFails && now.Sub(p.checked) <= p.FailTimeout {
		return false
	}
	if p.MaxConns > 0 && p.conns >= p.MaxConns {
		return false
	}
	return true
}

// serverAddress is a parsed server address before resolution.
type serverAddress struct {
	unix string // socket path for unix:
	host string // hostname or IP literal (IPv6 without brackets)
	port int
}

// parseServerAddress parses nginx's server address forms: host, host:port,
// IPv4, [IPv6], [IPv6]:port, unix:/path. The port defaults to 80.
func parseServerAddress(s string) (serverAddress, error) {
	if rest, ok := strings.CutPrefix(s, "unix:"); ok {
		if rest == "" {
			return serverAddress{}, fmt.Errorf("no path in the unix domain socket %q", s)
		}
		return serverAddress{unix: rest}, nil
	}
	if strings.Contains(s, "://") {
		return serverAddress{}, fmt.Errorf("invalid host %q: no scheme allowed in a server address", s)
	}
	if strings.ContainsAny(s, "/?#") {
		return serverAddress{}, fmt.Errorf("invalid host %q: no URI part allowed in a server address", s)
	}
	host, portStr := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return serverAddress{}, fmt.Errorf("invalid IPv6 address %q", s)
		}
		host = s[1:end]
		rest := s[end+1:]
		if rest != "" {
			if rest[0] != ':' {
				return serverAddress{}, fmt.Errorf("invalid host %q", s)
			}
			portStr = rest[1:]
		}
		if _, err := netip.ParseAddr(host); err != nil {
			return serverAddress{}, fmt.Errorf("invalid IPv6 address %q", s)
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if strings.Count(s, ":") > 1 {
			return serverAddress{}, fmt.Errorf("invalid host %q: IPv6 addresses need brackets", s)
		}
		host, portStr = s[:i], s[i+1:]
	}
	if host == "" {
		return serverAddress{}, fmt.Errorf("no host in %q", s)
	}
	port := 80
	if portStr != "" || strings.HasSuffix(s, ":") {
		n, err := strconv.Atoi(portStr)
		if err != nil || n < 1 || n > 65535 || portStr[0] == '+' || portStr[0] == '-' {
			return serverAddress{}, fmt.Errorf("invalid port in %q", s)
		}
		port = n
	}
	return serverAddress{host: host, port: port}, nil
}

// resolve returns the peers' dial addresses: one for an IP literal or a unix
// socket, every address of a hostname (resolved once, at load, as nginx does
// without "resolve").
func (a serverAddress) resolve(ctx context.Context, r *net.Resolver) ([]netip.AddrPort, error) {
	if ip, err := netip.ParseAddr(a.host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), uint16(a.port))}, nil
	}
	ips, err := r.LookupNetIP(ctx, "ip", a.host)
	if err != nil {
		return nil, fmt.Errorf("host not found in upstream %q: %w", a.host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("host not found in upstream %q", a.host)
	}
	out := make([]netip.AddrPort, 0, len(ips))
	for _, ip := range ips {
		out = append(out, netip.AddrPortFrom(ip.Unmap(), uint16(a.port)))
	}
	return out, nil
}
