//go:build linux

package proxy

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestS2ParkHeapOrder: connections leave the deadline heap in deadline
// order whatever was removed early, and indexes stay consistent.
func TestS2ParkHeapOrder(t *testing.T) {
	cases := []struct {
		name    string
		n       int
		removed []int // indexes (in insertion order) removed before draining
	}{
		{"empty", 0, nil},
		{"one", 1, nil},
		{"remove only", 1, []int{0}},
		{"many", 50, nil},
		{"remove some", 50, []int{0, 7, 13, 49, 25}},
		{"remove all but one", 5, []int{0, 1, 2, 4}},
	}
	base := time.Now()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.n)))
			var h parkHeap
			conns := make([]*clientConn, tc.n)
			for i := range conns {
				conns[i] = &clientConn{}
				conns[i].parked.deadline = base.Add(time.Duration(r.IntN(1000)) * time.Millisecond)
				h.push(conns[i])
			}
			gone := map[*clientConn]bool{}
			for _, i := range tc.removed {
				h.remove(conns[i])
				gone[conns[i]] = true
				if conns[i].parked.heapIdx != -1 {
					t.Errorf("removed connection keeps index %d", conns[i].parked.heapIdx)
				}
			}
			for i, c := range h {
				if c.parked.heapIdx != i {
					t.Fatalf("connection at %d has index %d", i, c.parked.heapIdx)
				}
			}
			if want := tc.n - len(tc.removed); len(h) != want {
				t.Fatalf("heap holds %d, want %d", len(h), want)
			}
			var last time.Time
			for len(h) > 0 {
				c := h[0]
				if gone[c] {
					t.Fatal("a removed connection came out")
				}
				if c.parked.deadline.Before(last) {
					t.Fatalf("deadline %v after %v", c.parked.deadline, last)
				}
				last = c.parked.deadline
				h.remove(c)
			}
		})
	}
}
