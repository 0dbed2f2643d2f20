package upstream

import (
	"context"
	"time"
)

// Implicit returns the group of a proxy_pass to host[:port] without an
// upstream block: every address of host (resolved now, once), weight 1,
// max_fails 1, fail_timeout 10s, no keepalive pool (as nginx's implicit
// upstreams). Groups are cached per hostport.
func (s *Set) Implicit(hostport string) (*Group, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.implicit[hostport]; g != nil {
		return g, nil
	}
	a, err := parseServerAddress(hostport)
	if err != nil {
		return nil, err
	}
	g := &Group{Name: hostport, Implicit: true, clock: s.opt.Clock}
	tmpl := Peer{Weight: 1, MaxFails: 1, FailTimeout: 10 * time.Second, Server: hostport}
	peers, err := s.opt.peersFor(a, tmpl)
	if err != nil {
		return nil, err
	}
	g.Peers = peers
	g.finish()
	s.implicit[hostport] = g
	return g, nil
}

// peersFor resolves a server address into peers copying tmpl's parameters.
func (opt Options) peersFor(a serverAddress, tmpl Peer) ([]*Peer, error) {
	if a.unix != "" {
		p := tmpl
		p.Name, p.Network, p.Addr = "unix:"+a.unix, "unix", a.unix
		return []*Peer{&p}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opt.ResolveTimeout)
	defer cancel()
	aps, err := a.resolve(ctx, opt.Resolver)
	if err != nil {
		return nil, err
	}
	out := make([]*Peer, 0, len(aps))
	for _, ap := range aps {
		p := tmpl
		p.Name, p.Network, p.Addr = ap.String(), "tcp", ap.String()
		out = append(out, &p)
	}
	return out, nil
}

// finish orders the peers (primary first), numbers them and precomputes the
// balancer's tables.
func (g *Group) finish() {
	var primary, backup []*Peer
	for _, p := range g.Peers {
		if p.Backup {
			backup = append(backup, p)
		} else {
			primary = append(primary, p)
		}
	}
	g.primary, g.backup = primary, backup
	g.Peers = append(append([]*Peer(nil), primary...), backup...)
	g.tries, g.totalWeight = 0, 0
	for i, p := range g.Peers {
		p.Index = i
		p.effectiveWeight = p.Weight
		if !p.Down {
			g.tries++
		}
	}
	g.ranges = g.ranges[:0]
	for _, p := range primary {
		g.totalWeight += p.Weight
		g.ranges = append(g.ranges, g.totalWeight)
	}
	g.single = len(primary) == 1 && len(backup) == 0
	if g.Method == MethodHashConsistent {
		g.points = chashPoints(primary)
	}
	if g.clock == nil {
		g.clock = SystemClock{}
	}
}

// NewGroup builds a group from peers outside a configuration (tests, tools):
// the peers' Weight must be set (0 means 1).
func NewGroup(name string, method Method, peers []*Peer, clock Clock) *Group {
	if clock == nil {
		clock = SystemClock{}
	}
	g := &Group{Name: name, Method: method, Peers: peers, clock: clock}
	for _, p := range peers {
		if p.Weight <= 0 {
			p.Weight = 1
		}
		if p.Network == "" {
			p.Network = "tcp"
		}
		if p.Addr == "" {
			p.Addr = p.Name
		}
		if p.Server == "" {
			p.Server = p.Name
		}
	}
	g.finish()
	return g
}
