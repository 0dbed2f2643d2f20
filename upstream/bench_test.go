package upstream

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// benchPool parks conns real loopback connections (epoll-watched) in
// nslices slices and returns the pool, the peer and the keys.
func benchPool(b *testing.B, conns, nslices int) (*Pool, *Peer, []string) {
	b.Helper()
	srv := newUpstreamServer(b)
	g := NewGroup("bench", MethodRoundRobin, []*Peer{{Name: srv.addr()}}, nil)
	p := NewPool(g.Peers, PoolConfig{
		MaxIdle: conns, Sliced: nslices > 0, SlicePoolSize: max(nslices, 1), SliceKeyLen: 40,
	})
	b.Cleanup(p.Close)
	keys := make([]string, max(nslices, 1))
	for i := range keys {
		keys[i] = "vhost-" + strconv.Itoa(i) + ".example.com"
	}
	perSlice := conns / len(keys)
	for i := 0; i < conns; i++ {
		c, err := p.Dial(context.Background(), g.Peers[0], time.Second)
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Put(c, okOutcome(keys[i%len(keys)], perSlice+1)); err != nil {
			b.Fatal(err)
		}
	}
	return p, g.Peers[0], keys
}

// BenchmarkGetPut is a warm Get+Put pair on one slice.
func BenchmarkGetPut(b *testing.B) {
	p, peer, keys := benchPool(b, 4, 1)
	o := okOutcome(keys[0], 8)
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := p.Get(peer, keys[0])
		c.Requests = 1
		if err := p.Put(c, o); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkGetPut10kSlices: the same with 10,000 live slices. 10,000
// loopback pairs need more descriptors than the test box allows, so these
// connections are in-memory and unwatched: it measures the bookkeeping
// (slice map, lists), which is what grows with the slices.
func BenchmarkGetPut10kSlices(b *testing.B) {
	const n = 10000
	g := NewGroup("bench", MethodRoundRobin, []*Peer{{Name: "127.0.0.1:9"}}, nil)
	p := NewPool(g.Peers, PoolConfig{MaxIdle: n, Sliced: true, SlicePoolSize: n, SliceKeyLen: 40, Watch: WatchOff})
	defer p.Close()
	keys := make([]string, n)
	outs := make([]Outcome, n)
	for i := range keys {
		keys[i] = "vhost-" + strconv.Itoa(i) + ".example.com"
		outs[i] = okOutcome(keys[i], 2)
		if err := p.Put(p.Adopt(g.Peers[0], nopConn{}), outs[i]); err != nil {
			b.Fatal(err)
		}
	}
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j := i % n
		c := p.Get(g.Peers[0], keys[j])
		c.Requests = 1
		if err := p.Put(c, outs[j]); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// nopConn is a connection without a socket.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }

// cpuMeter reports CPU time per op next to wall time: the test box is
// shared, and wall time there includes time spent descheduled.
type cpuMeter struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuMeter { return cpuMeter{start: processCPU()} }

func (m cpuMeter) report(b *testing.B) {
	b.StopTimer()
	b.ReportMetric(float64(processCPU()-m.start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkGetPutParallel runs Get+Put pairs from GOMAXPROCS goroutines
// over 64 slices (run with -cpu 2,8).
func BenchmarkGetPutParallel(b *testing.B) {
	const nslices = 64
	p, peer, keys := benchPool(b, nslices*4, nslices)
	var next atomic.Int64
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		j := int(next.Add(1)) % nslices
		o := okOutcome(keys[j], 8)
		for pb.Next() {
			c := p.Get(peer, keys[j])
			if c == nil {
				continue
			}
			c.Requests = 1
			if err := p.Put(c, o); err != nil {
				b.Error(err)
				return
			}
		}
	})
	cpu.report(b)
}

// BenchmarkIdleConnMemory measures the heap and stack bytes per idle pooled
// connection (client side: net.TCPConn, netFD, pollDesc, Conn, pool
// bookkeeping, watcher), reported as bytes/conn.
func BenchmarkIdleConnMemory(b *testing.B) {
	for _, mode := range []WatchMode{WatchAuto, WatchGoroutine} {
		b.Run(fmt.Sprintf("watch=%d", mode), func(b *testing.B) {
			const n = 500
			srv := newUpstreamServer(b)
			g := NewGroup("mem", MethodRoundRobin, []*Peer{{Name: srv.addr()}}, nil)
			for i := 0; i < b.N; i++ {
				// Dial first, measure only what keeping them idle adds on
				// top of the bare sockets, then what the whole conn costs.
				runtime.GC()
				var m0 runtime.MemStats
				runtime.ReadMemStats(&m0)
				p := NewPool(g.Peers, PoolConfig{MaxIdle: n, Sliced: true, SlicePoolSize: n, SliceKeyLen: 40, Watch: mode})
				conns := make([]*Conn, n)
				for j := range conns {
					c, err := p.Dial(context.Background(), g.Peers[0], time.Second)
					if err != nil {
						b.Fatal(err)
					}
					conns[j] = c
				}
				for j, c := range conns {
					if err := p.Put(c, okOutcome("k"+strconv.Itoa(j), 1)); err != nil {
						b.Fatal(err)
					}
				}
				time.Sleep(10 * time.Millisecond) // goroutine watchers settle
				runtime.GC()
				var m1 runtime.MemStats
				runtime.ReadMemStats(&m1)
				used := (m1.HeapAlloc - m0.HeapAlloc) + (m1.StackInuse - m0.StackInuse)
				b.ReportMetric(float64(used)/n, "bytes/conn")
				p.Close()
			}
		})
	}
}

// BenchmarkExchangeGetPut is Get, a one-byte "response" arriving while the
// connection is in use (which consumes the one-shot epoll registration),
// then Put (which re-arms it): the watcher's real per-request cost.
// watch=off is the same exchange unwatched, for comparison.
func BenchmarkExchangeGetPut(b *testing.B) {
	b.Run("watch=epoll", func(b *testing.B) { benchExchange(b, WatchAuto) })
	b.Run("watch=off", func(b *testing.B) { benchExchange(b, WatchOff) })
}

func benchExchange(b *testing.B, mode WatchMode) {
	srv := newUpstreamServer(b)
	g := NewGroup("bench", MethodRoundRobin, []*Peer{{Name: srv.addr()}}, nil)
	p := NewPool(g.Peers, PoolConfig{MaxIdle: 1, Sliced: true, SlicePoolSize: 1, SliceKeyLen: 40, Watch: mode})
	defer p.Close()
	c, err := p.Dial(context.Background(), g.Peers[0], time.Second)
	if err != nil {
		b.Fatal(err)
	}
	s := srv.accept(b)
	o := okOutcome("a.test", 1)
	if err := p.Put(c, o); err != nil {
		b.Fatal(err)
	}
	one, buf := []byte("x"), make([]byte, 1)
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := p.Get(g.Peers[0], "a.test")
		if c == nil {
			b.Fatal("connection lost")
		}
		c.Requests = 1
		if _, err := s.Write(one); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(buf); err != nil {
			b.Fatal(err)
		}
		if err := p.Put(c, o); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b)
}

// BenchmarkPicker is one request's balancer work: Picker, Next, Done.
func BenchmarkPicker(b *testing.B) {
	for _, m := range []Method{MethodRoundRobin, MethodLeastConn, MethodHashConsistent, MethodRandomTwo} {
		b.Run(m.String(), func(b *testing.B) {
			g := NewGroup("bench", m, peersNamed(5, 1, 1, 3, 2, 1, 1, 1), nil)
			key := []byte("/some/request/uri?with=args")
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				pk := g.Picker(nil).(*picker)
				if m == MethodHashConsistent {
					pk.key = key
					pk.hash = uint32(findChashPoint(g.points, crc32IEEE(key)))
				}
				p, err := pk.Next()
				if err != nil {
					b.Fatal(err)
				}
				pk.Done(p, false)
			}
		})
	}
}

// BenchmarkPickerIn is BenchmarkPicker with the state kept by the caller, as
// the proxy keeps it per client connection: no allocation per request.
func BenchmarkPickerIn(b *testing.B) {
	for _, tc := range []struct {
		name    string
		method  Method
		weights []int
	}{
		{"single", MethodRoundRobin, []int{1}},
		{"round-robin", MethodRoundRobin, []int{5, 1, 1, 3, 2, 1, 1, 1}},
		{"least_conn", MethodLeastConn, []int{5, 1, 1, 3, 2, 1, 1, 1}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			g := NewGroup("bench", tc.method, peersNamed(tc.weights...), nil)
			var st PickerState
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				pk := g.PickerIn(&st, nil)
				p, err := pk.Next()
				if err != nil {
					b.Fatal(err)
				}
				pk.Done(p, false)
			}
		})
	}
}
