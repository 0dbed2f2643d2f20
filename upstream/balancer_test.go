package upstream

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sliceproxy/vars"
)

// peersNamed makes peers "a", "b", ... with the given weights.
func peersNamed(weights ...int) []*Peer {
	var out []*Peer
	for i, w := range weights {
		n := string(rune('a' + i))
		out = append(out, &Peer{Name: n, Weight: w})
	}
	return out
}

// sequence picks n times (each pick reported successful) and returns the
// names.
func sequence(t *testing.T, g *Group, n int) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		pk := g.Picker(nil)
		p, err := pk.Next()
		if err != nil {
			t.Fatalf("pick %d: %v", i, err)
		}
		b.WriteString(p.Name)
		pk.Done(p, false)
	}
	return b.String()
}

func TestRoundRobinSequences(t *testing.T) {
	cases := []struct {
		name    string
		weights []int
		mod     func([]*Peer)
		n       int
		want    string
	}{
		// nginx's smooth weighted round robin, the sequence from its commit
		// message and docs.
		{"weights 5,1,1", []int{5, 1, 1}, nil, 14, "aabacaaaabacaa"},
		{"equal weights", []int{1, 1, 1}, nil, 6, "abcabc"},
		{"weights 2,1", []int{2, 1}, nil, 6, "abaaba"},
		{"down peer skipped", []int{1, 1, 1}, func(p []*Peer) { p[1].Down = true }, 4, "acac"},
		{"backup unused while a primary lives", []int{1, 1, 1}, func(p []*Peer) { p[2].Backup = true }, 4, "abab"},
		{"backup when every primary is down", []int{1, 1, 1}, func(p []*Peer) { p[0].Down = true; p[1].Down = true; p[2].Backup = true }, 3, "ccc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			peers := peersNamed(tc.weights...)
			if tc.mod != nil {
				tc.mod(peers)
			}
			g := NewGroup("u", MethodRoundRobin, peers, newFakeClock())
			if got := sequence(t, g, tc.n); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestMaxFailsAndFailTimeout(t *testing.T) {
	clk := newFakeClock()
	peers := peersNamed(1, 1)
	for _, p := range peers {
		p.MaxFails, p.FailTimeout = 1, 10*time.Second
	}
	g := NewGroup("u", MethodRoundRobin, peers, clk)
	pk := g.Picker(nil)
	p, _ := pk.Next()
	if p.Name != "a" {
		t.Fatalf("first pick %s", p.Name)
	}
	pk.Done(p, true) // a fails: unavailable for fail_timeout
	q, err := pk.Next()
	if err != nil || q.Name != "b" {
		t.Fatalf("retry: %v %v", q, err)
	}
	pk.Done(q, false)
	if _, err := pk.Next(); !errors.Is(err, ErrNoMoreTries) {
		t.Fatalf("third try: %v, want ErrNoMoreTries", err)
	}
	if got := sequence(t, g, 3); got != "bbb" {
		t.Fatalf("during fail_timeout: %s", got)
	}
	if st := g.PeerStates(); !st[0].Unavailable || st[0].Fails != 1 || st[1].Unavailable || st[0].Conns != 0 {
		t.Fatalf("peer states %+v", st)
	}
	clk.Advance(11 * time.Second)
	if got := sequence(t, g, 4); !strings.Contains(got, "a") {
		t.Fatalf("after fail_timeout a never comes back: %s", got)
	}
}

func TestAllFailedNoLiveUpstreams(t *testing.T) {
	clk := newFakeClock()
	peers := peersNamed(1, 1, 1)
	peers[2].Backup = true
	for _, p := range peers {
		p.MaxFails, p.FailTimeout = 1, 10*time.Second
	}
	g := NewGroup("u", MethodRoundRobin, peers, clk)
	pk := g.Picker(nil)
	var got []string
	for {
		p, err := pk.Next()
		if err != nil {
			break
		}
		got = append(got, p.Name)
		pk.Done(p, true)
	}
	if strings.Join(got, "") != "abc" {
		t.Fatalf("tries %v, want a, b, then backup c", got)
	}
	if _, err := g.Picker(nil).Next(); !errors.Is(err, ErrNoLiveUpstreams) {
		t.Fatalf("all failed: %v", err)
	}
}

func TestSinglePeerIgnoresMaxFails(t *testing.T) {
	peers := peersNamed(1)
	peers[0].MaxFails, peers[0].FailTimeout = 1, 10*time.Second
	g := NewGroup("u", MethodRoundRobin, peers, newFakeClock())
	pk := g.Picker(nil)
	p, _ := pk.Next()
	pk.Done(p, true)
	if _, err := g.Picker(nil).Next(); err != nil {
		t.Fatalf("nginx keeps using a single peer after failures: %v", err)
	}
}

func TestMaxConns(t *testing.T) {
	peers := peersNamed(1, 1)
	peers[0].MaxConns = 1
	g := NewGroup("u", MethodRoundRobin, peers, newFakeClock())
	p1, _ := g.Picker(nil).Next() // a, held
	got := ""
	for i := 0; i < 3; i++ {
		pk := g.Picker(nil)
		p, _ := pk.Next()
		got += p.Name
		pk.Done(p, false)
	}
	if p1.Name != "a" || got != "bbb" {
		t.Fatalf("a at max_conns still picked: first %s then %s", p1.Name, got)
	}
}

func TestLeastConn(t *testing.T) {
	g := NewGroup("u", MethodLeastConn, peersNamed(1, 1, 1), newFakeClock())
	var held []*Peer
	for i := 0; i < 3; i++ {
		p, _ := g.Picker(nil).Next()
		held = append(held, p)
	}
	if held[0].Name+held[1].Name+held[2].Name != "abc" {
		t.Fatalf("ties not broken round robin: %v", held)
	}
	g.Picker(nil).Done(held[1], false) // b finishes: it has the fewest
	p, _ := g.Picker(nil).Next()
	if p.Name != "b" {
		t.Fatalf("least_conn picked %s, want b", p.Name)
	}
}

func TestRandomTwoPrefersFewerConns(t *testing.T) {
	g := NewGroup("u", MethodRandomTwo, peersNamed(1, 1), newFakeClock())
	busy, _ := g.Picker(nil).Next()
	for i := 0; i < 20; i++ {
		pk := g.Picker(nil)
		p, _ := pk.Next()
		if p == busy {
			t.Fatalf("random two picked the busier peer")
		}
		pk.Done(p, false)
	}
}

func TestRandomWeights(t *testing.T) {
	g := NewGroup("u", MethodRandom, peersNamed(3, 1), newFakeClock())
	counts := map[string]int{}
	for i := 0; i < 4000; i++ {
		pk := g.Picker(nil)
		p, _ := pk.Next()
		counts[p.Name]++
		pk.Done(p, false)
	}
	if counts["a"] < 2600 || counts["a"] > 3400 {
		t.Fatalf("weight 3:1 gave %v", counts)
	}
}

// keyPicker returns a picker for a hash key without a vars.Request.
func keyPicker(g *Group, key string) *picker {
	pk := g.Picker(nil).(*picker)
	pk.key = []byte(key)
	if g.Method == MethodHashConsistent {
		pk.hash = uint32(findChashPoint(g.points, crc32IEEE(pk.key)))
	}
	return pk
}

func TestHashRetriesWalkDistinctPeers(t *testing.T) {
	for _, m := range []Method{MethodHash, MethodHashConsistent, MethodIPHash} {
		g := NewGroup("u", m, peersNamed(1, 2, 1), newFakeClock())
		pk := keyPicker(g, "some-key")
		seen := map[string]bool{}
		for i := 0; i < 3; i++ {
			p, err := pk.Next()
			if err != nil {
				t.Fatalf("%s try %d: %v", m, i, err)
			}
			if seen[p.Name] {
				t.Fatalf("%s retried %s twice", m, p.Name)
			}
			seen[p.Name] = true
			pk.Done(p, true)
		}
	}
}

func TestChashHostPort(t *testing.T) {
	cases := []struct{ in, host, port string }{
		{"127.0.0.1:8080", "127.0.0.1", "8080"},
		{"backend", "backend", ""},
		{"[::1]:80", "[::1]", "80"},
		{"unix:/tmp/s.sock", "/tmp/s.sock", ""},
		{"host:port", "host:port", ""},
	}
	for _, c := range cases {
		h, p := chashHostPort(c.in)
		if h != c.host || p != c.port {
			t.Errorf("%s: got %q %q", c.in, h, p)
		}
	}
}

func TestIPHashAddr(t *testing.T) {
	req := &vars.Request{}
	req.RemoteAddr = netip.MustParseAddrPort("[::ffff:192.0.2.77]:5000")
	if got := ipHashAddr(nil, req); string(got) != "\xc0\x00\x02" {
		t.Fatalf("IPv4 uses the first 3 octets: %v", got)
	}
	req.RemoteAddr = netip.MustParseAddrPort("[2001:db8::1]:5000")
	if got := ipHashAddr(nil, req); len(got) != 16 {
		t.Fatalf("IPv6 uses 16 bytes: %v", got)
	}
	if got := ipHashAddr(nil, nil); string(got) != "\x00\x00\x00" {
		t.Fatalf("no address: %v", got)
	}
}
