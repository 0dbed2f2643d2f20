package upstream

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingClock counts Now calls: the single-peer fast path must read no
// clock (nginx's peers->single never looks at fail_timeout).
type countingClock struct {
	*fakeClock
	nows atomic.Int64
}

func (c *countingClock) Now() time.Time {
	c.nows.Add(1)
	return c.fakeClock.Now()
}

// TestPickerInMatchesPicker: a reused PickerState gives the same peer
// sequence as a fresh Picker per request, and a retry's tried bits do not
// leak into the next request.
func TestPickerInMatchesPicker(t *testing.T) {
	cases := []struct {
		name    string
		method  Method
		weights []int
	}{
		{"round robin 5,1,1", MethodRoundRobin, []int{5, 1, 1}},
		{"least_conn", MethodLeastConn, []int{1, 2, 3}},
		{"70 peers (spilled bitmap)", MethodRoundRobin, make([]int, 70)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.weights {
				if tc.weights[i] == 0 {
					tc.weights[i] = 1 + i%3
				}
			}
			fresh := NewGroup("u", tc.method, peersNamed(tc.weights...), newFakeClock())
			reused := NewGroup("u", tc.method, peersNamed(tc.weights...), newFakeClock())
			var st PickerState
			var want, got strings.Builder
			for i := 0; i < 3*len(tc.weights); i++ {
				// Every third request retries once: both tries must be
				// distinct peers, and the next request starts afresh.
				tries := 1 + boolInt(i%3 == 0)
				pf, pr := fresh.Picker(nil), reused.PickerIn(&st, nil)
				for try := 0; try < tries; try++ {
					a, errA := pf.Next()
					b, errB := pr.Next()
					if errA != nil || errB != nil {
						t.Fatalf("request %d try %d: %v / %v", i, try, errA, errB)
					}
					want.WriteString(a.Name + ",")
					got.WriteString(b.Name + ",")
					pf.Done(a, try+1 < tries)
					pr.Done(b, try+1 < tries)
				}
			}
			if got.String() != want.String() {
				t.Fatalf("PickerIn sequence\n%s\nPicker sequence\n%s", got.String(), want.String())
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestSinglePeerReadsNoClock(t *testing.T) {
	for _, m := range []Method{MethodRoundRobin, MethodLeastConn, MethodIPHash, MethodHash, MethodHashConsistent, MethodRandomTwo} {
		t.Run(m.String(), func(t *testing.T) {
			clk := &countingClock{fakeClock: newFakeClock()}
			peers := peersNamed(1)
			peers[0].MaxFails, peers[0].FailTimeout = 1, time.Second
			g := NewGroup("u", m, peers, clk)
			clk.nows.Store(0)
			var st PickerState
			for i := 0; i < 3; i++ {
				pk := g.PickerIn(&st, nil)
				p, err := pk.Next()
				if err != nil {
					t.Fatal(err)
				}
				pk.Done(p, true) // failures never count for a single peer
				if _, err := pk.Next(); !errors.Is(err, ErrNoMoreTries) {
					t.Fatalf("second try on a single peer: %v, want ErrNoMoreTries", err)
				}
			}
			if n := clk.nows.Load(); n != 0 {
				t.Fatalf("single peer read the clock %d times", n)
			}
			if st := g.PeerStates(); st[0].Conns != 0 || st[0].Unavailable {
				t.Fatalf("peer state after the requests: %+v", st[0])
			}
		})
	}
}

func TestSinglePeerDownOrAtMaxConns(t *testing.T) {
	peers := peersNamed(1)
	peers[0].MaxConns = 1
	g := NewGroup("u", MethodRoundRobin, peers, newFakeClock())
	var a, b PickerState
	held, err := g.PickerIn(&a, nil).Next()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.PickerIn(&b, nil).Next(); !errors.Is(err, ErrNoLiveUpstreams) {
		t.Fatalf("single peer at max_conns: %v, want ErrNoLiveUpstreams", err)
	}
	a.pk.Done(held, false)
	peers[0].Down = true
	if _, err := g.PickerIn(&b, nil).Next(); !errors.Is(err, ErrNoLiveUpstreams) {
		t.Fatalf("single peer down: %v, want ErrNoLiveUpstreams", err)
	}
}

func TestPickerInAllocatesNothing(t *testing.T) {
	for _, tc := range []struct {
		name    string
		method  Method
		weights []int
	}{
		{"single", MethodRoundRobin, []int{1}},
		{"round robin", MethodRoundRobin, []int{5, 1, 1}},
		{"ip_hash", MethodIPHash, []int{1, 1, 1}},
	} {
		g := NewGroup("u", tc.method, peersNamed(tc.weights...), nil)
		var st PickerState
		allocs := testing.AllocsPerRun(100, func() {
			pk := g.PickerIn(&st, nil)
			p, err := pk.Next()
			if err != nil {
				t.Fatal(err)
			}
			pk.Done(p, false)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request, want 0", tc.name, allocs)
		}
	}
}
