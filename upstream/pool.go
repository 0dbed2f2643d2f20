package upstream

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
)

// Defaults of the keepalive directives.
const (
	DefaultIdleTimeout   = 60 * time.Second // keepalive_timeout
	DefaultMaxRequests   = 1000             // keepalive_requests
	DefaultMaxLifetime   = time.Hour        // keepalive_time
	DefaultSlicePoolSize = 20               // slice_poolsize
	DefaultSliceKeyLen   = 40               // slice_keylen
)

// WatchMode selects how idle connections are watched for an upstream close.
type WatchMode uint8

const (
	// WatchAuto uses epoll on Linux for connections with a file descriptor
	// and a goroutine per idle connection otherwise.
	WatchAuto WatchMode = iota
	// WatchGoroutine uses a goroutine per idle connection everywhere.
	WatchGoroutine
	// WatchOff does not watch (tests and benchmarks of the bookkeeping).
	WatchOff
)

// PoolConfig is the keepalive configuration of one group.
type PoolConfig struct {
	// Name is the upstream's name, for logs and Stats.
	Name string
	// MaxIdle is keepalive N: idle connections kept across all slices.
	MaxIdle int
	// Sliced keeps connections per slice key (slice_key given).
	Sliced bool
	// SlicePoolSize bounds the slices alive at once (default 20).
	SlicePoolSize int
	// SliceKeyLen cuts keys to this many bytes (default 40).
	SliceKeyLen int
	// IdleTimeout is keepalive_timeout (default 60s; negative: none).
	IdleTimeout time.Duration
	// MaxRequests is keepalive_requests (default 1000).
	MaxRequests int
	// MaxLifetime is keepalive_time (default 1h).
	MaxLifetime time.Duration
	// Clock defaults to the system clock.
	Clock Clock
	// Log receives refusals at debug level and watcher problems; the zero
	// Logger discards.
	Log zerolog.Logger
	// Watch selects the idle watcher.
	Watch WatchMode
	// RawSocketIO: connections read and write through http1.RawSocket.
	RawSocketIO bool
}

// Pool keeps one group's idle upstream connections. It is safe for
// concurrent use; one mutex guards it and every critical section is a few
// list operations.
type Pool struct {
	cfg   PoolConfig
	clock Clock
	epoch time.Time
	// sysClock: clock is SystemClock, so nowNano may use time.Since.
	sysClock bool
	peers    []*Peer
	// addrOf maps Peer.Index to a dense address id: peers with the same
	// address share idle connections, as nginx compares sockaddrs.
	addrOf []int32
	naddrs int

	mu       sync.Mutex
	closed   bool
	idle     int
	shared   *slice            // the one list without slices
	slices   map[string]*slice // live slices (at least one idle connection)
	freeSl   *slice            // recycled slice structs
	lruHead  *Conn             // most recently parked
	lruTail  *Conn             // least recently parked: evicted first
	buckets  []expBucket
	timer    Timer
	timerAt  int64 // deadline the timer is armed for, 0 when not armed
	total    counters
	perPeer  []counters // by Peer.Index
	peerIdle []int      // by Peer.Index

	watch *epollWatcher // nil: not started or unavailable
	// watchShared is watch for readers without p.mu (Put's re-arm); the
	// watcher's file stays valid for them until its Control calls return.
	watchShared atomic.Pointer[epollWatcher]
	noEpoll     bool    // starting the epoll watcher failed
	slots       []*Conn // watch table: slot -> connection
	slotGen     []uint32
	freeSlt     []uint32
	gwg         sync.WaitGroup // goroutine watchers

	reap reaper // closes what the pool discards
}

// counters are the cumulative numbers of a pool, a peer or a slice.
type counters struct {
	reused           uint64
	dialed           uint64
	evicted          uint64
	closedByUpstream uint64
	unsolicited      uint64
	timedOut         uint64
	refused          [numReasons]uint64
}

