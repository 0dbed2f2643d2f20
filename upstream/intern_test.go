package upstream

import (
	"fmt"
	"sync"
	"testing"
	"unsafe"
)

func TestKeyInterner(t *testing.T) {
	tests := []struct {
		name string
		fill int // distinct keys interned first
		key  string
		// same: a second intern returns the very same string; allocs: what
		// that second intern allocates.
		same   bool
		allocs float64
	}{
		{"first key", 0, "a.test", true, 0},
		{"among others", 10, "b.test", true, 0},
		{"empty key", 0, "", true, 0},
		{"set full: copied each time", maxInternedKeys, "late.test", false, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := &keyInterner{}
			for i := range tc.fill {
				k.intern(fmt.Appendf(nil, "fill%d.test", i))
			}
			b := []byte(tc.key)
			first := k.intern(b)
			for i := range b {
				b[i] = '#' // the caller reuses its buffer: the string must not change
			}
			if first != tc.key {
				t.Fatalf("intern = %q, want %q", first, tc.key)
			}
			copy(b, tc.key)
			second := k.intern(b)
			if second != tc.key {
				t.Fatalf("second intern = %q", second)
			}
			if same := len(tc.key) == 0 || unsafe.StringData(first) == unsafe.StringData(second); same != tc.same {
				t.Errorf("same string = %v, want %v", same, tc.same)
			}
			if got := testing.AllocsPerRun(100, func() { k.intern(b) }); got != tc.allocs {
				t.Errorf("allocations per intern = %v, want %v", got, tc.allocs)
			}
		})
	}
}

// TestKeyInternerConcurrent: every goroutine gets the right key while others
// add keys (run under -race).
func TestKeyInternerConcurrent(t *testing.T) {
	k := &keyInterner{}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				want := fmt.Sprintf("h%d.test", (i*7+g)%300)
				if got := k.intern([]byte(want)); got != want {
					t.Errorf("intern(%q) = %q", want, got)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := len(*k.set.Load()); n != maxInternedKeys {
		t.Errorf("%d keys interned, want the bound %d", n, maxInternedKeys)
	}
}
