package upstream

import (
	"context"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// env is a pool over real loopback upstreams with a fake clock.
type env struct {
	t     *testing.T
	clk   *fakeClock
	srv   []*upstreamServer
	group *Group
	pool  *Pool
}

func newEnv(t *testing.T, nPeers int, cfg PoolConfig) *env {
	t.Helper()
	e := &env{t: t, clk: newFakeClock()}
	var peers []*Peer
	for i := 0; i < nPeers; i++ {
		s := newUpstreamServer(t)
		e.srv = append(e.srv, s)
		peers = append(peers, &Peer{Name: s.addr()})
	}
	e.group = NewGroup("u", MethodRoundRobin, peers, e.clk)
	cfg.Clock = e.clk
	if cfg.MaxIdle == 0 {
		cfg.MaxIdle = 16
	}
	e.pool = NewPool(e.group.Peers, cfg)
	t.Cleanup(e.pool.Close)
	return e
}

// dial connects to peer i and returns both ends.
func (e *env) dial(i int) (*Conn, net.Conn) {
	e.t.Helper()
	c, err := e.pool.Dial(context.Background(), e.group.Peers[i], time.Second)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	return c, e.srv[i].accept(e.t)
}

// put puts c back and returns the refusal reason (ReasonNone when kept).
func (e *env) put(c *Conn, o Outcome) Reason {
	e.t.Helper()
	err := e.pool.Put(c, o)
	e.pool.checkInvariants(e.t)
	if err == nil {
		return ReasonNone
	}
	var re RefusedError
	if !errors.As(err, &re) {
		e.t.Fatalf("Put returned %v, not a RefusedError", err)
	}
	return re.Reason
}

func (e *env) wantPut(c *Conn, o Outcome, want Reason) {
	e.t.Helper()
	if got := e.put(c, o); got != want {
		e.t.Fatalf("Put: got %q, want %q", got, want)
	}
}

func (e *env) get(i int, key string) *Conn {
	e.t.Helper()
	c := e.pool.Get(e.group.Peers[i], key)
	e.pool.checkInvariants(e.t)
	return c
}

// waitIdle waits until the pool holds n idle connections (the watcher runs
// asynchronously); it fails only if that never happens.
func (e *env) waitIdle(n int) {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for e.pool.Stats().Idle != n {
		if time.Now().After(deadline) {
			e.t.Fatalf("idle stays %d, want %d", e.pool.Stats().Idle, n)
		}
		time.Sleep(time.Millisecond)
	}
	e.pool.checkInvariants(e.t)
}

func sliced(maxIdle, poolSize, keyLen int) PoolConfig {
	return PoolConfig{MaxIdle: maxIdle, Sliced: true, SlicePoolSize: poolSize, SliceKeyLen: keyLen}
}

func TestPoolRules(t *testing.T) {
	cases := []struct {
		name  string
		peers int
		cfg   PoolConfig
		run   func(e *env)
	}{
		{"unsliced get returns MRU", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			a, _ := e.dial(0)
			b, _ := e.dial(0)
			e.wantPut(a, okOutcome("", 0), ReasonNone)
			e.wantPut(b, okOutcome("", 0), ReasonNone)
			if got := e.get(0, "ignored"); got != b {
				e.t.Fatalf("Get did not return the most recently used connection")
			}
			if !b.Reused || b.Requests != 2 {
				e.t.Fatalf("Reused=%v Requests=%d, want true 2", b.Reused, b.Requests)
			}
		}},
		{"LRU eviction across slices", 1, sliced(3, 10, 40), func(e *env) {
			var srv []net.Conn
			for _, k := range []string{"a", "b", "c", "d"} {
				c, s := e.dial(0)
				srv = append(srv, s)
				e.wantPut(c, okOutcome(k, 5), ReasonNone)
			}
			if !waitEOF(e.t, srv[0]) {
				e.t.Fatalf("least recently used connection (slice a) not closed")
			}
			for _, s := range srv[1:] {
				if !stillOpen(e.t, s) {
					e.t.Fatalf("a more recent connection was closed")
				}
			}
			st := e.pool.Stats()
			if st.Evicted != 1 || st.Idle != 3 || st.LiveSlices != 3 {
				e.t.Fatalf("stats %+v", st)
			}
			if e.get(0, "a") != nil {
				e.t.Fatalf("slice a still has a connection")
			}
		}},
		{"eviction decrements its slice", 1, sliced(2, 10, 40), func(e *env) {
			a1, _ := e.dial(0)
			e.wantPut(a1, okOutcome("a", 1), ReasonNone)
			b1, _ := e.dial(0)
			e.wantPut(b1, okOutcome("b", 1), ReasonNone)
			c1, _ := e.dial(0)
			e.wantPut(c1, okOutcome("c", 1), ReasonNone) // evicts a1
			a2, _ := e.dial(0)
			// tengine would refuse: slice a still counted full.
			e.wantPut(a2, okOutcome("a", 1), ReasonNone)
		}},
		{"per-slice cap", 1, sliced(10, 10, 40), func(e *env) {
			for i := 0; i < 2; i++ {
				c, _ := e.dial(0)
				e.wantPut(c, okOutcome("a", 2), ReasonNone)
			}
			c, s := e.dial(0)
			e.wantPut(c, okOutcome("a", 2), ReasonSliceFull)
			if !waitEOF(e.t, s) {
				e.t.Fatalf("refused connection not closed")
			}
			c2, _ := e.dial(0)
			e.wantPut(c2, okOutcome("b", 2), ReasonNone)
		}},
		{"slice limit 0 disables", 1, sliced(10, 10, 40), func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("a", 0), ReasonSliceDisabled)
		}},
		{"slice_dyn missing", 1, sliced(10, 10, 40), func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("a", LimitMissing), ReasonSliceVarMissing)
		}},
		{"slice_dyn not an integer", 1, sliced(10, 10, 40), func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("a", LimitInvalid), ReasonSliceVarInvalid)
		}},
		{"slice_dyn number is the cap", 1, sliced(10, 10, 40), func(e *env) {
			for i := 0; i < 3; i++ {
				c, _ := e.dial(0)
				e.wantPut(c, okOutcome("a", 3), ReasonNone)
			}
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("a", 3), ReasonSliceFull)
			if st := e.pool.Stats(); st.Slices[0].Limit != 3 || st.Slices[0].Idle != 3 {
				e.t.Fatalf("slice stats %+v", st.Slices)
			}
		}},
		{"poolsize full, then a slice empties and a new key is admitted", 1, sliced(10, 2, 40), func(e *env) {
			a, _ := e.dial(0)
			e.wantPut(a, okOutcome("a", 1), ReasonNone)
			b, _ := e.dial(0)
			e.wantPut(b, okOutcome("b", 1), ReasonNone)
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("c", 1), ReasonSlicePoolFull)
			if got := e.get(0, "a"); got != a {
				e.t.Fatalf("Get(a) did not return a's connection")
			}
			if st := e.pool.Stats(); st.LiveSlices != 1 {
				e.t.Fatalf("emptied slice still alive: %+v", st.Slices)
			}
			c2, _ := e.dial(0)
			e.wantPut(c2, okOutcome("c", 1), ReasonNone)
			// a's connection cannot come back: no room for slice a now.
			e.wantPut(a, okOutcome("a", 1), ReasonSlicePoolFull)
		}},
		{"existing slice keeps caching when the pool of slices is full", 1, sliced(10, 1, 40), func(e *env) {
			a, _ := e.dial(0)
			e.wantPut(a, okOutcome("a", 2), ReasonNone)
			a2, _ := e.dial(0)
			e.wantPut(a2, okOutcome("a", 2), ReasonNone)
		}},
		{"keys cut to slice_keylen", 1, sliced(10, 10, 4), func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("abcdefgh", 2), ReasonNone)
			if st := e.pool.Stats(); st.Slices[0].Key != "abcd" {
				e.t.Fatalf("slice key %q, want abcd", st.Slices[0].Key)
			}
			if got := e.get(0, "abcdXYZ"); got != c {
				e.t.Fatalf("key with the same first 4 bytes did not find the connection")
			}
			if c.Key != "abcd" {
				e.t.Fatalf("Conn.Key %q", c.Key)
			}
		}},
		{"a connection never changes slice", 1, sliced(10, 10, 40), func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("a.test", 2), ReasonNone)
			if e.get(0, "b.test") != nil {
				e.t.Fatalf("slice b got slice a's connection")
			}
			c = e.get(0, "a.test")
			e.wantPut(c, okOutcome("b.test", 2), ReasonSliceMismatch)
		}},
		{"keepalive_timeout closes idle connections", 1, PoolConfig{MaxIdle: 4, IdleTimeout: 60 * time.Second}, func(e *env) {
			c, s := e.dial(0)
			e.wantPut(c, okOutcome("", 0), ReasonNone)
			e.clk.Advance(59 * time.Second)
			if e.pool.Stats().Idle != 1 || !stillOpen(e.t, s) {
				e.t.Fatalf("closed before keepalive_timeout")
			}
			e.clk.Advance(2 * time.Second)
			if st := e.pool.Stats(); st.Idle != 0 || st.TimedOut != 1 {
				e.t.Fatalf("after keepalive_timeout: %+v", st)
			}
			if !waitEOF(e.t, s) {
				e.t.Fatalf("timed-out connection not closed")
			}
		}},
		{"Get skips a connection past its deadline", 1, PoolConfig{MaxIdle: 4, IdleTimeout: 10 * time.Second}, func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("", 0), ReasonNone)
			e.clk.mu.Lock()
			e.clk.now = e.clk.now.Add(11 * time.Second) // no timers run
			e.clk.mu.Unlock()
			if e.get(0, "") != nil {
				e.t.Fatalf("Get returned an expired connection")
			}
			if st := e.pool.Stats(); st.TimedOut != 1 {
				e.t.Fatalf("TimedOut=%d", st.TimedOut)
			}
		}},
		{"a Put that read the clock earlier but locked later keeps the bucket in order", 1, PoolConfig{MaxIdle: 4, IdleTimeout: 10 * time.Second}, func(e *env) {
			// Put reads the clock before its lock: two Puts can park in the
			// opposite order of their clock reads. A clock stepping back
			// between two Puts is the same as far as the pool can tell.
			c1, _ := e.dial(0)
			c2, _ := e.dial(0)
			e.wantPut(c1, okOutcome("", 0), ReasonNone)
			e.clk.mu.Lock()
			e.clk.now = e.clk.now.Add(-time.Microsecond)
			e.clk.mu.Unlock()
			e.wantPut(c2, okOutcome("", 0), ReasonNone)
			if c2.deadline != c1.deadline {
				e.t.Fatalf("second deadline %d, want the first's %d", c2.deadline, c1.deadline)
			}
			e.pool.checkInvariants(e.t)
			e.clk.Advance(10*time.Second + time.Microsecond)
			if st := e.pool.Stats(); st.Idle != 0 || st.TimedOut != 2 {
				e.t.Fatalf("after keepalive_timeout: %+v", st)
			}
		}},
		{"keepalive_requests", 1, PoolConfig{MaxIdle: 4, MaxRequests: 3}, func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("", 0), ReasonNone) // request 1
			c = e.get(0, "")
			e.wantPut(c, okOutcome("", 0), ReasonNone) // request 2
			c = e.get(0, "")
			e.wantPut(c, okOutcome("", 0), ReasonMaxRequests) // request 3
		}},
		{"keepalive_time", 1, PoolConfig{MaxIdle: 4, MaxLifetime: time.Hour, IdleTimeout: -1}, func(e *env) {
			c, _ := e.dial(0)
			e.clk.Advance(time.Hour)
			e.wantPut(c, okOutcome("", 0), ReasonNone)
			c = e.get(0, "")
			e.clk.Advance(time.Second)
			e.wantPut(c, okOutcome("", 0), ReasonMaxLifetime)
		}},
		{"Connection: close", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			c, _ := e.dial(0)
			o := okOutcome("", 0)
			o.UpstreamKeepAlive = false
			e.wantPut(c, o, ReasonUpstreamClose)
		}},
		{"exchange error", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			c, _ := e.dial(0)
			o := okOutcome("", 0)
			o.Err = errors.New("upstream timed out")
			e.wantPut(c, o, ReasonError)
		}},
		{"response incomplete", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			c, _ := e.dial(0)
			o := okOutcome("", 0)
			o.ResponseComplete = false
			e.wantPut(c, o, ReasonResponseIncomplete)
		}},
		{"request body not sent", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			c, _ := e.dial(0)
			o := okOutcome("", 0)
			o.RequestBodySent = false
			e.wantPut(c, o, ReasonRequestBodyUnsent)
		}},
		{"Keep-Alive timeout hint", 1, PoolConfig{MaxIdle: 4, IdleTimeout: 60 * time.Second}, func(e *env) {
			c, _ := e.dial(0)
			o := okOutcome("", 0)
			o.KeepAliveTimeout = 5 * time.Second // idle deadline 4s
			e.wantPut(c, o, ReasonNone)
			e.clk.Advance(3900 * time.Millisecond)
			if e.pool.Stats().Idle != 1 {
				e.t.Fatalf("closed before the hinted deadline")
			}
			e.clk.Advance(200 * time.Millisecond)
			if st := e.pool.Stats(); st.Idle != 0 || st.TimedOut != 1 {
				e.t.Fatalf("hinted deadline not honoured: %+v", st)
			}
			c2, _ := e.dial(0)
			o.KeepAliveTimeout = time.Second // 750ms margin rule
			e.wantPut(c2, o, ReasonNone)
			e.clk.Advance(760 * time.Millisecond)
			if e.pool.Stats().Idle != 0 {
				e.t.Fatalf("1s hint: not closed after 760ms")
			}
		}},
		{"Keep-Alive max hint", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			c, _ := e.dial(0)
			o := okOutcome("", 0)
			o.KeepAliveMax = 2 // two more requests allowed
			e.wantPut(c, o, ReasonNone)
			c = e.get(0, "")
			o.KeepAliveMax = 1
			e.wantPut(c, o, ReasonNone)
			c = e.get(0, "")
			o.KeepAliveMax = 0
			e.wantPut(c, o, ReasonUpstreamMax)
		}},
		{"two servers: a connection is reused only for its own peer", 2, PoolConfig{MaxIdle: 4}, func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("", 0), ReasonNone)
			if e.get(1, "") != nil {
				e.t.Fatalf("peer 1 got peer 0's connection")
			}
			if e.get(0, "") != c {
				e.t.Fatalf("peer 0 lost its connection")
			}
		}},
		{"shutting down", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			idle, s := e.dial(0)
			e.wantPut(idle, okOutcome("", 0), ReasonNone)
			busy, _ := e.dial(0)
			e.pool.Close()
			if !waitEOF(e.t, s) {
				e.t.Fatalf("Close left an idle connection open")
			}
			e.wantPut(busy, okOutcome("", 0), ReasonShuttingDown)
		}},
		{"foreign and double Put", 1, PoolConfig{MaxIdle: 4}, func(e *env) {
			c, _ := e.dial(0)
			e.wantPut(c, okOutcome("", 0), ReasonNone)
			e.wantPut(c, okOutcome("", 0), ReasonForeign)
			if e.pool.Stats().Idle != 1 {
				e.t.Fatalf("double Put disturbed the parked connection")
			}
			other := NewPool(e.group.Peers, PoolConfig{MaxIdle: 1, Clock: e.clk})
			defer other.Close()
			d, _ := e.dial(0)
			if err := other.Put(d, okOutcome("", 0)); !errors.Is(err, RefusedError{ReasonForeign}) {
				e.t.Fatalf("other pool kept a foreign connection: %v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.peers, tc.cfg)
			tc.run(e)
			e.pool.checkInvariants(t)
		})
	}
}

