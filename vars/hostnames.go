package vars

import (
	"bytes"
	"fmt"
	"strings"
)

// HostTable matches names the way nginx's combined hash does for
// server_name and "map ... { hostnames; }": exact names first, then the
// longest "*.example.com" / ".example.com" head wildcard, then the longest
// "www.example.*" tail wildcard. Keys are lowercased at load; Find expects a
// lowercased name. Lookups walk labels through Go maps, so they cost
// O(labels) whatever the number of keys. T is the value type.
type HostTable[T any] struct {
	exact map[string]T
	head  *labelNode[T]
	tail  *labelNode[T]
	// seenExact and seenHead record keys for conflict checks the way
	// ngx_hash_add_key does (".example.com" claims "example.com" too).
	seenExact map[string]bool
	seenHead  map[string]bool
	seenTail  map[string]bool
}

type labelNode[T any] struct {
	children map[string]*labelNode[T]
	has      bool
	// subOnly: the key was "*.D" (matches below D only); otherwise ".D"
	// (D itself too). Tail keys never use it.
	subOnly bool
	val     T
}

// KeyError is why AddKey refused a key, in nginx's words.
type KeyError struct {
	Key      string
	Conflict bool // true: "conflicting parameter"; false: "invalid hostname or wildcard"
}

func (e *KeyError) Error() string {
	if e.Conflict {
		return fmt.Sprintf("conflicting parameter %q", e.Key)
	}
	return fmt.Sprintf("invalid hostname or wildcard %q", e.Key)
}

// NewHostTable returns an empty table.
func NewHostTable[T any]() *HostTable[T] {
	return &HostTable[T]{
		exact:     map[string]T{},
		seenExact: map[string]bool{},
		seenHead:  map[string]bool{},
		seenTail:  map[string]bool{},
	}
}

// AddExact adds an exact key (lowercased), as ngx_hash_add_key without
// NGX_HASH_WILDCARD_KEY: only a duplicate is refused.
func (t *HostTable[T]) AddExact(key string, val T) error {
	k := strings.ToLower(key)
	if t.seenExact[k] {
		return &KeyError{Key: k, Conflict: true}
	}
	t.seenExact[k] = true
	t.exact[k] = val
	return nil
}

// AddKey adds a key with nginx's wildcard syntax (ngx_hash_add_key with
// NGX_HASH_WILDCARD_KEY): "*.example.com", ".example.com", "www.example.*"
// or an exact name. At most one "*", no "..", no NUL.
func (t *HostTable[T]) AddKey(key string, val T) error {
	n := 0
	for i := 0; i < len(key); i++ {
		switch key[i] {
		case '*':
			n++
			if n > 1 {
				return &KeyError{Key: key}
			}
		case '.':
			if i+1 < len(key) && key[i+1] == '.' {
				return &KeyError{Key: key}
			}
		case 0:
			return &KeyError{Key: key}
		}
	}
	switch {
	case len(key) > 1 && key[0] == '.':
		return t.addHead(strings.ToLower(key[1:]), false, val)
	case len(key) > 2 && key[0] == '*' && key[1] == '.':
		return t.addHead(strings.ToLower(key[2:]), true, val)
	case len(key) > 2 && key[len(key)-2] == '.' && key[len(key)-1] == '*':
		return t.addTail(strings.ToLower(key[:len(key)-2]), val)
	case n > 0:
		return &KeyError{Key: key}
	}
	return t.AddExact(key, val)
}

func (t *HostTable[T]) addHead(d string, subOnly bool, val T) error {
	if !subOnly {
		// ".example.com" also claims the exact name "example.com".
		if t.seenExact[d] {
			return &KeyError{Key: "." + d, Conflict: true}
		}
	}
	if t.seenHead[d] {
		if subOnly {
			return &KeyError{Key: "*." + d, Conflict: true}
		}
		return &KeyError{Key: "." + d, Conflict: true}
	}
	if !subOnly {
		t.seenExact[d] = true
	}
	t.seenHead[d] = true
	if t.head == nil {
		t.head = &labelNode[T]{}
	}
	node := t.head
	// Walk labels from the right: "example.com" is com → example.
	end := len(d)
	for {
		start := strings.LastIndexByte(d[:end], '.') + 1
		node = node.child(d[start:end])
		if start == 0 {
			break
		}
		end = start - 1
	}
	node.has, node.subOnly, node.val = true, subOnly, val
	return nil
}

func (t *HostTable[T]) addTail(p string, val T) error {
	if t.seenTail[p] {
		return &KeyError{Key: p + ".*", Conflict: true}
	}
	t.seenTail[p] = true
	if t.tail == nil {
		t.tail = &labelNode[T]{}
	}
	node := t.tail
	for _, label := range strings.Split(p, ".") {
		node = node.child(label)
	}
	node.has, node.val = true, val
	return nil
}

func (n *labelNode[T]) child(label string) *labelNode[T] {
	if n.children == nil {
		n.children = map[string]*labelNode[T]{}
	}
	c := n.children[label]
	if c == nil {
		c = &labelNode[T]{}
		n.children[label] = c
	}
	return c
}

// HasWildcards reports whether any wildcard key was added.
func (t *HostTable[T]) HasWildcards() bool { return t.head != nil || t.tail != nil }

// Find looks a lowercased name up: exact, then head wildcard, then tail
// wildcard (ngx_hash_find_combined). It allocates nothing.
func (t *HostTable[T]) Find(name []byte) (val T, ok bool) {
	if v, ok := t.exact[string(name)]; ok {
		return v, true
	}
	if len(name) == 0 {
		return val, false
	}
	if t.head != nil {
		if v, ok := t.findHead(name); ok {
			return v, true
		}
	}
	if t.tail != nil {
		if v, ok := t.findTail(name); ok {
			return v, true
		}
	}
	return val, false
}

// findHead walks labels from the right and keeps the deepest key that
// matches: "*.D" needs a label before D, ".D" matches D itself too.
func (t *HostTable[T]) findHead(name []byte) (val T, ok bool) {
	node := t.head
	end := len(name)
	for {
		start := bytes.LastIndexByte(name[:end], '.') + 1
		c := node.children[string(name[start:end])]
		if c == nil {
			return val, ok
		}
		node = c
		if start == 0 {
			if c.has && !c.subOnly {
				return c.val, true
			}
			return val, ok
		}
		if c.has {
			val, ok = c.val, true
		}
		end = start - 1
	}
}

// findTail walks "label." prefixes from the left and keeps the deepest key:
// "www.example.*" matches names that start with "www.example.".
func (t *HostTable[T]) findTail(name []byte) (val T, ok bool) {
	node := t.tail
	start := 0
	for {
		dot := bytes.IndexByte(name[start:], '.')
		if dot < 0 {
			return val, ok
		}
		c := node.children[string(name[start:start+dot])]
		if c == nil {
			return val, ok
		}
		node = c
		if c.has {
			val, ok = c.val, true
		}
		start += dot + 1
	}
}
