package upstream

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// ErrNoLiveUpstreams is returned by Picker.Next when no peer may be tried:
// every peer is down, failed within fail_timeout, at max_conns, or already
// tried by this request (nginx's NGX_BUSY, logged as "no live upstreams").
var ErrNoLiveUpstreams = errors.New("no live upstreams")

// ErrNoMoreTries is returned by Picker.Next once the request has used as many
// tries as the group has peers that are not down (nginx's peer.tries).
var ErrNoMoreTries = errors.New("no more upstream tries")

// Method is a load-balancing method.
type Method uint8

const (
	MethodRoundRobin Method = iota
	MethodLeastConn
	MethodIPHash
	MethodHash
	MethodHashConsistent
	MethodRandom
	MethodRandomTwo // random two [least_conn]
)

var methodNames = [...]string{"round_robin", "least_conn", "ip_hash", "hash", "hash consistent", "random", "random two least_conn"}

func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return "method(" + strconv.Itoa(int(m)) + ")"
}

// Group is one upstream {} block (or an implicit group of a proxy_pass to
// host:port). It is immutable after Build except for the balancer state,
// which its mutex guards.
type Group struct {
	Name string
	// Pos is where the upstream block (or the proxy_pass) was written.
	Pos nginxconf.Pos
	// Peers lists primary peers first, then backup peers, in config order.
	Peers []*Peer
	// Pool keeps idle connections; nil without a keepalive directive.
	Pool *Pool
	// Method is the load-balancing method.
	Method Method
	// Implicit is true for a group made from a proxy_pass address.
	Implicit bool

	primary []*Peer
	backup  []*Peer
	// tries is nginx's peers->tries + backup->tries: the peers not down.
	tries int
	// totalWeight is the sum of the primary peers' weights (down ones too),
	// as nginx's peers->total_weight.
	totalWeight int
	// single mirrors nginx's peers->single: one primary peer and no backup;
	// such a peer ignores max_fails.
	single bool

	hashKey *vars.Template // hash KEY
	points  []chashPoint   // hash KEY consistent
	ranges  []int          // random: cumulative weights of primary peers

	slice sliceConfig

	clock Clock
	mu    sync.Mutex // guards the balancer state of every peer
}

// sliceConfig is the slice part of the keepalive directive.
type sliceConfig struct {
	key    *vars.Template // slice_key; nil without slices
	conn   int            // slice_conn
	dyn    vars.Index     // slice_dyn=$VAR
	hasDyn bool
	keyLen int // slice_keylen
	keys   *keyInterner
}

// Sliced reports whether the group's pool keeps connections per slice.
func (g *Group) Sliced() bool { return g.slice.key != nil }

// Slice evaluates slice_key, slice_conn and slice_dyn for one request: the
// key (already cut to slice_keylen bytes) Pool.Get and Outcome.Key take, and
// the limit for Outcome.Limit. reason is "" or, when the limit means "don't
// keep", its words (Reason.String of ReasonSliceVarMissing,
// ReasonSliceVarInvalid or ReasonSliceDisabled): Put refuses with it too,
// the caller may warn as tengine does for a bad slice_dyn value. Without
// slice_key it returns "", 0, "".
func (g *Group) Slice(req *vars.Request) (key string, limit int, reason string) {
	if g.slice.key == nil {
		return "", 0, ""
	}
	limit, r := g.SliceLimit(req)
	if r != ReasonNone {
		reason = r.String()
	}
	return g.SliceKey(req), limit, reason
}

// SliceKey evaluates slice_key for a request, cut to slice_keylen bytes.
func (g *Group) SliceKey(req *vars.Request) string {
	if g.slice.key == nil {
		return ""
	}
	// The request's scratch buffer: a local one would escape through the
	// variable getters, and interning copies the key only the first time.
	b := g.slice.key.EvalScratch(req)
	if len(b) > g.slice.keyLen {
		b = b[:g.slice.keyLen]
	}
	return g.slice.keys.intern(b)
}

// SliceLimit evaluates slice_conn or slice_dyn for a request. tengine reads
// slice_dyn's variable when the connection is freed, so a variable set from
// the response works; call it after the exchange.
func (g *Group) SliceLimit(req *vars.Request) (int, Reason) {
	if g.slice.key == nil {
		return 0, ReasonNone
	}
	if !g.slice.hasDyn {
		if g.slice.conn == 0 {
			return 0, ReasonSliceDisabled
		}
		return g.slice.conn, ReasonNone
	}
	if req == nil {
		return LimitMissing, ReasonSliceVarMissing
	}
	var buf [24]byte
	v, found := req.AppendVar(g.slice.dyn, buf[:0])
	if !found {
		return LimitMissing, ReasonSliceVarMissing
	}
	return parseSliceLimit(v)
}

