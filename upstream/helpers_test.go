package upstream

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock: timers fire inside Advance.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	c      *fakeClock
	at     time.Time
	f      func()
	active bool
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{c: c, at: c.now.Add(d), f: f, active: true}
	c.timers = append(c.timers, t)
	return t
}

func (t *fakeTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.active = false
	return was
}

func (t *fakeTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.active
	t.at, t.active = t.c.now.Add(d), true
	return was
}

// Advance moves the clock and runs the timers that came due, in order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		var due *fakeTimer
		for _, t := range c.timers {
			if t.active && !t.at.After(c.now) && (due == nil || t.at.Before(due.at)) {
				due = t
			}
		}
		if due != nil {
			due.active = false
		}
		c.mu.Unlock()
		if due == nil {
			return
		}
		due.f()
	}
}

// upstreamServer is a loopback listener whose accepted connections the test
// controls.
type upstreamServer struct {
	ln    net.Listener
	conns chan net.Conn
	wg    sync.WaitGroup
	mu    sync.Mutex
	all   []net.Conn
}

func newUpstreamServer(t testing.TB) *upstreamServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &upstreamServer{ln: ln, conns: make(chan net.Conn, 1024)}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.all = append(s.all, c)
			s.mu.Unlock()
			select {
			case s.conns <- c:
			default: // nobody will accept() it (benchmarks)
			}
		}
	}()
	t.Cleanup(s.close)
	return s
}

// dialTestConn starts an upstream server and dials one connection to it
// through a pool without a watcher; the connection and the pool are closed
// when the test ends.
func dialTestConn(t testing.TB, raw bool) (*upstreamServer, *Conn) {
	t.Helper()
	srv := newUpstreamServer(t)
	peer := &Peer{Name: srv.addr(), Network: "tcp", Addr: srv.addr(), Weight: 1}
	p := NewPool([]*Peer{peer}, PoolConfig{MaxIdle: 4, Watch: WatchOff, RawSocketIO: raw})
	t.Cleanup(p.Close)
	c, err := p.Dial(context.Background(), peer, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return srv, c
}

func (s *upstreamServer) addr() string { return s.ln.Addr().String() }

func (s *upstreamServer) close() {
	s.ln.Close()
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.all {
		c.Close()
	}
}

// accept returns the server side of the next connection.
func (s *upstreamServer) accept(t testing.TB) net.Conn {
	t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no connection accepted")
		return nil
	}
}

// waitEOF reports whether the server side sees the connection closed.
func waitEOF(t testing.TB, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	n, err := c.Read(b[:])
	return n == 0 && err != nil && !isTimeout(err)
}

// stillOpen reports whether the server side has not seen a close (a short
// read times out).
func stillOpen(t testing.TB, c net.Conn) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	var b [1]byte
	_, err := c.Read(b[:])
	_ = c.SetReadDeadline(time.Time{})
	return isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// okOutcome is a clean exchange.
func okOutcome(key string, limit int) Outcome {
	return Outcome{ResponseComplete: true, UpstreamKeepAlive: true, RequestBodySent: true, Key: key, Limit: limit}
}

// checkInvariants verifies the pool's bookkeeping: every count equals its
// list's length, no connection is in two places, limits hold.
func (p *Pool) checkInvariants(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := map[*Conn]string{}
	n := 0
	var prev *Conn
	for c := p.lruHead; c != nil; c = c.lruNext {
		if c.lruPrev != prev {
			t.Fatalf("lru back link broken")
		}
		prev = c
		if c.state != stateIdle {
			t.Fatalf("conn in LRU has state %d", c.state)
		}
		if _, dup := seen[c]; dup {
			t.Fatalf("conn twice in LRU")
		}
		seen[c] = "lru"
		n++
	}
	if prev != p.lruTail {
		t.Fatalf("lru tail wrong")
	}
	if n != p.idle {
		t.Fatalf("idle=%d but LRU holds %d", p.idle, n)
	}
	if p.idle > p.cfg.MaxIdle {
		t.Fatalf("idle %d > keepalive %d", p.idle, p.cfg.MaxIdle)
	}
	check := func(s *slice) int {
		cnt := 0
		for a := range s.byAddr {
			var prev *Conn
			for c := s.byAddr[a].head; c != nil; c = c.slNext {
				if c.slPrev != prev {
					t.Fatalf("slice back link broken")
				}
				prev = c
				if seen[c] != "lru" {
					t.Fatalf("conn in slice %q not in LRU or in two slices", s.key)
				}
				seen[c] = "slice"
				if c.sl != s || int(c.addr) != a {
					t.Fatalf("conn's slice/addr fields disagree with its list")
				}
				if p.cfg.Sliced && c.Key != s.key {
					t.Fatalf("conn key %q in slice %q", c.Key, s.key)
				}
				cnt++
			}
			if prev != s.byAddr[a].tail {
				t.Fatalf("slice tail wrong")
			}
		}
		if cnt != s.count {
			t.Fatalf("slice %q count %d but lists hold %d", s.key, s.count, cnt)
		}
		return cnt
	}
	total := 0
	if p.cfg.Sliced {
		if len(p.slices) > p.cfg.SlicePoolSize {
			t.Fatalf("%d slices > slice_poolsize %d", len(p.slices), p.cfg.SlicePoolSize)
		}
		for k, s := range p.slices {
			if s.key != k {
				t.Fatalf("slice map key %q holds slice %q", k, s.key)
			}
			if s.count == 0 {
				t.Fatalf("empty slice %q kept alive", k)
			}
			if s.count > s.limit {
				t.Fatalf("slice %q holds %d > limit %d", k, s.count, s.limit)
			}
			total += check(s)
		}
		if p.shared.count != 0 {
			t.Fatalf("shared list used by a sliced pool")
		}
	} else {
		total = check(p.shared)
	}
	if total != p.idle {
		t.Fatalf("slices hold %d, idle=%d", total, p.idle)
	}
	bn := 0
	for i := range p.buckets {
		eb := &p.buckets[i]
		cnt := 0
		last := int64(-1 << 62)
		for c := eb.head; c != nil; c = c.expNext {
			if seen[c] == "" {
				t.Fatalf("conn in expiry bucket not parked")
			}
			if c.deadline < last {
				t.Fatalf("expiry bucket out of order")
			}
			last = c.deadline
			cnt++
		}
		if cnt != eb.n {
			t.Fatalf("bucket n=%d holds %d", eb.n, cnt)
		}
		bn += cnt
	}
	if p.cfg.IdleTimeout > 0 && bn != p.idle {
		t.Fatalf("buckets hold %d of %d idle", bn, p.idle)
	}
	sum := 0
	for _, n := range p.peerIdle {
		sum += n
	}
	if sum != p.idle {
		t.Fatalf("per-peer idle sums to %d, idle=%d", sum, p.idle)
	}
}
