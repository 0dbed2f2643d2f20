package http1

import "sync"

// BufferPool shares read buffers between the Readers of many connections: a Reader
// given one (Options.Buffers) takes a buffer when bytes arrive and gives it back on
// Release, so that idle keep-alive connections hold no buffer (nginx frees its
// client buffer the same way) and busy ones allocate nothing. It is owned by the
// server that creates it and is safe for concurrent use.
type BufferPool struct {
	size int
	pool sync.Pool // of *[]byte with len == cap == size
}

// NewBufferPool returns a pool of buffers of size bytes (4096 when size <= 0).
func NewBufferPool(size int) *BufferPool {
	if size <= 0 {
		size = initialBufferSize
	}
	return &BufferPool{size: size}
}

// get returns a buffer and the pointer to give back with put.
func (p *BufferPool) get() (*[]byte, []byte) {
	if v, ok := p.pool.Get().(*[]byte); ok {
		return v, *v
	}
	b := make([]byte, p.size)
	return &b, b
}

// put gives a buffer back. Only the pointer obtained from get is accepted, so that
// returning a buffer never allocates.
func (p *BufferPool) put(ptr *[]byte) {
	if ptr != nil && len(*ptr) == p.size {
		p.pool.Put(ptr)
	}
}