// TestWatcher checks that an idle connection the upstream closes, resets or
// talks on leaves the pool at once, for both watchers.
func TestWatcher(t *testing.T) {
	modes := []struct {
		name string
		mode WatchMode
	}{{"auto", WatchAuto}, {"goroutine", WatchGoroutine}}
	actions := []struct {
		name    string
		act     func(net.Conn)
		counter func(Stats) uint64
	}{
		{"FIN", func(c net.Conn) { c.Close() }, func(s Stats) uint64 { return s.ClosedByUpstream }},
		{"RST", func(c net.Conn) { c.(*net.TCPConn).SetLinger(0); c.Close() }, func(s Stats) uint64 { return s.ClosedByUpstream }},
		{"unsolicited bytes", func(c net.Conn) { c.Write([]byte("HTTP/1.1 408 Request Timeout\r\n\r\n")) }, func(s Stats) uint64 { return s.Unsolicited }},
	}
	for _, m := range modes {
		for _, a := range actions {
			t.Run(m.name+"/"+a.name, func(t *testing.T) {
				e := newEnv(t, 1, sliced(8, 8, 40))
				e.pool.cfg.Watch = m.mode
				keep, keepSrv := e.dial(0)
				e.wantPut(keep, okOutcome("k", 2), ReasonNone)
				c, s := e.dial(0)
				e.wantPut(c, okOutcome("a", 1), ReasonNone)
				// A round trip first: the watcher must survive in-use events.
				c = e.get(0, "a")
				if _, err := c.Write([]byte("ping")); err != nil {
					t.Fatal(err)
				}
				buf := make([]byte, 4)
				if _, err := s.Read(buf); err != nil {
					t.Fatal(err)
				}
				s.Write([]byte("pong"))
				if _, err := c.Read(buf); err != nil {
					t.Fatal(err)
				}
				e.wantPut(c, okOutcome("a", 1), ReasonNone)
				if m.mode == WatchAuto && runtime.GOOS == "linux" {
					e.pool.mu.Lock()
					usesEpoll := e.pool.watch != nil && c.w.slot != 0
					e.pool.mu.Unlock()
					if !usesEpoll {
						t.Fatalf("auto mode on Linux does not use epoll")
					}
				}
				a.act(s)
				e.waitIdle(1)
				st := e.pool.Stats()
				if a.counter(st) != 1 || st.LiveSlices != 1 {
					t.Fatalf("stats after %s: %+v", a.name, st)
				}
				// The slice is free again: a new connection is admitted.
				c2, _ := e.dial(0)
				e.wantPut(c2, okOutcome("a", 1), ReasonNone)
				if !stillOpen(t, keepSrv) {
					t.Fatalf("an unrelated idle connection was closed")
				}
			})
		}
	}
}