// NewPool returns a pool for the peers of one group (Group.Peers, whose
// Index fields must be their positions).
func NewPool(peers []*Peer, cfg PoolConfig) *Pool {
	if cfg.MaxIdle <= 0 {
		cfg.MaxIdle = 1
	}
	if cfg.SlicePoolSize <= 0 {
		cfg.SlicePoolSize = DefaultSlicePoolSize
	}
	if cfg.SliceKeyLen <= 0 {
		cfg.SliceKeyLen = DefaultSliceKeyLen
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxRequests <= 0 {
		cfg.MaxRequests = DefaultMaxRequests
	}
	if cfg.MaxLifetime <= 0 {
		cfg.MaxLifetime = DefaultMaxLifetime
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	p := &Pool{
		cfg:      cfg,
		clock:    cfg.Clock,
		epoch:    cfg.Clock.Now(),
		peers:    peers,
		addrOf:   make([]int32, len(peers)),
		slices:   make(map[string]*slice),
		perPeer:  make([]counters, len(peers)),
		peerIdle: make([]int, len(peers)),
	}
	ids := make(map[string]int32)
	for i, peer := range peers {
		k := peer.Network + " " + peer.Addr
		id, ok := ids[k]
		if !ok {
			id = int32(len(ids))
			ids[k] = id
		}
		p.addrOf[i] = id
	}
	p.naddrs = len(ids)
	_, p.sysClock = cfg.Clock.(SystemClock)
	p.shared = p.newSlice("")
	return p
}

// Config returns the pool's configuration with defaults filled in.
func (p *Pool) Config() PoolConfig { return p.cfg }

// nowNano is the pool's monotonic time: nanoseconds since it was created.
func (p *Pool) nowNano() int64 {
	if p.sysClock {
		// time.Since reads only the monotonic clock: half the cost of Now.
		return int64(time.Since(p.epoch))
	}
	return int64(p.clock.Now().Sub(p.epoch))
}

// addrIndex returns peer's address id, false for a peer of another group.
func (p *Pool) addrIndex(peer *Peer) (int32, bool) {
	if peer == nil || peer.Index < 0 || peer.Index >= len(p.peers) || p.peers[peer.Index] != peer {
		return 0, false
	}
	return p.addrOf[peer.Index], true
}

// truncKey cuts a slice key to slice_keylen bytes (tengine's max_key_length).
func (p *Pool) truncKey(key string) string {
	if len(key) > p.cfg.SliceKeyLen {
		return key[:p.cfg.SliceKeyLen]
	}
	return key
}

// Get returns the most recently used idle connection to peer's address in
// the slice key (the shared list without slices), or nil: then Dial. The
// connection's Requests has been incremented. A nil Pool returns nil.
func (p *Pool) Get(peer *Peer, key string) *Conn {
	if p == nil {
		return nil
	}
	addr, ok := p.addrIndex(peer)
	if !ok {
		return nil
	}
	if p.cfg.Sliced {
		key = p.truncKey(key)
	}
	for {
		c, stale := p.take(addr, key)
		p.discardList(stale)
		if c == nil {
			return nil
		}
		if c.w.stop != nil && !p.stopGoroutineWatch(c) {
			// The upstream closed it or sent bytes while we took it.
			p.reap.discard(c.Conn)
			continue
		}
		return c
	}
}

// take unparks the MRU live connection of (addr, key). Connections found
// past their idle deadline (the timer had not fired yet) are unparked too
// and returned in stale, linked through lruNext, for closing outside the
// lock.
func (p *Pool) take(addr int32, key string) (c, stale *Conn) {
	now := p.nowNano()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, nil
	}
	s := p.shared
	if p.cfg.Sliced {
		s = p.slices[key]
		if s == nil {
			return nil, nil
		}
	}
	l := &s.byAddr[addr]
	for c = l.head; c != nil; c = l.head {
		p.unpark(c)
		if c.deadline != 0 && now >= c.deadline {
			p.total.timedOut++
			p.perPeer[c.Peer.Index].timedOut++
			p.retire(c)
			c.lruNext = stale
			stale = c
			continue
		}
		c.state = stateInUse
		c.Reused = true
		c.Requests++
		p.total.reused++
		p.perPeer[c.Peer.Index].reused++
		s.reused++
		break
	}
	p.releaseSliceIfEmpty(s)
	return c, stale
}

// Put gives a connection back after an exchange. It keeps it when every
// check passes and returns nil; otherwise it closes it and returns a
// RefusedError naming the first failed check (counted in Stats, logged at
// debug). When keepalive N connections are idle already, the least recently
// used one is closed to make room.
func (p *Pool) Put(c *Conn, o Outcome) error {
	if c == nil {
		return RefusedError{Reason: ReasonForeign}
	}
	if p == nil || c.pool != p {
		c.Conn.Close()
		return RefusedError{Reason: ReasonForeign}
	}
	// Re-arm the epoll registration before taking the lock: the syscall
	// stays out of the critical section. park re-checks under the lock.
	if c.w.slot != 0 && !c.w.armed.Load() && c.state == stateInUse {
		p.rearmUnlocked(c)
	}
	now := p.nowNano()
	p.mu.Lock()
	reason, key, limit, idleFor := p.check(c, o, now)
	if reason == ReasonForeign && c.state == stateIdle {
		// A second Put of a parked connection: it stays parked.
		p.total.refused[reason]++
		p.mu.Unlock()
		return RefusedError{Reason: reason}
	}
	if reason != ReasonNone {
		p.total.refused[reason]++
		if c.state == stateInUse {
			p.perPeer[c.Peer.Index].refused[reason]++
			p.retire(c)
		}
		p.mu.Unlock()
		p.cfg.Log.Debug().Str("upstream", p.cfg.Name).Str("peer", c.Peer.Name).
			Str("reason", reason.String()).Msg("keepalive: connection not kept")
		p.reap.discard(c.Conn)
		return RefusedError{Reason: reason}
	}
	var evicted *Conn
	if p.idle >= p.cfg.MaxIdle {
		evicted = p.lruTail
		p.unpark(evicted)
		p.releaseSliceIfEmpty(evicted.sl)
		p.total.evicted++
		p.perPeer[evicted.Peer.Index].evicted++
		p.retire(evicted)
	}
	s := p.shared
	if p.cfg.Sliced {
		s = p.slices[key]
		if s == nil {
			s = p.newSlice(key)
			p.slices[key] = s
		}
		s.limit = limit
		c.Key, c.Limit, c.bound = key, limit, true
	}
	p.park(c, s, now, idleFor)
	goroutineWatch := p.watchParked(c)
	p.mu.Unlock()
	if evicted != nil {
		p.reap.discard(evicted.Conn)
	}
	if goroutineWatch {
		p.startGoroutineWatch(c)
	}
	return nil
}

// check runs Put's flat list of keep/don't-keep rules in order and returns
// the first refusal, else the slice key, limit and idle duration to use.
func (p *Pool) check(c *Conn, o Outcome, now int64) (reason Reason, key string, limit int, idleFor int64) {
	switch {
	case c.state != stateInUse:
		return ReasonForeign, "", 0, 0
	case o.Err != nil:
		return ReasonError, "", 0, 0
	case c.Requests >= p.cfg.MaxRequests:
		return ReasonMaxRequests, "", 0, 0
	case now-c.createdNano > int64(p.cfg.MaxLifetime):
		return ReasonMaxLifetime, "", 0, 0
	case !o.ResponseComplete:
		return ReasonResponseIncomplete, "", 0, 0
	case !o.UpstreamKeepAlive:
		return ReasonUpstreamClose, "", 0, 0
	case !o.RequestBodySent:
		return ReasonRequestBodyUnsent, "", 0, 0
	case p.closed:
		return ReasonShuttingDown, "", 0, 0
	}
	// The upstream's Keep-Alive: max= counts the requests it still allows
	// from now on; remember it as a cap on Requests (checked below and at
	// the following Puts).
	if o.KeepAliveMax > 0 {
		c.requestCap = c.Requests + o.KeepAliveMax
	}
	if c.requestCap > 0 && c.Requests >= c.requestCap {
		return ReasonUpstreamMax, "", 0, 0
	}
	idleFor = -1
	if p.cfg.IdleTimeout > 0 {
		idleFor = int64(p.cfg.IdleTimeout)
	}
	if t := o.KeepAliveTimeout; t > 0 {
		d := t - min(time.Second, t/4)
		if d <= 0 {
			return ReasonUpstreamTimeout, "", 0, 0
		}
		if idleFor < 0 || int64(d) < idleFor {
			idleFor = int64(d)
		}
	}
	if !p.cfg.Sliced {
		return ReasonNone, "", 0, idleFor
	}
	switch {
	case o.Limit == LimitMissing:
		return ReasonSliceVarMissing, "", 0, 0
	case o.Limit < 0:
		return ReasonSliceVarInvalid, "", 0, 0
	case o.Limit == 0:
		return ReasonSliceDisabled, "", 0, 0
	}
	key = p.truncKey(o.Key)
	if c.bound && c.Key != key {
		return ReasonSliceMismatch, "", 0, 0
	}
	s := p.slices[key]
	if s != nil && s.count >= o.Limit {
		return ReasonSliceFull, "", 0, 0
	}
	if s == nil && len(p.slices) >= p.cfg.SlicePoolSize {
		return ReasonSlicePoolFull, "", 0, 0
	}
	return ReasonNone, key, o.Limit, idleFor
}

// Close closes every idle connection, stops the watchers and makes later
// Puts refuse with ReasonShuttingDown. Connections handed out stay usable;
// their Put closes them.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	var all *Conn
	for c := p.lruHead; c != nil; c = p.lruHead {
		p.unpark(c)
		p.retire(c)
		c.expNext = all
		all = c
	}
	for _, s := range p.slices {
		delete(p.slices, s.key)
	}
	if p.timer != nil {
		p.timer.Stop()
		p.timerAt = 0
	}
	w := p.watch
	p.watch = nil
	p.watchShared.Store(nil)
	p.mu.Unlock()
	for c := all; c != nil; {
		next := c.expNext
		c.Conn.Close()
		c = next
	}
	if w != nil {
		w.stop()
	}
	p.gwg.Wait()
	p.reap.stop()
}

// forget is Conn.Close's hook: a connection the caller closes leaves the
// watch table.
func (p *Pool) forget(c *Conn) {
	p.mu.Lock()
	if c.state == stateIdle {
		p.unpark(c)
		p.releaseSliceIfEmpty(c.sl)
	}
	if c.state != stateClosed {
		p.retire(c)
	}
	p.mu.Unlock()
}

// retire marks a connection closed and frees its watch slot. The caller
// closes the socket (outside the lock).
func (p *Pool) retire(c *Conn) {
	c.state = stateClosed
	p.releaseSlot(c)
}

// discardList closes connections linked through lruNext.
func (p *Pool) discardList(c *Conn) {
	for c != nil {
		next := c.lruNext
		c.lruNext = nil
		p.reap.discard(c.Conn)
		c = next
	}
}
