package upstream

import (
	"sync"
	"sync/atomic"
)

// maxInternedKeys bounds the slice keys a group interns. Real slice keys are
// a site's vhost names; past the bound (random Host headers, say) a key is
// simply copied for each request, as it would be without interning.
const maxInternedKeys = 256

// keyInterner hands out one string per distinct slice key, so evaluating a
// request's key allocates nothing once the key was seen. The set is copied
// on write: readers look it up without a lock, and a new key costs a copy of
// at most maxInternedKeys entries, once.
type keyInterner struct {
	set atomic.Pointer[map[string]string]
	mu  sync.Mutex // serialises writers
}

// intern returns b as a string, the same string for the same bytes while the
// set has room.
func (k *keyInterner) intern(b []byte) string {
	if set := k.set.Load(); set != nil {
		if s, ok := (*set)[string(b)]; ok { // a lookup by string(b) does not allocate
			return s
		}
	}
	s := string(b)
	k.mu.Lock()
	defer k.mu.Unlock()
	var old map[string]string
	if p := k.set.Load(); p != nil {
		old = *p
	}
	if have, ok := old[s]; ok {
		return have
	}
	if len(old) >= maxInternedKeys {
		return s
	}
	set := make(map[string]string, len(old)+1)
	for key, v := range old {
		set[key] = v
	}
	set[s] = s
	k.set.Store(&set)
	return s
}
