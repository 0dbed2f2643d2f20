//go:build linux

package proxy

// parkHeap is a binary min-heap of parked connections by keepalive_timeout
// deadline; each connection knows its index (parkState.heapIdx), so that a
// connection woken early leaves in O(log n).
type parkHeap []*clientConn

func (h parkHeap) less(i, j int) bool {
	return h[i].parked.deadline.Before(h[j].parked.deadline)
}

func (h parkHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].parked.heapIdx = i
	h[j].parked.heapIdx = j
}

func (h *parkHeap) push(c *clientConn) {
	c.parked.heapIdx = len(*h)
	*h = append(*h, c)
	h.up(c.parked.heapIdx)
}

// remove takes c out of the heap; c must be in it.
func (h *parkHeap) remove(c *clientConn) {
	i := c.parked.heapIdx
	last := len(*h) - 1
	if i != last {
		h.swap(i, last)
	}
	(*h)[last] = nil
	*h = (*h)[:last]
	if i != last {
		if !h.down(i) {
			h.up(i)
		}
	}
	c.parked.heapIdx = -1
}

func (h parkHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !h.less(i, parent) {
			return
		}
		h.swap(i, parent)
		i = parent
	}
}

// down sifts i towards the leaves; it reports whether i moved.
func (h parkHeap) down(i int) bool {
	start := i
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			break
		}
		h.swap(i, m)
		i = m
	}
	return i > start
}
