package upstream

import (
	"context"
	"fmt"
	"net"
	"time"

	"sliceproxy/proxy/http1"
)

// Dial connects to peer within timeout (proxy_connect_timeout), with
// TCP_NODELAY, and returns a connection this pool may keep. A nil Pool dials
// a connection that Put will refuse (ReasonForeign).
func (p *Pool) Dial(ctx context.Context, peer *Peer, timeout time.Duration) (*Conn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, peer.Network, peer.Addr)
	if err != nil {
		return nil, fmt.Errorf("connect() to %s failed: %w", peer.Name, err)
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(true); err != nil {
			nc.Close()
			return nil, fmt.Errorf("setting TCP_NODELAY on connection to %s: %w", peer.Name, err)
		}
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
