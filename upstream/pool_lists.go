package upstream

import "time"

// slice is one slice key's idle connections, a list per peer address.
type slice struct {
	key    string
	count  int // idle connections in the slice, all addresses
	limit  int // the limit of the last Put
	reused uint64
	byAddr []connList
	next   *slice // free list
}

// connList is an intrusive list of idle connections, most recent first.
type connList struct {
	head, tail *Conn
}

// expBucket holds the idle connections that share one idle duration, in
// park order, so its head has the earliest deadline. Pools see one duration
// (keepalive_timeout) plus the few an upstream's Keep-Alive header implies.
type expBucket struct {
	d          int64
	head, tail *Conn
	n          int
}

const maxBuckets = 8

func (p *Pool) newSlice(key string) *slice {
	s := p.freeSl
	if s != nil {
		p.freeSl = s.next
		s.next = nil
		s.key, s.count, s.limit, s.reused = key, 0, 0, 0
		return s
	}
	return &slice{key: key, byAddr: make([]connList, p.naddrs)}
}

// releaseSliceIfEmpty gives an empty slice's place back (tengine never
// does), keeping the struct for reuse.
func (p *Pool) releaseSliceIfEmpty(s *slice) {
	if s == nil || s == p.shared || s.count > 0 || !p.cfg.Sliced {
		return
	}
	if p.slices[s.key] == s {
		delete(p.slices, s.key)
	}
	s.key = ""
	s.next = p.freeSl
	p.freeSl = s
}

// park inserts c as the most recently used idle connection of slice s.
func (p *Pool) park(c *Conn, s *slice, now, idleFor int64) {
	c.state = stateIdle
	c.sl = s
	c.addr = p.addrOf[c.Peer.Index]
	l := &s.byAddr[c.addr]
	c.slPrev, c.slNext = nil, l.head
	if l.head != nil {
		l.head.slPrev = c
	} else {
		l.tail = c
	}
	l.head = c
	s.count++

	c.lruPrev, c.lruNext = nil, p.lruHead
	if p.lruHead != nil {
		p.lruHead.lruPrev = c
	} else {
		p.lruTail = c
	}
	p.lruHead = c
	p.idle++
	p.peerIdle[c.Peer.Index]++

	c.bucket, c.deadline = -1, 0
	if idleFor >= 0 {
		b := p.bucketFor(idleFor)
		eb := &p.buckets[b]
		c.bucket = int8(b)
		c.deadline = now + eb.d
		if eb.tail != nil && c.deadline < eb.tail.deadline {
			// Put reads the clock before taking the lock, so a Put that
			// read it a little earlier can come second: it takes the
			// tail's deadline (later by that little) and the bucket stays
			// in deadline order, which the expiry sweep relies on.
			c.deadline = eb.tail.deadline
		}
		c.expNext, c.expPrev = nil, eb.tail
		if eb.tail != nil {
			eb.tail.expNext = c
		} else {
			eb.head = c
		}
		eb.tail = c
		eb.n++
		if p.timerAt == 0 || c.deadline < p.timerAt {
			p.armTimer(c.deadline, now)
		}
	}
}

// unpark removes c from every list; the caller sets its new state.
func (p *Pool) unpark(c *Conn) {
	s := c.sl
	l := &s.byAddr[c.addr]
	if c.slPrev != nil {
		c.slPrev.slNext = c.slNext
	} else {
		l.head = c.slNext
	}
	if c.slNext != nil {
		c.slNext.slPrev = c.slPrev
	} else {
		l.tail = c.slPrev
	}
	c.slPrev, c.slNext = nil, nil
	s.count--

	if c.lruPrev != nil {
		c.lruPrev.lruNext = c.lruNext
	} else {
		p.lruHead = c.lruNext
	}
	if c.lruNext != nil {
		c.lruNext.lruPrev = c.lruPrev
	} else {
		p.lruTail = c.lruPrev
	}
	c.lruPrev, c.lruNext = nil, nil
	p.idle--
	p.peerIdle[c.Peer.Index]--

	if c.bucket >= 0 {
		eb := &p.buckets[c.bucket]
		if c.expPrev != nil {
			c.expPrev.expNext = c.expNext
		} else {
			eb.head = c.expNext
		}
		if c.expNext != nil {
			c.expNext.expPrev = c.expPrev
		} else {
			eb.tail = c.expPrev
		}
		eb.n--
		c.expPrev, c.expNext = nil, nil
		c.bucket = -1
	}
	c.state = stateInUse
}

// bucketFor returns the bucket for an idle duration: the one with exactly
// that duration, a new one, or when all are taken and busy the bucket with
// the longest duration not above it (else the shortest): deadlines may come
// early, never late.
func (p *Pool) bucketFor(d int64) int {
	free := -1
	for i := range p.buckets {
		if p.buckets[i].d == d {
			return i
		}
		if free < 0 && p.buckets[i].n == 0 {
			free = i
		}
	}
	if free >= 0 {
		p.buckets[free].d = d
		return free
	}
	if len(p.buckets) < maxBuckets {
		p.buckets = append(p.buckets, expBucket{d: d})
		return len(p.buckets) - 1
	}
	best := -1
	for i := range p.buckets {
		bd := p.buckets[i].d
		if bd <= d && (best < 0 || bd > p.buckets[best].d) {
			best = i
		}
	}
	if best < 0 {
		for i := range p.buckets {
			if best < 0 || p.buckets[i].d < p.buckets[best].d {
				best = i
			}
		}
	}
	return best
}

// armTimer makes the pool's one timer fire at deadline.
func (p *Pool) armTimer(deadline, now int64) {
	p.timerAt = deadline
	d := time.Duration(deadline - now)
	if d < 0 {
		d = 0
	}
	if p.timer == nil {
		p.timer = p.clock.AfterFunc(d, p.expire)
		return
	}
	p.timer.Reset(d)
}

// expire is the timer's function: close every connection past its idle
// deadline (keepalive_timeout) and re-arm for the next one.
func (p *Pool) expire() {
	now := p.nowNano()
	var stale *Conn
	p.mu.Lock()
	p.timerAt = 0
	if p.closed {
		p.mu.Unlock()
		return
	}
	next := int64(0)
	for i := range p.buckets {
		eb := &p.buckets[i]
		for c := eb.head; c != nil; c = eb.head {
			if c.deadline > now {
				if next == 0 || c.deadline < next {
					next = c.deadline
				}
				break
			}
			p.removeIdle(c)
			p.total.timedOut++
			p.perPeer[c.Peer.Index].timedOut++
			c.lruNext = stale
			stale = c
		}
	}
	if next != 0 {
		p.armTimer(next, now)
	}
	p.mu.Unlock()
	p.discardList(stale)
}
