package upstream

import "sort"

// Counters are cumulative event counts.
type Counters struct {
	// Reused counts connections handed out by Get.
	Reused uint64
	// Dialed counts connections made by Dial (or Adopt).
	Dialed uint64
	// Evicted counts idle connections closed to make room (keepalive N).
	Evicted uint64
	// ClosedByUpstream counts idle connections the upstream closed (FIN/RST).
	ClosedByUpstream uint64
	// Unsolicited counts idle connections closed because the upstream sent
	// bytes nobody asked for.
	Unsolicited uint64
	// TimedOut counts idle connections closed by keepalive_timeout (or the
	// upstream's Keep-Alive: timeout=).
	TimedOut uint64
	// Refused counts Put refusals by reason (String of the Reason).
	Refused map[string]uint64
}

// PeerStats are one peer's numbers.
type PeerStats struct {
	Name string
	Idle int
	Counters
}

// SliceStats are one live slice's numbers (a slice lives while it has idle
// connections, so its counters start when it was last created).
type SliceStats struct {
	Key    string
	Idle   int
	Limit  int
	Reused uint64
}

// Stats is a snapshot of a pool for a status page.
type Stats struct {
	Upstream string
	// Idle connections now, and keepalive N.
	Idle  int
	Limit int
	// Sliced pools: live slices and slice_poolsize.
	Sliced        bool
	LiveSlices    int
	SlicePoolSize int
	Counters
	Peers  []PeerStats
	Slices []SliceStats // sorted by key
}

func (c *counters) export() Counters {
	out := Counters{
		Reused:           c.reused,
		Dialed:           c.dialed,
		Evicted:          c.evicted,
		ClosedByUpstream: c.closedByUpstream,
		Unsolicited:      c.unsolicited,
		TimedOut:         c.timedOut,
	}
	for r, n := range c.refused {
		if n > 0 {
			if out.Refused == nil {
				out.Refused = make(map[string]uint64)
			}
			out.Refused[Reason(r).String()] = n
		}
	}
	return out
}

// Stats returns a snapshot of the pool's counters. A nil Pool returns the
// zero Stats.
func (p *Pool) Stats() Stats {
	if p == nil {
		return Stats{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st := Stats{
		Upstream:      p.cfg.Name,
		Idle:          p.idle,
		Limit:         p.cfg.MaxIdle,
		Sliced:        p.cfg.Sliced,
		LiveSlices:    len(p.slices),
		SlicePoolSize: p.cfg.SlicePoolSize,
		Counters:      p.total.export(),
	}
	for i, peer := range p.peers {
		st.Peers = append(st.Peers, PeerStats{Name: peer.Name, Idle: p.peerIdle[i], Counters: p.perPeer[i].export()})
	}
	for _, s := range p.slices {
		st.Slices = append(st.Slices, SliceStats{Key: s.key, Idle: s.count, Limit: s.limit, Reused: s.reused})
	}
	sort.Slice(st.Slices, func(i, j int) bool { return st.Slices[i].Key < st.Slices[j].Key })
	return st
}
