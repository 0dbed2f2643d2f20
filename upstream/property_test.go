package upstream

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// TestPoolProperties drives pools with random sequences of dial/get/put/
// caller-close/upstream-close/advance-clock and checks after every step the
// invariants (checkInvariants: per-slice count <= limit, total <= N, no
// connection in two places, counts equal list lengths) and the safety rule:
// Get only returns a connection of that peer's address that was kept under
// that very slice key.
func TestPoolProperties(t *testing.T) {
	var reused, evicted, timedOut, refused uint64
	defer func() {
		// The sequences must have exercised the interesting paths.
		if !t.Failed() && (reused == 0 || evicted == 0 || timedOut == 0 || refused == 0) {
			t.Errorf("weak sequences: reused=%d evicted=%d timedOut=%d refused=%d", reused, evicted, timedOut, refused)
		}
	}()
	for seed := uint64(1); seed <= 40; seed++ {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, seed*7919))
			clk := newFakeClock()
			peers := []*Peer{{Name: "10.0.0.1:80"}, {Name: "10.0.0.2:80"}, {Name: "10.0.0.1:80", Server: "alias"}}
			g := NewGroup("prop", MethodRoundRobin, peers, clk)
			cfg := PoolConfig{
				MaxIdle:       1 + rng.IntN(8),
				Sliced:        seed%5 != 0,
				SlicePoolSize: 1 + rng.IntN(4),
				SliceKeyLen:   2 + rng.IntN(3),
				IdleTimeout:   time.Duration(1+rng.IntN(60)) * time.Second,
				MaxRequests:   1 + rng.IntN(6),
				MaxLifetime:   time.Duration(30+rng.IntN(300)) * time.Second,
				Clock:         clk,
				Watch:         WatchOff,
			}
			p := NewPool(g.Peers, cfg)
			defer p.Close()
			defer func() {
				st := p.Stats()
				reused += st.Reused
				evicted += st.Evicted
				timedOut += st.TimedOut
				for _, n := range st.Refused {
					refused += n
				}
			}()
			keys := []string{"a", "b", "c", "abc", "abd", "abcdef", "x", ""}
			addrOf := func(pe *Peer) string { return pe.Network + pe.Addr }
			var held []*Conn
			for step := 0; step < 400; step++ {
				switch op := rng.IntN(100); {
				case op < 25: // dial
					held = append(held, p.Adopt(peers[rng.IntN(len(peers))], nopConn{}))
				case op < 45: // get
					pe := peers[rng.IntN(len(peers))]
					key := keys[rng.IntN(len(keys))]
					if c := p.Get(pe, key); c != nil {
						if addrOf(c.Peer) != addrOf(pe) {
							t.Fatalf("step %d: Get(%s) returned a connection to %s", step, pe.Name, c.Peer.Name)
						}
						if cfg.Sliced && c.Key != p.truncKey(key) {
							t.Fatalf("step %d: Get(key %q) returned a connection of slice %q", step, key, c.Key)
						}
						held = append(held, c)
					}
				case op < 75: // put
					if len(held) == 0 {
						continue
					}
					i := rng.IntN(len(held))
					c := held[i]
					held = append(held[:i], held[i+1:]...)
					o := okOutcome(keys[rng.IntN(len(keys))], rng.IntN(4)-1)
					if c.bound && rng.IntN(4) > 0 {
						o.Key = c.Key // mostly the slice it came from
					}
					if rng.IntN(10) == 0 {
						o.UpstreamKeepAlive = false
					}
					if rng.IntN(10) == 0 {
						o.KeepAliveTimeout = time.Duration(rng.IntN(8)) * time.Second
					}
					if rng.IntN(10) == 0 {
						o.KeepAliveMax = rng.IntN(3)
					}
					err := p.Put(c, o)
					var re RefusedError
					if err != nil && !errors.As(err, &re) {
						t.Fatalf("Put error %v", err)
					}
					if err == nil && c.state != stateIdle {
						t.Fatalf("kept connection not idle")
					}
					if err != nil && c.state != stateClosed {
						t.Fatalf("refused connection (%v) not closed", err)
					}
				case op < 82: // the caller closes a connection it holds
					if len(held) == 0 {
						continue
					}
					i := rng.IntN(len(held))
					held[i].Close()
					held = append(held[:i], held[i+1:]...)
				case op < 90: // the upstream closes an idle connection
					p.mu.Lock()
					if c := p.lruTail; c != nil && rng.IntN(2) == 0 {
						p.removeIdle(c)
					} else if c := p.lruHead; c != nil {
						p.removeIdle(c)
					}
					p.mu.Unlock()
				default:
					clk.Advance(time.Duration(rng.IntN(20000)) * time.Millisecond)
				}
				p.checkInvariants(t)
				for _, c := range held {
					if c.state != stateInUse {
						t.Fatalf("step %d: held connection has state %d", step, c.state)
					}
				}
			}
		})
	}
}
