package upstream

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// itkExchange sends one GET for host on c and reads the whole response; it
// returns the body and the Outcome the proxy would report.
func itkExchange(t *testing.T, c *Conn, host string, keepAliveHeader bool) ([]byte, Outcome) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	hdr := ""
	if keepAliveHeader {
		hdr = "Connection: keep-alive\r\n"
	}
	if _, err := fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: %s\r\n%s\r\n", host, hdr); err != nil {
		return nil, Outcome{Err: err}
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, Outcome{Err: err}
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	o := Outcome{Err: err, ResponseComplete: err == nil, UpstreamKeepAlive: !resp.Close, RequestBodySent: true}
	for _, part := range strings.Split(resp.Header.Get("Keep-Alive"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "timeout":
			o.KeepAliveTimeout = time.Duration(n) * time.Second
		case "max":
			o.KeepAliveMax = n
		}
	}
	return body, o
}

// TestApacheITKSlices runs the pool against real Apache mpm-itk, where a
// connection that served one vhost cannot serve another (it gets FIN and
// no response). With slice_key=$host every request must succeed, on few
// connections, with no itk close at all.
func TestApacheITKSlices(t *testing.T) {
	for _, kaHeader := range []bool{false, true} {
		t.Run(fmt.Sprintf("keepalive-header=%v", kaHeader), func(t *testing.T) {
			a := testenv.StartApacheITK(t, testenv.ApacheITKOptions{MaxKeepAliveRequests: 20})
			g := NewGroup("itk", MethodRoundRobin, []*Peer{{Name: a.Addr}}, nil)
			p := NewPool(g.Peers, PoolConfig{Name: "itk", MaxIdle: 8, Sliced: true, SliceKeyLen: 40})
			defer p.Close()
			const requests = 300
			for i := 0; i < requests; i++ {
				host := testenv.ITKVhosts[i%len(testenv.ITKVhosts)]
				c := p.Get(g.Peers[0], host)
				if c == nil {
					var err error
					if c, err = p.Dial(context.Background(), g.Peers[0], 5*time.Second); err != nil {
						t.Fatal(err)
					}
				}
				body, o := itkExchange(t, c, host, kaHeader)
				if o.Err != nil || len(body) != testenv.ITKBodySize || body[0] != host[0] {
					t.Fatalf("request %d for %s (reused=%v, requests=%d): err %v, body %q...\n%s",
						i, host, c.Reused, c.Requests, o.Err, body[:min(8, len(body))], strings.Join(a.ErrorLog(), "\n"))
				}
				o.Key, o.Limit = host, 2
				_ = p.Put(c, o)
			}
			if n := a.ITKCloses(); n != 0 {
				t.Fatalf("%d itk closes: a connection crossed vhosts", n)
			}
			st := p.Stats()
			// Apache closes after MaxKeepAliveRequests+1 = 21 requests: about
			// 300/21 connections, never one per request.
			if st.Dialed > requests/10 || st.Reused < requests*8/10 {
				t.Fatalf("poor reuse: %+v (new connections per vhost %v)", st, a.NewConnections())
			}
			closed := st.Refused[ReasonUpstreamClose.String()] + st.Refused[ReasonUpstreamMax.String()]
			if closed == 0 {
				t.Fatalf("Apache's last response (Connection: close / max) was not honoured: %+v", st.Refused)
			}
		})
	}
}

// TestApacheITKIdleClose: Apache closes an idle kept-alive connection after
// KeepAliveTimeout; the watcher must drop it from the pool on its own.
func TestApacheITKIdleClose(t *testing.T) {
	a := testenv.StartApacheITK(t, testenv.ApacheITKOptions{KeepAliveTimeout: 1})
	g := NewGroup("itk", MethodRoundRobin, []*Peer{{Name: a.Addr}}, nil)
	p := NewPool(g.Peers, PoolConfig{Name: "itk", MaxIdle: 8, Sliced: true})
	defer p.Close()
	c, err := p.Dial(context.Background(), g.Peers[0], 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_, o := itkExchange(t, c, "b.test", false)
	o.Key, o.Limit = "b.test", 1
	if err := p.Put(c, o); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		st := p.Stats()
		if st.Idle == 0 {
			if st.ClosedByUpstream != 1 || st.LiveSlices != 0 {
				t.Fatalf("idle connection left without being counted: %+v", st)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Apache's idle close not noticed: %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestApacheITKUnslicedControl is the control experiment: the same traffic
// through an unsliced pool (plain nginx keepalive) does hit itk closes, so
// TestApacheITKSlices passing means something.
func TestApacheITKUnslicedControl(t *testing.T) {
	a := testenv.StartApacheITK(t, testenv.ApacheITKOptions{})
	g := NewGroup("itk", MethodRoundRobin, []*Peer{{Name: a.Addr}}, nil)
	p := NewPool(g.Peers, PoolConfig{Name: "itk", MaxIdle: 8})
	defer p.Close()
	failed := 0
	for i := 0; i < 30; i++ {
		host := testenv.ITKVhosts[i%len(testenv.ITKVhosts)]
		c := p.Get(g.Peers[0], "")
		if c == nil {
			var err error
			if c, err = p.Dial(context.Background(), g.Peers[0], 5*time.Second); err != nil {
				t.Fatal(err)
			}
		}
		_, o := itkExchange(t, c, host, false)
		if o.Err != nil {
			failed++
		}
		_ = p.Put(c, o)
	}
	if failed == 0 {
		t.Fatalf("an unsliced pool never crossed vhosts: the ITK tests prove nothing")
	}
}
