package upstream

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse hammers one sliced pool from several goroutines over
// real loopback connections while the upstream closes some idle
// connections, under the race detector; afterwards the bookkeeping must be
// intact and every connection a goroutine got must belong to its slice.
func TestConcurrentUse(t *testing.T) {
	srv := newUpstreamServer(t)
	g := NewGroup("stress", MethodRoundRobin, []*Peer{{Name: srv.addr()}}, nil)
	p := NewPool(g.Peers, PoolConfig{MaxIdle: 12, Sliced: true, SlicePoolSize: 6, SliceKeyLen: 40})
	defer p.Close()

	// The upstream side: close about one accepted connection in four after
	// a while, as Apache's KeepAliveTimeout would.
	stop := make(chan struct{})
	var srvWG sync.WaitGroup
	srvWG.Add(1)
	go func() {
		defer srvWG.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case c := <-srv.conns:
				if i%4 == 0 {
					time.AfterFunc(time.Millisecond, func() { c.Close() })
				}
			}
		}
	}()

	keys := []string{"a.test", "b.test", "c.test", "d.test", "e.test", "f.test", "g.test", "h.test"}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := 0; i < 300; i++ {
				key := keys[rng.IntN(len(keys))]
				c := p.Get(g.Peers[0], key)
				if c != nil && c.Key != key {
					errs <- "got a connection of slice " + c.Key + " for " + key
					return
				}
				if c == nil {
					var err error
					c, err = p.Dial(context.Background(), g.Peers[0], time.Second)
					if err != nil {
						errs <- err.Error()
						return
					}
				}
				o := okOutcome(key, 1+rng.IntN(3))
				if rng.IntN(8) == 0 {
					o.UpstreamKeepAlive = false
				}
				_ = p.Put(c, o)
			}
		}(w)
	}
	wg.Wait()
	close(stop)
	srvWG.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	p.checkInvariants(t)
	st := p.Stats()
	if st.Reused == 0 || st.Dialed == 0 {
		t.Fatalf("stress did not reuse and dial: %+v", st)
	}
}
