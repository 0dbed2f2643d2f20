//go:build !linux

package upstream

// awaitState is empty where WriteAndAwait is plain Writev.
type awaitState struct{}

// WriteAndAwait is Writev here; the caller reads as usual (awaited false).
func (c *Conn) WriteAndAwait(bufs [][]byte) (n int64, awaited bool, err error) {
	n, err = c.Writev(bufs)
	return n, false, err
}
