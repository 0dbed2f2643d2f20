package deadline

import (
	"net"
	"os"
	"testing"
	"time"
)

// recorder is a net.Conn that records the deadlines set on it.
type recorder struct {
	net.Conn
	read, write []time.Time
}

func (r *recorder) SetReadDeadline(t time.Time) error  { r.read = append(r.read, t); return nil }
func (r *recorder) SetWriteDeadline(t time.Time) error { r.write = append(r.write, t); return nil }

func TestLazyKeepsOnlyEarlierDeadlinesWithinTheSlack(t *testing.T) {
	base := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	type ask struct {
		now, t time.Time
		set    bool // whether the connection's deadline must change
	}
	tests := []struct {
		name string
		asks []ask
	}{
		{"first deadline is always set", []ask{{base, at(60 * time.Second), true}}},
		{"60s timeout, next request 1ms later: kept", []ask{
			{base, at(60 * time.Second), true},
			{at(time.Millisecond), at(time.Millisecond + 60*time.Second), false},
		}},
		{"60s timeout: kept while the armed one is at most 300ms early", []ask{
			{base, at(60 * time.Second), true},
			{at(300 * time.Millisecond), at(300*time.Millisecond + 60*time.Second), false},
			{at(301 * time.Millisecond), at(301*time.Millisecond + 60*time.Second), true},
		}},
		{"1s timeout: slack is an eighth (125ms)", []ask{
			{base, at(time.Second), true},
			{at(125 * time.Millisecond), at(1125 * time.Millisecond), false},
			{at(126 * time.Millisecond), at(1126 * time.Millisecond), true},
		}},
		{"10ms timeout: an armed deadline in the past is never kept", []ask{
			{base, at(10 * time.Millisecond), true},
			{at(50 * time.Millisecond), at(60 * time.Millisecond), true},
		}},
		{"an earlier deadline than the armed one is always set", []ask{
			{base, at(60 * time.Second), true},
			{at(time.Millisecond), at(time.Millisecond + 5*time.Second), true},
		}},
		{"clearing is always set, and arming after a clear too", []ask{
			{base, at(60 * time.Second), true},
			{base, time.Time{}, true},
			{base, at(60 * time.Second), true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, dir := range []string{"read", "write"} {
				var l Lazy
				r := &recorder{}
				want := 0
				for i, a := range tc.asks {
					if dir == "read" {
						_ = l.SetRead(r, a.now, a.t)
					} else {
						_ = l.SetWrite(r, a.now, a.t)
					}
					got := r.read
					if dir == "write" {
						got = r.write
					}
					if a.set {
						want++
					}
					if len(got) != want {
						t.Fatalf("%s ask %d (%v at %v): %d deadlines set, want %d", dir, i, a.t, a.now, len(got), want)
					}
					if a.set && !got[len(got)-1].Equal(a.t) {
						t.Fatalf("%s ask %d: set %v, want %v", dir, i, got[len(got)-1], a.t)
					}
				}
			}
		})
	}
}

func TestLazyArmedRecordsADeadlineSetElsewhere(t *testing.T) {
	now := time.Now()
	var l Lazy
	r := &recorder{}
	_ = l.SetRead(r, now, now.Add(time.Minute))
	// Somebody set a deadline in the past to interrupt a read.
	l.Armed(time.Unix(1, 0))
	_ = l.SetRead(r, now, now.Add(time.Minute))
	if len(r.read) != 2 {
		t.Fatalf("deadline after Armed(past) not set again: %v", r.read)
	}
}

// TestLazyOnARealConnection: a kept deadline still ends a read that waits
// too long, no later than asked.
func TestLazyOnARealConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	peer, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	var l Lazy
	start := time.Now()
	_ = l.SetRead(c, start, start.Add(200*time.Millisecond))
	now := time.Now()
	asked := now.Add(200 * time.Millisecond)
	_ = l.SetRead(c, now, asked) // kept if within 25ms of the first
	_, err = c.Read(make([]byte, 1))
	if !os.IsTimeout(err) {
		t.Fatalf("read: %v, want a timeout", err)
	}
	if late := time.Since(asked); late > time.Second { // a hang, not scheduling noise
		t.Errorf("timed out %v after the asked deadline", late)
	}
}

func TestSetReadBetween(t *testing.T) {
	base := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return base.Add(d) }
	ms := time.Millisecond
	tests := []struct {
		name   string
		armed  time.Time // recorded before the call (zero: none)
		lo, hi time.Time
		set    bool
	}{
		{"nothing armed: hi is set", time.Time{}, at(10 * ms), at(30 * ms), true},
		{"armed inside: kept", at(20 * ms), at(10 * ms), at(30 * ms), false},
		{"armed at lo: kept", at(10 * ms), at(10 * ms), at(30 * ms), false},
		{"armed at hi: kept", at(30 * ms), at(10 * ms), at(30 * ms), false},
		{"armed before lo: hi is set", at(9 * ms), at(10 * ms), at(30 * ms), true},
		{"armed after hi (a 60s keep-alive wait): hi is set", at(60 * time.Second), at(10 * ms), at(30 * ms), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l Lazy
			l.Armed(tc.armed)
			r := &recorder{}
			if err := l.SetReadBetween(r, tc.lo, tc.hi); err != nil {
				t.Fatal(err)
			}
			if got := len(r.read) == 1; got != tc.set {
				t.Fatalf("set = %v (%v), want %v", got, r.read, tc.set)
			}
			want := tc.armed
			if tc.set {
				want = tc.hi
				if !r.read[0].Equal(tc.hi) {
					t.Fatalf("set %v, want hi %v", r.read[0], tc.hi)
				}
			}
			if !l.Deadline().Equal(want) {
				t.Fatalf("Deadline() = %v, want %v", l.Deadline(), want)
			}
		})
	}
}
