package upstream

import (
	"math/rand/v2"
	"strconv"
	"time"
)

// picker carries one request's balancer state: the peers it tried (nginx's
// rrp->tried bitmap, over the list currently in use), whether it moved on to
// the backup peers, and the hash methods' position.
type picker struct {
	g         *Group
	tried     []uint64
	inline    [1]uint64
	onBackup  bool
	triesLeft int
	started   bool

	key    []byte // hash key
	hash   uint32 // hash: accumulated value; hash consistent: point index
	rehash int    // hash: rehash counter
	htries int    // hash/ip_hash/random: attempts before falling back to round robin
	ipHash uint32 // ip_hash: running hash
	ipAddr []byte // ip_hash: client address bytes (in ipBuf)
	ipBuf  [16]byte
}

func (pk *picker) isTried(i int) bool { return pk.tried[i/64]&(1<<(uint(i)%64)) != 0 }
func (pk *picker) setTried(i int)     { pk.tried[i/64] |= 1 << (uint(i) % 64) }

// Next implements Picker.
func (pk *picker) Next() (*Peer, error) {
	g := pk.g
	if pk.started && pk.triesLeft <= 0 {
		return nil, ErrNoMoreTries
	}
	pk.started = true
	if g.single && !pk.onBackup {
		// nginx's peers->single: every method degrades to this, and it
		// reads no clock (fail_timeout windows do not apply).
		g.mu.Lock()
		p := pk.singlePeer()
		g.mu.Unlock()
		if p == nil {
			return nil, ErrNoLiveUpstreams
		}
		return p, nil
	}
	now := g.now()
	g.mu.Lock()
	var p *Peer
	switch g.Method {
	case MethodLeastConn:
		p = pk.leastConn(now)
	case MethodIPHash:
		p = pk.ipHashPeer(now)
	case MethodHash:
		p = pk.hashPeer(now)
	case MethodHashConsistent:
		p = pk.chashPeer(now)
	case MethodRandom, MethodRandomTwo:
		p = pk.randomPeer(now)
	default:
		p = pk.roundRobin(now)
	}
	g.mu.Unlock()
	if p == nil {
		return nil, ErrNoLiveUpstreams
	}
	return p, nil
}

// Done implements Picker: ngx_http_upstream_free_round_robin_peer.
func (pk *picker) Done(p *Peer, failed bool) {
	g := pk.g
	if p == nil {
		return
	}
	if g.single {
		g.mu.Lock()
		p.conns--
		pk.triesLeft = 0
		g.mu.Unlock()
		return
	}
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if failed {
		p.fails++
		p.accessed = now
		p.checked = now
		if p.MaxFails > 0 {
			p.effectiveWeight -= p.Weight / p.MaxFails
		}
		if p.effectiveWeight < 0 {
			p.effectiveWeight = 0
		}
	} else if p.accessed.Before(p.checked) {
		// A success after the failure window was re-checked: the peer is
		// healthy again.
		p.fails = 0
	}
	p.conns--
	if pk.triesLeft > 0 {
		pk.triesLeft--
	}
}

// take records that p is handed out: nginx's peer->conns++, the checked
// timestamp that opens a new fail_timeout window, and the tried bit.
func (pk *picker) take(p *Peer, i int, now time.Time) *Peer {
	p.conns++
	if now.Sub(p.checked) > p.FailTimeout {
		p.checked = now
	}
	pk.setTried(i)
	return p
}

// list is the peer list currently in use (primary, or backup after every
// primary failed).
func (pk *picker) list() []*Peer {
	if pk.onBackup {
		return pk.g.backup
	}
	return pk.g.primary
}

// switchToBackup moves the request on to the backup peers, resetting the
// tried bitmap as nginx does; false when there are none or it already did.
func (pk *picker) switchToBackup() bool {
	if pk.onBackup || len(pk.g.backup) == 0 {
		return false
	}
	pk.onBackup = true
	n := (len(pk.g.backup) + 63) / 64
	if n > len(pk.tried) {
		pk.tried = make([]uint64, n)
	} else {
		clear(pk.tried)
	}
	return true
}

