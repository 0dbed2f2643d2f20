package proxy

import "sliceproxy/proxy/http1"

// lengthBodyRead reports whether a Content-Length body has been read to
// its end although the reader has not said so yet (it reports io.EOF on
// the next Read, which needs no network; a "Content-Length: 0" body is in
// this state from the start). The relay must not flush then: the client
// would hold the whole response before the upstream connection is back in
// the pool, and its immediate next request would dial a new one (nginx
// frees the keepalive peer before the last byte leaves).
func lengthBodyRead(resp *http1.Response, br *http1.BodyReader) bool {
	return !resp.Chunked && resp.ContentLength >= 0 && br.PayloadRead() >= resp.ContentLength
}
