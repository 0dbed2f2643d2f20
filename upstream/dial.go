package upstream

import (
	"context"
	"fmt"
	"net"
	"time"

	"sliceproxy/proxy/http1"
)

// DialOptions say how Pool.DialWith makes a connection.
type DialOptions struct {
	// Timeout bounds the connect (proxy_connect_timeout); 0: no bound.
	Timeout time.Duration
	// SocketKeepalive turns on TCP keepalive probes with the system's
	// timing (proxy_socket_keepalive on). Off by default, as in nginx.
	SocketKeepalive bool
}

// Dial connects to peer within timeout (proxy_connect_timeout), with
// TCP_NODELAY, and returns a connection this pool may keep. A nil Pool dials
// a connection that Put will refuse (ReasonForeign).
func (p *Pool) Dial(ctx context.Context, peer *Peer, timeout time.Duration) (*Conn, error) {
	return p.DialWith(ctx, peer, DialOptions{Timeout: timeout})
}

// DialWith is Dial with every option.
//
// TCP_NODELAY is Go's default for TCP. Keepalive probes are not: the
// net.Dialer default (15 s probes) is switched off unless asked for, which
// also saves four setsockopt calls per connect, each a system call through
// the runtime (see reaper).
func (p *Pool) DialWith(ctx context.Context, peer *Peer, o DialOptions) (*Conn, error) {
	d := net.Dialer{Timeout: o.Timeout, KeepAlive: -1}
	if o.SocketKeepalive {
		d.KeepAliveConfig = net.KeepAliveConfig{Enable: true, Idle: -1, Interval: -1, Count: -1}
	}
	nc, err := d.DialContext(ctx, peer.Network, peer.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect() to %s failed: %w", peer.Name, err)
	}
	return p.Adopt(peer, nc), nil
}

// Adopt wraps a connection to peer that the caller dialed, as Dial would.
func (p *Pool) Adopt(peer *Peer, nc net.Conn) *Conn {
	c := &Conn{Conn: nc, Peer: peer, Requests: 1, bucket: -1}
	c.w.fd = -1
	if p == nil {
		c.Created = time.Now()
		return c
	}
	if p.cfg.RawSocketIO {
		c.rs = http1.NewRawSocket(nc)
	}
	now := p.clock.Now()
	c.Created = now
	c.createdNano = int64(now.Sub(p.epoch))
	if _, ok := p.addrIndex(peer); ok {
		c.pool = p
		p.mu.Lock()
		p.total.dialed++
		p.perPeer[peer.Index].dialed++
		p.mu.Unlock()
	}
	return c
}