// singlePeer is ngx_http_upstream_get_round_robin_peer's peers->single
// branch: down and max_conns apply; max_fails never does (Done does not
// count failures of a single peer), so no fail_timeout window is opened.
func (pk *picker) singlePeer() *Peer {
	p := pk.g.primary[0]
	if p.Down || (p.MaxConns > 0 && p.conns >= p.MaxConns) {
		return nil
	}
	p.conns++
	pk.setTried(0)
	return p
}

// roundRobin is ngx_http_upstream_get_round_robin_peer.
func (pk *picker) roundRobin(now time.Time) *Peer {
	g := pk.g
	if !pk.onBackup && g.single {
		return pk.singlePeer()
	}
	for {
		if p := pk.smoothWeighted(pk.list(), now); p != nil {
			return p
		}
		if !pk.switchToBackup() {
			return nil
		}
	}
}

// smoothWeighted is ngx_http_upstream_get_peer: every available peer's
// current weight grows by its effective weight, the largest wins and pays
// back the total. Effective weights recover by one per pick after failures.
func (pk *picker) smoothWeighted(peers []*Peer, now time.Time) *Peer {
	var best *Peer
	bestI, total := 0, 0
	for i, p := range peers {
		if pk.isTried(i) || !p.available(now) {
			continue
		}
		p.currentWeight += p.effectiveWeight
		total += p.effectiveWeight
		if p.effectiveWeight < p.Weight {
			p.effectiveWeight++
		}
		if best == nil || p.currentWeight > best.currentWeight {
			best, bestI = p, i
		}
	}
	if best == nil {
		return nil
	}
	best.currentWeight -= total
	return pk.take(best, bestI, now)
}

// leastConn is ngx_http_upstream_get_least_conn_peer: the fewest conns
// relative to weight; ties broken by smooth weighted round robin.
func (pk *picker) leastConn(now time.Time) *Peer {
	g := pk.g
	if !pk.onBackup && g.single {
		return pk.roundRobin(now)
	}
	for {
		if p := pk.leastConnIn(pk.list(), now); p != nil {
			return p
		}
		if !pk.switchToBackup() {
			return nil
		}
	}
}

func (pk *picker) leastConnIn(peers []*Peer, now time.Time) *Peer {
	var best *Peer
	bestI, many := 0, false
	for i, p := range peers {
		if pk.isTried(i) || !p.available(now) {
			continue
		}
		if best == nil || p.conns*best.Weight < best.conns*p.Weight {
			best, bestI, many = p, i, false
		} else if p.conns*best.Weight == best.conns*p.Weight {
			many = true
		}
	}
	if best == nil {
		return nil
	}
	if many {
		total := 0
		first := bestI
		for i := first; i < len(peers); i++ {
			p := peers[i]
			if pk.isTried(i) || !p.available(now) {
				continue
			}
			if p.conns*best.Weight != best.conns*p.Weight {
				continue
			}
			p.currentWeight += p.effectiveWeight
			total += p.effectiveWeight
			if p.effectiveWeight < p.Weight {
				p.effectiveWeight++
			}
			if p.currentWeight > best.currentWeight {
				best, bestI = p, i
			}
		}
		best.currentWeight -= total
	}
	return pk.take(best, bestI, now)
}

// peerByWeight walks the primary peers' weights as the hash methods do:
// the peer whose weight range holds w.
func (g *Group) peerByWeight(w int) (int, *Peer) {
	for i, p := range g.primary {
		if w < p.Weight {
			return i, p
		}
		w -= p.Weight
	}
	return len(g.primary) - 1, g.primary[len(g.primary)-1]
}

// ipHashPeer is ngx_http_upstream_get_ip_hash_peer.
func (pk *picker) ipHashPeer(now time.Time) *Peer {
	g := pk.g
	if pk.onBackup || pk.htries > 20 || g.single {
		return pk.roundRobin(now)
	}
	hash := pk.ipHash
	for {
		for _, b := range pk.ipAddr {
			hash = (hash*113 + uint32(b)) % 6271
		}
		i, p := g.peerByWeight(int(hash % uint32(g.totalWeight)))
		if !pk.isTried(i) && p.available(now) {
			pk.ipHash = hash
			return pk.take(p, i, now)
		}
		pk.htries++
		if pk.htries > 20 {
			pk.ipHash = hash
			return pk.roundRobin(now)
		}
	}
}

