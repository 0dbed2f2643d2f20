package vars

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"

	"sliceproxy/proxy/http1"
)

// Request is the per-request evaluation context. The proxy fills the
// embedded Facts (and calls SetClient), then evaluates templates. Each
// cacheable variable is computed at most once per request, lazily; volatile
// ones ($request_time, $msec, $uri, ...) on every use, as in nginx.
//
// A Request is not safe for concurrent use; reuse it for the next request on
// the same goroutine after Reset, which keeps its buffers.
type Request struct {
	Facts

	reg *Registry
	// gen is the request generation: a cache slot is valid only when its gen
	// matches, so Reset is O(1) whatever the number of variables.
	gen   uint32
	cache []slot
	// arena holds the values of cached and assigned variables; slots refer
	// to it by offsets so growing it never invalidates them.
	arena []byte
	// scratch[d] is the buffer a getter at nesting depth d computes into, so
	// nested evaluation (maps of maps) never writes into a buffer in use.
	scratch [][]byte
	depth   int

	// Captures of the last successful regex match: capSubject is a copy of
	// the subject, caps holds byte offsets in pairs (-1 for a group that did
	// not participate), ncaps the number of pairs.
	capSubject []byte
	caps       []int
	ncaps      int

	// varBuf backs Var's result; argsBuf holds $args after "set $args".
	varBuf   []byte
	argsBuf  []byte
	uriBuf   []byte
	matchBuf []int
	lowerBuf []byte

	rng *rand.ChaCha8
}

type slotState uint8

const (
	slotEmpty slotState = iota
	slotValid
	slotNotFound
	slotBusy // being computed: a cycle if met again
)

type slot struct {
	gen      uint32
	state    slotState
	off, end uint32
}

// maxDepth bounds nested variable evaluation (nginx: 100), so a cycle of maps
// that escaped load-time checks costs bounded time and stack.
const maxDepth = 100

// NewRequest returns a reusable request context for this registry.
func (r *Registry) NewRequest() *Request {
	var seed [32]byte
	_, _ = crand.Read(seed[:]) // never fails on supported platforms
	return &Request{
		reg:   r,
		gen:   1,
		cache: make([]slot, len(r.vars)),
		rng:   rand.NewChaCha8(seed),
	}
}

// Registry returns the registry the request evaluates against.
func (q *Request) Registry() *Registry { return q.reg }

// Reset forgets everything about the previous request (facts, cached and
// assigned values, captures) but keeps the buffers.
func (q *Request) Reset() {
	q.Facts = Facts{}
	q.gen++
	if q.gen == 0 { // wrapped: old slots could look current
		clear(q.cache)
		q.gen = 1
	}
	if n := len(q.reg.vars); n > len(q.cache) {
		q.cache = append(q.cache, make([]slot, n-len(q.cache))...)
	}
	q.arena = q.arena[:0]
	q.ncaps = 0
	q.capSubject = q.capSubject[:0]
	q.depth = 0
}

// SetClient installs the parsed client request and derives the current URI
// and args from it. An error means nginx would answer 400.
//
// A request read by an http1.Reader carries $uri in c.URI already: the
// Reader normalised it once, with the merge_slashes of its Options
// (NoMergeSlashes), which is the one decision on that setting; SetClient
// copies it. A request built without URI gets c.Path normalised here with
// merge_slashes on (see NormalizeURIMerge).
func (q *Request) SetClient(c *http1.Request) error {
	if len(c.URI) == 0 {
		return q.SetClientMergeSlashes(c, true)
	}
	q.setClientArgs(c)
	// Copied, not aliased: $uri is later changed in place (rewrite,
	// try_files), and c.URI may share memory with c.Target ($request_uri).
	q.uriBuf = append(q.uriBuf[:0], c.URI...)
	q.URI = q.uriBuf
	return nil
}

// SetClientMergeSlashes is SetClient for a request that did not come
// through a Reader, with merge_slashes chosen: it always normalises c.Path
// and ignores c.URI. With false, "//" stays in $uri ("." and ".." segments
// are still resolved). nginx normalises the URI as soon as the request line
// is read (ngx_http_process_request_uri), before the Host header selects
// the server, so the setting that counts is the one of the server the
// connection starts in: the default server of the listen address, or the
// server chosen by TLS SNI. Pass that one, not the selected server's.
func (q *Request) SetClientMergeSlashes(c *http1.Request, merge bool) error {
	q.setClientArgs(c)
	uri, err := appendURI(q.uriBuf[:0], c.Path, merge)
	if err != nil {
		q.URI = nil
		return err
	}
	q.uriBuf = uri
	q.URI = uri
	return nil
}

// setClientArgs installs c and its $args.
func (q *Request) setClientArgs(c *http1.Request) {
	q.Client = c
	// nginx sets r->args only for a non-empty query: "/p" and "/p?" both
	// leave $args not found.
	q.Args = nil
	if len(c.Query) > 0 {
		q.Args = c.Query
	}
}

// SetVar assigns a variable for this request, as "set" does. The value is
// copied. Assigning $args changes the query string, as in nginx.
func (q *Request) SetVar(i Index, val []byte) {
	if i < 0 || int(i) >= len(q.reg.vars) {
		return
	}
	v := &q.reg.vars[i]
	if v.set != nil {
		v.set(q, val)
		return
	}
	q.store(i, val)
}

