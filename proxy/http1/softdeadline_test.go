package http1

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"
)

// TestSoftDeadline: a read that the connection's earlier deadline ends
// before the soft one is extended to it once and goes on; without a soft
// deadline, or past it, the timeout stands. Each of the Reader's reads from
// the connection is covered: an idle head read (pooled buffers), a head read
// into its own buffer, and a direct Read.
func TestSoftDeadline(t *testing.T) {
	const early, gap = 30 * time.Millisecond, 120 * time.Millisecond
	paths := []struct {
		name string
		opt  Options
		read func(rd *Reader) (string, error)
	}{
		{"idle head read", Options{Buffers: NewBufferPool(0)}, readPath},
		{"head read", Options{}, readPath},
		{"direct read", Options{}, func(rd *Reader) (string, error) {
			p := make([]byte, 8192) // larger than the buffer: bypasses it
			n, err := rd.Read(p)
			return string(p[:n]), err
		}},
	}
	cases := []struct {
		name string
		soft time.Duration // 0: none
		send bool          // the data comes gap after the read starts
		want string        // "" for a timeout
		// extended: extend was called; minWait: the read took at least this long.
		extended bool
		minWait  time.Duration
	}{
		{"data after the armed deadline, before the soft one", 2 * time.Second, true, "GET /late HTTP/1.1\r\nHost: a\r\n\r\n", true, gap},
		{"no soft deadline: the armed one ends the read", 0, true, "", false, early},
		{"nothing comes: the soft deadline ends the read", 300 * time.Millisecond, false, "", true, 300 * time.Millisecond},
		{"soft deadline earlier than the data", early + 10*time.Millisecond, true, "", true, early},
	}
	for _, p := range paths {
		for _, tc := range cases {
			t.Run(p.name+"/"+tc.name, func(t *testing.T) {
				client, server := tcpPair(t)
				rd := NewReader(server, p.opt)
				var extendedTo []time.Time
				rd.SetDeadlineExtender(func(hard time.Time) error {
					extendedTo = append(extendedTo, hard)
					return server.SetReadDeadline(hard)
				})
				start := time.Now()
				_ = server.SetReadDeadline(start.Add(early))
				var hard time.Time
				if tc.soft > 0 {
					hard = start.Add(tc.soft)
					rd.SetSoftDeadline(hard)
				}
				if tc.send {
					timer := time.AfterFunc(gap, func() { _, _ = io.WriteString(client, "GET /late HTTP/1.1\r\nHost: a\r\n\r\n") })
					defer timer.Stop()
				}
				got, err := p.read(rd)
				took := time.Since(start)
				if tc.want != "" {
					if err != nil || got != tc.want {
						t.Fatalf("read %q, %v; want %q", got, err, tc.want)
					}
				} else if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("read %q, %v; want a timeout", got, err)
				}
				if took < tc.minWait {
					t.Errorf("read returned after %v, before %v", took, tc.minWait)
				}
				switch {
				case tc.extended && (len(extendedTo) != 1 || !extendedTo[0].Equal(hard)):
					t.Errorf("extended to %v, want once to %v", extendedTo, hard)
				case !tc.extended && len(extendedTo) != 0:
					t.Errorf("extended to %v without a soft deadline", extendedTo)
				}
			})
		}
	}
}

// readPath reads a request head and returns it as it came.
func readPath(rd *Reader) (string, error) {
	var req Request
	if err := rd.ReadRequest(&req); err != nil {
		return "", err
	}
	return "GET " + string(req.Path) + " HTTP/1.1\r\nHost: a\r\n\r\n", nil
}