// parseSliceLimit reads slice_dyn's value as ngx_atoi does: decimal digits
// only, no sign; an empty value is invalid (only a variable that is not
// found counts as missing).
func parseSliceLimit(v []byte) (int, Reason) {
	if len(v) == 0 {
		return LimitInvalid, ReasonSliceVarInvalid
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return LimitInvalid, ReasonSliceVarInvalid
		}
		if n > (1<<31)/10 {
			return LimitInvalid, ReasonSliceVarInvalid
		}
		n = n*10 + int(c-'0')
	}
	if n == 0 {
		return 0, ReasonSliceDisabled
	}
	return n, ReasonNone
}

// Picker is one request's view of its group's balancer.
type Picker interface {
	// Next returns the peer to try next: the balancer's choice for the first
	// try, and for every retry a peer this request has not tried yet.
	Next() (*Peer, error)
	// Done reports how the try of p ended; call it exactly once for every
	// peer Next returned. failed counts against max_fails/fail_timeout.
	Done(p *Peer, failed bool)
}

// Picker returns a Picker for one request. req may be nil for methods that
// read nothing from the request (round robin, least_conn, random).
func (g *Group) Picker(req *vars.Request) Picker {
	pk := new(picker)
	g.resetPicker(pk, nil, req)
	return pk
}

// PickerState is the memory of one request's Picker. A caller that keeps one
// per client connection (PickerIn resets it) picks peers without allocating;
// the zero value is ready to use.
type PickerState struct {
	pk picker
	// spill and key keep their capacity across requests: the tried bitmap
	// of groups with more than 64 peers, the hash methods' key.
	spill []uint64
	key   []byte
}

// PickerIn is Picker with the state in s, which the returned Picker uses
// until the next PickerIn on s: one request at a time per PickerState.
func (g *Group) PickerIn(s *PickerState, req *vars.Request) Picker {
	g.resetPicker(&s.pk, s, req)
	return &s.pk
}

// resetPicker prepares pk for a new request, reusing s's buffers when s is
// not nil.
func (g *Group) resetPicker(pk *picker, s *PickerState, req *vars.Request) {
	*pk = picker{g: g, triesLeft: g.tries}
	pk.tried = pk.inline[:]
	if n := (len(g.primary) + 63) / 64; n > len(pk.inline) {
		if s == nil {
			pk.tried = make([]uint64, n)
		} else {
			if cap(s.spill) < n {
				s.spill = make([]uint64, n)
			}
			pk.tried = s.spill[:n]
			clear(pk.tried)
		}
	}
	switch g.Method {
	case MethodIPHash:
		pk.ipHash = 89
		pk.ipAddr = ipHashAddr(pk.ipBuf[:0], req)
	case MethodHash, MethodHashConsistent:
		if g.hashKey != nil && req != nil {
			if s == nil {
				pk.key = g.hashKey.Eval(req, nil)
			} else {
				s.key = g.hashKey.Eval(req, s.key[:0])
				pk.key = s.key
			}
		}
		if g.Method == MethodHashConsistent {
			pk.hash = uint32(findChashPoint(g.points, crc32IEEE(pk.key)))
		}
	}
}

// now reads the group's clock.
func (g *Group) now() time.Time { return g.clock.Now() }

// ipHashAddr appends the bytes ip_hash hashes to dst: the first three
// octets of an IPv4 client, all sixteen of an IPv6 one, three zero bytes
// otherwise.
func ipHashAddr(dst []byte, req *vars.Request) []byte {
	if req == nil || !req.RemoteAddr.IsValid() {
		return append(dst, 0, 0, 0)
	}
	ip := req.RemoteAddr.Addr().Unmap()
	if ip.Is4() {
		a := ip.As4()
		return append(dst, a[:3]...)
	}
	a := ip.As16()
	return append(dst, a[:]...)
}

// PeerState is a peer's balancer state, for a status page.
type PeerState struct {
	Name string
	// Conns is the requests currently using the peer (nginx's peer->conns).
	Conns int
	// Fails is the failures counted in the current fail_timeout window.
	Fails int
	// Unavailable: down, failed max_fails times within fail_timeout, or at
	// max_conns.
	Unavailable bool
	Backup      bool
	Down        bool
}

// PeerStates returns every peer's balancer state, in Peers order.
func (g *Group) PeerStates() []PeerState {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]PeerState, len(g.Peers))
	for i, p := range g.Peers {
		out[i] = PeerState{Name: p.Name, Conns: p.conns, Fails: p.fails, Unavailable: !p.available(now),
			Backup: p.Backup, Down: p.Down}
	}
	return out
}