// hashPeer is ngx_http_upstream_get_hash_peer (Cache::Memcached compatible:
// ((crc32([REHASH] KEY) >> 16) & 0x7fff) + PREV_HASH). An empty key falls
// back to round robin, as in nginx 1.22 (checked against it).
func (pk *picker) hashPeer(now time.Time) *Peer {
	g := pk.g
	if pk.onBackup || pk.htries > 20 || len(g.primary) < 2 || len(pk.key) == 0 {
		return pk.roundRobin(now)
	}
	var buf [20]byte
	for {
		crc := uint32(0)
		if pk.rehash > 0 {
			crc = crc32Update(crc, strconv.AppendInt(buf[:0], int64(pk.rehash), 10))
		}
		crc = crc32Update(crc, pk.key)
		pk.hash += (crc >> 16) & 0x7fff
		pk.rehash++
		i, p := g.peerByWeight(int(pk.hash % uint32(g.totalWeight)))
		if !pk.isTried(i) && p.available(now) {
			return pk.take(p, i, now)
		}
		pk.htries++
		if pk.htries > 20 {
			return pk.roundRobin(now)
		}
	}
}

// chashPeer is ngx_http_upstream_get_chash_peer: walk the ketama ring from
// the key's point; among the peers of that point's server, smooth weighted
// round robin picks one. As in nginx 1.22: an empty key, a single peer or
// more than 20 steps fall back to round robin.
func (pk *picker) chashPeer(now time.Time) *Peer {
	g := pk.g
	if pk.onBackup || pk.htries > 20 || len(g.primary) < 2 || len(pk.key) == 0 {
		return pk.roundRobin(now)
	}
	n := uint32(len(g.points))
	for {
		server := g.points[pk.hash%n].server
		var best *Peer
		bestI, total := 0, 0
		for i, p := range g.primary {
			if pk.isTried(i) || p.Down || p.Server != server || !p.available(now) {
				continue
			}
			p.currentWeight += p.effectiveWeight
			total += p.effectiveWeight
			if p.effectiveWeight < p.Weight {
				p.effectiveWeight++
			}
			if best == nil || p.currentWeight > best.currentWeight {
				best, bestI = p, i
			}
		}
		if best != nil {
			best.currentWeight -= total
			return pk.take(best, bestI, now)
		}
		pk.hash++
		pk.htries++
		if pk.htries > 20 {
			return pk.roundRobin(now)
		}
	}
}

// randomPeer is ngx_http_upstream_get_random_peer and, for "two",
// ngx_http_upstream_get_random2_peer (the one with fewer conns relative to
// weight of two random picks).
func (pk *picker) randomPeer(now time.Time) *Peer {
	g := pk.g
	if pk.onBackup || g.single {
		return pk.roundRobin(now)
	}
	pickOne := func(exclude int) (int, *Peer) {
		for tries := 0; tries <= 20; tries++ {
			i := g.randomIndex()
			p := g.primary[i]
			if i != exclude && !pk.isTried(i) && p.available(now) {
				return i, p
			}
		}
		return -1, nil
	}
	i, p := pickOne(-1)
	if p == nil {
		return pk.roundRobin(now)
	}
	if g.Method == MethodRandomTwo {
		// nginx keeps the second pick unless it is busier (relative to
		// weight) than the first.
		if j, q := pickOne(i); q != nil && q.conns*p.Weight <= p.conns*q.Weight {
			i, p = j, q
		}
	}
	return pk.take(p, i, now)
}

// randomIndex picks a primary peer with probability proportional to weight.
func (g *Group) randomIndex() int {
	x := rand.IntN(g.totalWeight)
	lo, hi := 0, len(g.ranges)
	for lo < hi {
		mid := (lo + hi) / 2
		if x < g.ranges[mid] {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