// TestPutReArmsWatcher: data arriving while a connection is in use must not
// leave it unwatched once parked again.
func TestPutReArmsWatcher(t *testing.T) {
	e := newEnv(t, 1, PoolConfig{MaxIdle: 4})
	c, s := e.dial(0)
	for i := 0; i < 3; i++ {
		s.Write([]byte("x"))
		buf := make([]byte, 1)
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
		e.wantPut(c, okOutcome("", 0), ReasonNone)
		if c = e.get(0, ""); c == nil {
			t.Fatalf("round %d: connection lost", i)
		}
	}
	e.wantPut(c, okOutcome("", 0), ReasonNone)
	s.Close()
	e.waitIdle(0)
}

func TestUnixSocketPeer(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/up.sock"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			acc <- c
		}
	}()
	g := NewGroup("u", MethodRoundRobin, []*Peer{{Name: "unix:" + path, Network: "unix", Addr: path}}, nil)
	p := NewPool(g.Peers, PoolConfig{MaxIdle: 2})
	defer p.Close()
	c, err := p.Dial(context.Background(), g.Peers[0], time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s := <-acc
	defer s.Close()
	if err := p.Put(c, okOutcome("", 0)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().Idle != 0 {
		if time.Now().After(deadline) {
			t.Fatal("closed unix socket connection stays idle")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestDialTimeoutAndNoDelay(t *testing.T) {
	g := NewGroup("u", MethodRoundRobin, []*Peer{{Name: "127.0.0.1:1"}}, nil)
	p := NewPool(g.Peers, PoolConfig{MaxIdle: 1})
	defer p.Close()
	_, err := p.Dial(context.Background(), g.Peers[0], time.Second)
	if err == nil || !strings.Contains(err.Error(), "connect() to 127.0.0.1:1 failed") {
		t.Fatalf("dial to a closed port: %v", err)
	}
}

func TestRefusedErrorText(t *testing.T) {
	for _, r := range Reasons() {
		if strings.HasPrefix(r.String(), "reason(") {
			t.Errorf("reason %d has no name", r)
		}
	}
	err := error(RefusedError{Reason: ReasonSliceFull})
	if !strings.Contains(err.Error(), "too many connections in slice") {
		t.Fatalf("error text %q", err)
	}
}

// TestGoroutineWatchIgnoresStaleDeadline: a read deadline left by the last
// exchange must not make the goroutine watcher drop a healthy connection.
func TestGoroutineWatchIgnoresStaleDeadline(t *testing.T) {
	e := newEnv(t, 1, PoolConfig{MaxIdle: 2, Watch: WatchGoroutine})
	c, _ := e.dial(0)
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
	e.wantPut(c, okOutcome("", 0), ReasonNone)
	time.Sleep(30 * time.Millisecond)
	if st := e.pool.Stats(); st.Idle != 1 || st.ClosedByUpstream != 0 {
		t.Fatalf("stale deadline closed the connection: %+v", st)
	}
	if got := e.get(0, ""); got != c {
		t.Fatalf("connection lost")
	}
}
