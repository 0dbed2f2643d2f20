package http1

import (
	"fmt"
	"strings"
	"testing"
)

// recordingRules is a HostRules over a fixed table that records the hosts it
// was asked about. Hosts not in the table get the zero rules (nginx's
// defaults), like a server_name lookup falling back to a default server that
// has them.
type recordingRules struct {
	table map[string]HeaderRules
	asked []string
}

func (r *recordingRules) RulesForHost(host []byte) HeaderRules {
	r.asked = append(r.asked, string(host))
	return r.table[string(host)]
}

// TestHostRules checks nginx's rule for underscores_in_headers and
// ignore_invalid_headers: the header lines are judged with the current
// server's settings, which the host (absolute URI, else the first Host line)
// switches for the lines after it; the lines before it stay as judged.
func TestHostRules(t *testing.T) {
	both := HeaderRules{UnderscoresInHeaders: true, KeepInvalidHeaders: true}
	table := map[string]HeaderRules{
		"keep.example":  both,
		"under.example": {UnderscoresInHeaders: true},
		"inval.example": {KeepInvalidHeaders: true},
	}
	cases := []struct {
		name   string
		start  HeaderRules // the connection's server (Options)
		noHook bool
		raw    string
		status int      // 0: the head parses
		want   []string // header names kept, in order
		asked  []string // hosts given to RulesForHost
		// framing, when set, is the wanted "chunked=... cl=..." of the head.
		framing string
	}{
		{
			name:  "lines after Host use the selected server",
			raw:   "GET / HTTP/1.1\r\nHost: keep.example\r\nX_Under: 1\r\nX.Dot: 2\r\n\r\n",
			want:  []string{"Host", "X_Under", "X.Dot"},
			asked: []string{"keep.example"},
		},
		{
			name:  "lines before Host are not judged again",
			raw:   "GET / HTTP/1.1\r\nX_Before: 1\r\nA.B: 1\r\nHost: keep.example\r\nX_After: 2\r\n\r\n",
			want:  []string{"Host", "X_After"},
			asked: []string{"keep.example"},
		},
		{
			name:  "lines before Host keep the starting server's rules",
			start: both,
			raw:   "GET / HTTP/1.1\r\nX_Before: 1\r\nHost: other.example\r\nX_After: 2\r\nA.B: 3\r\n\r\n",
			want:  []string{"X_Before", "Host"},
			asked: []string{"other.example"},
		},
		{
			name:  "underscores only",
			raw:   "GET / HTTP/1.1\r\nHost: under.example\r\nX_Under: 1\r\nX.Dot: 2\r\n\r\n",
			want:  []string{"Host", "X_Under"},
			asked: []string{"under.example"},
		},
		{
			name:  "invalid kept, underscores counted invalid and kept",
			raw:   "GET / HTTP/1.1\r\nHost: inval.example\r\nX_Under: 1\r\nX.Dot: 2\r\n\r\n",
			want:  []string{"Host", "X_Under", "X.Dot"},
			asked: []string{"inval.example"},
		},
		{
			name:  "host lowercased without port and trailing dot",
			raw:   "GET / HTTP/1.1\r\nHost: KEEP.Example.:8080\r\nX_Under: 1\r\n\r\n",
			want:  []string{"Host", "X_Under"},
			asked: []string{"keep.example"},
		},
		{
			name:  "absolute URI selects before any header line",
			raw:   "GET http://keep.example/p HTTP/1.1\r\nX_First: 1\r\nHost: other.example\r\nX_Last: 2\r\n\r\n",
			want:  []string{"X_First", "Host", "X_Last"},
			asked: []string{"keep.example"},
		},
		{
			name:  "Host does not override the absolute URI's server",
			raw:   "GET http://other.example/ HTTP/1.1\r\nHost: keep.example\r\nX_Under: 1\r\n\r\n",
			want:  []string{"Host"},
			asked: []string{"other.example"},
		},
		{
			name:   "second Host is rejected, asked once",
			raw:    "GET / HTTP/1.1\r\nHost: keep.example\r\nX_Under: 1\r\nHost: other.example\r\n\r\n",
			status: 400,
			asked:  []string{"keep.example"},
		},
		{
			name:   "invalid Host is rejected before any selection",
			raw:    "GET / HTTP/1.1\r\nHost: keep..example\r\nX_Under: 1\r\n\r\n",
			status: 400,
		},
		{
			name: "no Host: the starting server's rules throughout",
			raw:  "GET / HTTP/1.0\r\nX_Under: 1\r\nA.B: 2\r\n\r\n",
			want: nil,
		},
		{
			name:   "without a hook Host selects nothing",
			noHook: true,
			raw:    "GET / HTTP/1.1\r\nHost: keep.example\r\nX_Under: 1\r\nX.Dot: 2\r\n\r\n",
			want:   []string{"Host"},
		},
		{
			// Kept invalid names never act as framing headers.
			name:    "kept invalid name is no framing header",
			raw:     "POST / HTTP/1.1\r\nHost: keep.example\r\nTransfer_Encoding: chunked\r\nContent-Length: 0\r\n\r\n",
			want:    []string{"Host", "Transfer_Encoding", "Content-Length"},
			asked:   []string{"keep.example"},
			framing: "chunked=false cl=0",
		},
		{
			name:   "framing checks unchanged by the selected server",
			raw:    "POST / HTTP/1.1\r\nHost: keep.example\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
			status: 400,
			asked:  []string{"keep.example"},
		},
		{
			name:   "a bad line is bad in every server",
			raw:    "GET / HTTP/1.1\r\nHost: keep.example\r\nX Y: 1\r\n\r\n",
			status: 400,
			asked:  []string{"keep.example"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rules := &recordingRules{table: table}
			opt := Options{UnderscoresInHeaders: c.start.UnderscoresInHeaders, KeepInvalidHeaders: c.start.KeepInvalidHeaders}
			if !c.noHook {
				opt.HostRules = rules
			}
			var req Request
			err := NewReader(strings.NewReader(c.raw), opt).ReadRequest(&req)
			if got := StatusOf(err); got != c.status {
				t.Fatalf("status %d (%v), want %d", got, err, c.status)
			}
			if c.status == 0 {
				var names []string
				for _, f := range req.Header.Fields {
					names = append(names, string(f.Name))
				}
				if strings.Join(names, ",") != strings.Join(c.want, ",") {
					t.Errorf("kept %q, want %q", names, c.want)
				}
				if got := fmt.Sprintf("chunked=%v cl=%d", req.Chunked, req.ContentLength); c.framing != "" && got != c.framing {
					t.Errorf("framing %s, want %s", got, c.framing)
				}
			}
			if strings.Join(rules.asked, ",") != strings.Join(c.asked, ",") {
				t.Errorf("asked %q, want %q", rules.asked, c.asked)
			}
		})
	}
}

