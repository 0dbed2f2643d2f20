package proxy

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// loadResult counts what a load run saw.
type loadResult struct {
	getOK, getErr, postOK, postErr int
	firstErr                       string
}

// runRotatingLoad sends n requests through addr with conc concurrent
// keep-alive clients, Host rotating over vhosts, every other one a POST
// with a 64-byte body.
func runRotatingLoad(t *testing.T, addr string, vhosts []string, n, conc int) loadResult {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	var mu sync.Mutex
	var res loadResult
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				post := i%2 == 1
				var req *http.Request
				if post {
					req, _ = http.NewRequest("POST", "http://"+addr+"/", strings.NewReader(strings.Repeat("p", 64)))
				} else {
					req, _ = http.NewRequest("GET", "http://"+addr+"/", nil)
				}
				req.Host = vhosts[i%len(vhosts)]
				resp, err := client.Do(req)
				ok := false
				msg := ""
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					// Apache answers a POST to a static file with 200 too.
					ok = resp.StatusCode == 200
					msg = fmt.Sprintf("%s %s: status %d", req.Method, req.Host, resp.StatusCode)
				} else {
					msg = err.Error()
				}
				mu.Lock()
				switch {
				case post && ok:
					res.postOK++
				case post:
					res.postErr++
				case ok:
					res.getOK++
				default:
					res.getErr++
				}
				if !ok && res.firstErr == "" {
					res.firstErr = msg
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return res
}

// TestITKEndToEnd runs thousands of requests through sliceproxy in front of
// real Apache with mpm-itk (3 vhosts, 3 users), with the sliced pool and
// with one shared pool, and prints the upstream connection counts.
func TestITKEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	vhosts := testenv.ITKVhosts
	const requests = 3000
	const conc = 8

	t.Run("sliced by host", func(t *testing.T) {
		ap := testenv.StartApacheITK(t, testenv.ApacheITKOptions{})
		tp := startProxy(t, itkProxyConfig(ap.Addr, "keepalive 32 slice_key=$host slice_conn=4;"), nil)
		res := runRotatingLoad(t, tp.addr, vhosts, requests, conc)
		conns := ap.NewConnections()
		t.Logf("sliced pool: GET ok %d err %d, POST ok %d err %d; Apache new connections per vhost %v; itk closes %d",
			res.getOK, res.getErr, res.postOK, res.postErr, conns, ap.ITKCloses())
		if res.getErr+res.postErr != 0 {
			t.Errorf("%d errors (first: %s)\nproxy log:\n%s", res.getErr+res.postErr, res.firstErr, tail(tp.errorLog(), 20))
		}
		if n := ap.ITKCloses(); n != 0 {
			t.Errorf("mpm-itk closed %d connections for a foreign vhost: a slice was mixed", n)
		}
		// MaxKeepAliveRequests 100 bounds a connection to 101 requests: the
		// floor is ~10 per 1000 requests; allow the warm-up connections.
		perVhost := requests / len(vhosts)
		for _, vh := range vhosts {
			if got, max := conns[vh], perVhost/101+conc+4; got > max {
				t.Errorf("%s: %d new upstream connections, want at most %d", vh, got, max)
			}
		}
	})

	t.Run("keepalive shared", func(t *testing.T) {
		ap := testenv.StartApacheITK(t, testenv.ApacheITKOptions{})
		tp := startProxy(t, itkProxyConfig(ap.Addr, "keepalive 32;"), nil)
		res := runRotatingLoad(t, tp.addr, vhosts, requests, conc)
		conns := ap.NewConnections()
		total := 0
		for _, n := range conns {
			total += n
		}
		t.Logf("shared pool: GET ok %d err %d, POST ok %d err %d (POSTs are never replayed); Apache new connections %d %v; itk closes %d",
			res.getOK, res.getErr, res.postOK, res.postErr, total, conns, ap.ITKCloses())
		if res.getErr != 0 {
			t.Errorf("%d GET errors: a GET on a dropped kept-alive connection must be retried (first: %s)", res.getErr, res.firstErr)
		}
	})
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
