package route

import (
	"bytes"
	"strings"
)

// labelTrie stores wildcard server names one DNS label per level, which is
// what nginx's ngx_hash_wildcard_t does with nested hashes: a lookup costs one
// map access per label of the host, whatever the number of names.
//
// For head wildcards ("*.example.com", ".example.com") the labels are walked
// from the right; for tail wildcards ("www.example.*") from the left.
type labelTrie struct {
	root trieNode
}

type trieNode struct {
	children map[string]*trieNode
	// server is the value of a name ending at this label; -1 when none.
	server int
	// withBase is set for ".example.com": the name also matches the bare
	// "example.com". "*.example.com" (and every tail wildcard) needs at least
	// one more label.
	withBase bool
}

func newTrieNode() *trieNode { return &trieNode{server: -1} }

// insert adds labels (already in walk order) with the server index. It
// reports false when the same wildcard is already present.
func (t *labelTrie) insert(labels []string, server int, withBase bool) bool {
	n := &t.root
	for _, l := range labels {
		if n.children == nil {
			n.children = make(map[string]*trieNode)
		}
		c := n.children[l]
		if c == nil {
			c = newTrieNode()
			n.children[l] = c
		}
		n = c
	}
	if n.server >= 0 {
		return false
	}
	n.server = server
	n.withBase = withBase
	return true
}

// matchHead finds the longest head wildcard matching host, walking labels
// from the right. A node's name applies when more labels of the host remain,
// or when none remain and the name is of the ".example.com" form; the deepest
// applicable node wins (ngx_hash_find_wc_head).
func (t *labelTrie) matchHead(host []byte) int {
	best := -1
	n := &t.root
	end := len(host)
	for end > 0 && n.children != nil {
		start := bytes.LastIndexByte(host[:end], '.') + 1
		c := n.children[string(host[start:end])]
		if c == nil {
			break
		}
		more := start > 0
		if c.server >= 0 && (more || c.withBase) {
			best = c.server
		}
		if !more {
			break
		}
		n = c
		end = start - 1
	}
	return best
}

// matchTail finds the longest tail wildcard matching host, walking labels from
// the left; a name applies only when at least one more label follows
// (ngx_hash_find_wc_tail: "www.example.*" does not match "www.example").
func (t *labelTrie) matchTail(host []byte) int {
	best := -1
	n := &t.root
	start := 0
	for n.children != nil {
		dot := bytes.IndexByte(host[start:], '.')
		if dot < 0 {
			break
		}
		c := n.children[string(host[start:start+dot])]
		if c == nil {
			break
		}
		if c.server >= 0 {
			best = c.server
		}
		n = c
		start += dot + 1
	}
	return best
}

// reverseLabels splits "example.com" into ["com", "example"].
func reverseLabels(name string) []string {
	parts := strings.Split(name, ".")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return parts
}