// TestHostRulesPerRequest: every request of a keep-alive connection starts
// with the connection's server's rules again.
func TestHostRulesPerRequest(t *testing.T) {
	rules := &recordingRules{table: map[string]HeaderRules{"keep.example": {UnderscoresInHeaders: true}}}
	raw := "GET /1 HTTP/1.1\r\nHost: keep.example\r\nX_A: 1\r\n\r\n" +
		"GET /2 HTTP/1.1\r\nX_B: 1\r\nHost: other.example\r\nX_C: 1\r\n\r\n"
	rd := NewReader(strings.NewReader(raw), Options{HostRules: rules})
	for i, want := range []int{2, 1} {
		var req Request
		if err := rd.ReadRequest(&req); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if req.Header.Len() != want {
			t.Errorf("request %d: %d headers kept, want %d", i+1, req.Header.Len(), want)
		}
	}
}

// fixedRules answers the same rules for every host, without allocating.
type fixedRules HeaderRules

func (f *fixedRules) RulesForHost([]byte) HeaderRules { return HeaderRules(*f) }

// TestHostRulesAllocs: asking for the rules keeps ReadRequest allocation-free.
func TestHostRulesAllocs(t *testing.T) {
	head := []byte("GET / HTTP/1.1\r\nHost: WWW.Example.com\r\nX_Under: 1\r\nAccept: */*\r\n\r\n")
	rd := NewReader(&repeatReader{data: head}, Options{HostRules: &fixedRules{UnderscoresInHeaders: true}})
	var req Request
	if err := rd.ReadRequest(&req); err != nil { // warm up buffers
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		if err := rd.ReadRequest(&req); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocs per request, want 0", allocs)
	}
	if req.Header.Len() != 3 {
		t.Errorf("%d headers kept, want 3", req.Header.Len())
	}
}
