package proxy

import (
	"net"
	"net/netip"
	"sort"

	"sliceproxy/proxy/route"
)

// socketBuild gathers the servers of one listen address during load.
type socketBuild struct {
	conf       *socketConf
	candidates []route.Candidate
	wildcard   bool
	port       string
	family     string // "4", "6" or "unix"
}

// buildSockets groups the servers by listen address (ngx_http_optimize_
// servers): every address gets a server router; specific addresses whose
// port also has a wildcard listen are served through the wildcard socket,
// selected by the connection's local address, as nginx does without "bind".
func (l *loader) buildSockets() {
	byKey := map[string]*socketBuild{}
	var order []*socketBuild
	for _, sc := range l.rt.servers {
		seen := map[string]bool{}
		for _, ls := range sc.listens {
			key := listenKey(ls.Network, ls.Addr)
			sb := byKey[key]
			if sb == nil {
				sb = &socketBuild{conf: &socketConf{network: ls.Network, addr: ls.Addr, pos: ls.Pos}}
				if ls.Network == "tcp" {
					host, port, _ := net.SplitHostPort(ls.Addr)
					ip := net.ParseIP(host)
					sb.port = port
					sb.wildcard = ip.IsUnspecified()
					sb.family = "6"
					if ip.To4() != nil {
						sb.family = "4"
					}
				} else {
					sb.family = "unix"
				}
				byKey[key] = sb
				order = append(order, sb)
			}
			if seen[key] {
				l.errorf(ls.Pos, "listen", "duplicate listen %s", displayAddr(ls.Network, ls.Addr))
				continue
			}
			seen[key] = true
			c := sb.conf
			c.ssl = c.ssl || ls.SSL
			c.http2 = c.http2 || ls.HTTP2
			c.reusePort = c.reusePort || ls.ReusePort
			c.keepAlive = c.keepAlive || ls.KeepAlive
			c.ipv6Only = c.ipv6Only || ls.IPv6Only
			if ls.Backlog > 0 {
				c.backlog = ls.Backlog
			}
			sb.candidates = append(sb.candidates, route.Candidate{
				Server: sc.index, Names: sc.names, Default: ls.DefaultServer, ListenPos: ls.Pos,
			})
		}
	}
	wildcards := map[string]*socketBuild{} // family+port
	for _, sb := range order {
		r, diags := route.NewServerRouter(displayAddr(sb.conf.network, sb.conf.addr), sb.candidates)
		l.add(diags)
		sb.conf.servers = r
		sb.conf.hostRules = newHostHeaderRules(l.rt.servers, r, sb.candidates)
		if sb.wildcard {
			wildcards[sb.family+" "+sb.port] = sb
		}
	}
	for _, sb := range order {
		if sb.family != "unix" && !sb.wildcard {
			if w := wildcards[sb.family+" "+sb.port]; w != nil {
				if w.conf.specific == nil {
					w.conf.specific = map[netip.Addr]*socketConf{}
				}
				ap, err := netip.ParseAddrPort(sb.conf.addr)
				if err != nil {
					continue
				}
				// The specific address is served through the wildcard's
				// socket with its own servers (and TLS settings).
				sb.conf.network, sb.conf.addr = w.conf.network, w.conf.addr
				w.conf.specific[ap.Addr().Unmap()] = sb.conf
				continue
			}
		}
		l.rt.sockets = append(l.rt.sockets, sb.conf)
	}
	sort.SliceStable(l.rt.sockets, func(i, j int) bool { return l.rt.sockets[i].addr < l.rt.sockets[j].addr })
	for _, s := range l.rt.sockets {
		s.key = listenKey(s.network, s.addr)
		if s.ssl {
			s.tls = l.socketTLS(s)
		}
		for _, sp := range s.specific {
			sp.key = s.key
			sp.http2 = sp.http2 || s.http2
			if sp.ssl {
				sp.tls = l.socketTLS(sp)
			}
		}
	}
}