// store puts val into the arena and marks slot i valid.
func (q *Request) store(i Index, val []byte) {
	q.ensureSlot(i)
	off := len(q.arena)
	q.arena = append(q.arena, val...)
	q.cache[i] = slot{gen: q.gen, state: slotValid, off: uint32(off), end: uint32(len(q.arena))}
}

// Var returns the value of variable i; ok=false when it is not found (which
// renders as ""). The slice is valid until the next evaluation on q.
func (q *Request) Var(i Index) (val []byte, ok bool) {
	q.varBuf, ok = q.appendVar(i, q.varBuf[:0])
	return q.varBuf, ok
}

// AppendVar appends the value of variable i to dst.
func (q *Request) AppendVar(i Index, dst []byte) ([]byte, bool) { return q.appendVar(i, dst) }

func (q *Request) ensureSlot(i Index) {
	if int(i) >= len(q.cache) {
		q.cache = append(q.cache, make([]slot, len(q.reg.vars)-len(q.cache))...)
	}
}

func (q *Request) scratchAt(d int) []byte {
	for len(q.scratch) <= d {
		q.scratch = append(q.scratch, nil)
	}
	return q.scratch[d][:0]
}

// evalTemp evaluates t into the scratch buffer of the current depth, for a
// getter that needs an intermediate value (a map's source). The result is
// valid until the next evalTemp at the same depth.
func (q *Request) evalTemp(t *Template) []byte {
	d := q.depth
	buf := q.scratchAt(d)
	q.depth++
	buf = t.Eval(q, buf)
	q.depth--
	q.scratch[d] = buf
	return buf
}

// appendVar appends the value of variable i to dst.
func (q *Request) appendVar(i Index, dst []byte) ([]byte, bool) {
	if q == nil || i < 0 || int(i) >= len(q.reg.vars) {
		return dst, false
	}
	q.ensureSlot(i)
	s := q.cache[i]
	if s.gen == q.gen {
		switch s.state {
		case slotValid:
			return append(dst, q.arena[s.off:s.end]...), true
		case slotNotFound:
			return dst, false
		case slotBusy:
			return dst, false // cycle: nginx logs "cycle while evaluating variable"
		}
	}
	v := &q.reg.vars[i]
	if q.depth >= maxDepth {
		return dst, false
	}
	if v.flags&flagNoCache != 0 {
		// Marked busy while computing so that a volatile cycle ends at
		// once instead of recursing to maxDepth in every branch.
		q.cache[i] = slot{gen: q.gen, state: slotBusy}
		q.depth++
		out, ok := v.get(q, v, dst)
		q.depth--
		q.cache[i] = slot{}
		return out, ok
	}
	q.cache[i] = slot{gen: q.gen, state: slotBusy}
	if v.mapv == nil {
		// A leaf getter evaluates no other variable, so it may append
		// straight into the arena.
		off := len(q.arena)
		out, ok := v.get(q, v, q.arena)
		if !ok {
			q.arena = out[:off]
			q.cache[i] = slot{gen: q.gen, state: slotNotFound}
			return dst, false
		}
		q.arena = out
		q.cache[i] = slot{gen: q.gen, state: slotValid, off: uint32(off), end: uint32(len(out))}
		return append(dst, out[off:]...), true
	}
	d := q.depth
	buf := q.scratchAt(d)
	q.depth++
	buf, ok := v.get(q, v, buf)
	q.depth--
	q.scratch[d] = buf
	if !ok {
		q.cache[i] = slot{gen: q.gen, state: slotNotFound}
		return dst, false
	}
	q.store(i, buf)
	return append(dst, buf...), true
}

// appendCapture appends regex capture n of the last match.
func (q *Request) appendCapture(n int, dst []byte) []byte {
	if q == nil || n >= q.ncaps {
		return dst
	}
	a, b := q.caps[2*n], q.caps[2*n+1]
	if a < 0 || b < a || b > len(q.capSubject) {
		return dst
	}
	return append(dst, q.capSubject[a:b]...)
}

// Capture returns regex capture n ($n) of the last successful match.
func (q *Request) Capture(n int) []byte {
	if n < 0 || n >= q.ncaps {
		return nil
	}
	a, b := q.caps[2*n], q.caps[2*n+1]
	if a < 0 || b < a || b > len(q.capSubject) {
		return nil
	}
	return q.capSubject[a:b]
}

// NumCaptures returns how many capture pairs the last match recorded
// (nginx's r->ncaptures / 2): the whole match plus its groups.
func (q *Request) NumCaptures() int { return q.ncaps }

// ClearCaptures forgets the last match, as a failed rewrite regex does.
func (q *Request) ClearCaptures() { q.ncaps = 0 }

// SetCaptures records the captures of a regex match done elsewhere: subject
// is copied, idx holds byte offsets in pairs (as regexp's
// FindSubmatchIndex returns them, -1 for groups that did not participate).
func (q *Request) SetCaptures(subject []byte, idx []int) {
	q.capSubject = append(q.capSubject[:0], subject...)
	q.caps = append(q.caps[:0], idx...)
	q.ncaps = len(idx) / 2
}

// requestID renders 16 random bytes as 32 hex digits ($request_id).
func (q *Request) requestID(dst []byte) []byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], q.rng.Uint64())
	binary.LittleEndian.PutUint64(b[8:], q.rng.Uint64())
	const hexdigits = "0123456789abcdef"
	for _, c := range b {
		dst = append(dst, hexdigits[c>>4], hexdigits[c&15])
	}
	return dst
}
