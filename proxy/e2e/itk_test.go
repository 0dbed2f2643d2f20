package e2e

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sliceproxy/internal/itkdemo"
	"sliceproxy/internal/testenv"
)

// itkLoad is one run of the mpm-itk load: requests rotate over the vhosts,
// every other one a POST with a 64-byte body, from concurrent clients that
// keep their client connection alive.
type itkLoad struct {
	requests, clients int
	// postStatus is what Apache answers a POST to "/" directly.
	postStatus int
	deadline   time.Duration
	// pageOK checks a GET's body; nil means testenv's Apache index page.
	pageOK func(vhost string, body []byte) bool
}

// itkResult counts what the clients saw.
type itkResult struct {
	done                  int64
	getErrors, postErrors int64
	post502               int64
	firstErrors           []string
}

// itkLocation is the proxying location every run uses: HTTP/1.1 upstream
// keep-alive, the client's Host passed on (mpm-itk picks the vhost by it).
const itkLocation = `
server {
    listen 127.0.0.1:{{PORT}};
    location / {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_pass http://itk;
    }
}`

func itkConfig(apache *testenv.Apache, keepalive string) testenv.NginxConfig {
	return itkConfigAddr(apache.Addr, keepalive)
}

func itkConfigAddr(addr, keepalive string) testenv.NginxConfig {
	return testenv.NginxConfig{HTTP: fmt.Sprintf("upstream itk {\n    server %s;\n    %s\n}\n%s", addr, keepalive, itkLocation)}
}

// run sends the load to addr and counts errors: a GET must return 200 and
// the vhost's own page, a POST Apache's own status.
func (l itkLoad) run(addr string) *itkResult {
	res := &itkResult{}
	var next atomic.Int64
	var mu sync.Mutex
	fail := func(post bool, msg string) {
		if post {
			atomic.AddInt64(&res.postErrors, 1)
		} else {
			atomic.AddInt64(&res.getErrors, 1)
		}
		mu.Lock()
		if len(res.firstErrors) < 5 {
			res.firstErrors = append(res.firstErrors, msg)
		}
		mu.Unlock()
	}
	stop := time.Now().Add(l.deadline)
	var wg sync.WaitGroup
	for c := 0; c < l.clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rc *rawConn
			defer func() {
				if rc != nil {
					rc.Close()
				}
			}()
			for {
				i := int(next.Add(1)) - 1
				if i >= l.requests || time.Now().After(stop) {
					return
				}
				vhost := testenv.ITKVhosts[i%len(testenv.ITKVhosts)]
				post := (i/len(testenv.ITKVhosts))%2 == 1
				req := "GET / HTTP/1.1\r\nHost: " + vhost + "\r\n\r\n"
				if post {
					req = "POST / HTTP/1.1\r\nHost: " + vhost + "\r\nContent-Length: 64\r\nContent-Type: text/plain\r\n\r\n" + strings.Repeat("p", 64)
				}
				if rc == nil {
					var err error
					if rc, err = dialRaw(addr); err != nil {
						fail(post, "dial: "+err.Error())
						continue
					}
				}
				err := rc.Write(req)
				var r *rawResponse
				if err == nil {
					r, err = rc.ReadResponse(false)
				}
				atomic.AddInt64(&res.done, 1)
				switch {
				case err != nil:
					fail(post, fmt.Sprintf("%s %s: %v", map[bool]string{true: "POST", false: "GET"}[post], vhost, err))
					rc.Close()
					rc = nil
					continue
				case post && r.Status == 502:
					atomic.AddInt64(&res.post502, 1)
					fail(true, "POST "+vhost+": 502")
				case post && r.Status != l.postStatus:
					fail(true, fmt.Sprintf("POST %s: status %d, Apache says %d", vhost, r.Status, l.postStatus))
				case !post && (r.Status != 200 || !l.pageFor(vhost, r.Body)):
					fail(false, fmt.Sprintf("GET %s: status %d, %d-byte body starting %q", vhost, r.Status, len(r.Body), firstBytes(r.Body, 8)))
				}
				if strings.EqualFold(r.Get("Connection"), "close") {
					rc.Close()
					rc = nil
				}
			}
		}()
	}
	wg.Wait()
	return res
}

// pageFor checks a GET's body for vhost.
func (l itkLoad) pageFor(vhost string, body []byte) bool {
	if l.pageOK != nil {
		return l.pageOK(vhost, body)
	}
	return string(body) == itkPage(vhost)
}

// itkPage is the index page testenv gives each vhost.
func itkPage(vhost string) string {
	return strings.Repeat(vhost[:1], testenv.ITKBodySize-1) + "\n"
}

func firstBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// itkSnapshot is Apache's counters at one moment.
type itkSnapshot struct {
	newConns map[string]int
	closes   int
	lines    int
}

func snapshotApache(a *testenv.Apache) itkSnapshot {
	return itkSnapshot{newConns: a.NewConnections(), closes: a.ITKCloses(), lines: len(a.AccessLog())}
}

// since returns new connections per vhost, mpm-itk closes and access log
// lines between two snapshots.
func (s itkSnapshot) since(before itkSnapshot) (map[string]int, int, int) {
	out := map[string]int{}
	for _, v := range testenv.ITKVhosts {
		out[v] = s.newConns[v] - before.newConns[v]
	}
	return out, s.closes - before.closes, s.lines - before.lines
}

// TestITKThroughSlicedPool is the project's reason to exist, against real
// Apache with mpm-itk: through `keepalive 32 slice_key=$host slice_conn=4`
// thousands of GETs and POSTs rotating over three vhosts get zero errors
// and Apache sees only a handful of connections per vhost; through plain
// `keepalive 32` (sliceproxy and nginx) connections are wasted, and nginx
// turns POSTs into 502s. The counts are printed for the record.
func TestITKThroughSlicedPool(t *testing.T) {
	apache := testenv.StartApacheITK(t, testenv.ApacheITKOptions{})
	needBinary(t)
	load := itkLoad{requests: 3000, clients: 8, deadline: 90 * time.Second}
	if testing.Short() {
		load.requests = 300
	}
	// What Apache itself answers a 64-byte POST to a static index.
	direct, err := dialRaw(apache.Addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = direct.Write("POST / HTTP/1.1\r\nHost: a.test\r\nContent-Length: 64\r\nConnection: close\r\n\r\n" + strings.Repeat("p", 64))
	r, err := direct.ReadResponse(false)
	direct.Close()
	if err != nil {
		t.Fatalf("direct POST to Apache: %v", err)
	}
	load.postStatus = r.Status
	perVhost := load.requests / len(testenv.ITKVhosts)
	bound := 4 * (perVhost/101 + load.clients)

	runs := []struct {
		name      string
		keepalive string
		nginx     bool
	}{
		{name: "sliceproxy sliced", keepalive: "keepalive 32 slice_key=$host slice_conn=4;"},
		{name: "sliceproxy plain", keepalive: "keepalive 32;"},
		{name: "nginx plain", keepalive: "keepalive 32;", nginx: true},
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			var addr string
			var stop func()
			if run.nginx {
				testenv.LookBinary(t, "nginx", "nginx")
				n := testenv.StartNginx(t, itkConfig(apache, run.keepalive))
				addr, stop = n.Addr, n.Stop
			} else {
				p := startSliceproxyConfig(t, itkConfig(apache, run.keepalive))
				addr, stop = p.Addr, func() { p.Stop(syscall.SIGTERM, 10*time.Second) }
			}
			before := snapshotApache(apache)
			start := time.Now()
			res := load.run(addr)
			elapsed := time.Since(start)
			stop()
			// Apache logs a request when it ends; give the last ones a moment.
			time.Sleep(300 * time.Millisecond)
			conns, closes, lines := snapshotApache(apache).since(before)
			t.Logf("%s: %d requests (%d clients) in %v: GET errors %d, POST errors %d (502: %d = %.1f%% of POSTs); Apache: %d requests logged, new connections per vhost %v, mpm-itk closes %d",
				run.name, res.done, load.clients, elapsed.Round(time.Millisecond), res.getErrors, res.postErrors, res.post502, 100*float64(res.post502)/float64(max(1, res.done/2)), lines, conns, closes)
			for _, e := range res.firstErrors {
				t.Logf("  e.g. %s", e)
			}
			if res.done != int64(load.requests) {
				t.Errorf("only %d of %d requests done within %v", res.done, load.requests, load.deadline)
			}
			switch run.name {
			case "sliceproxy sliced":
				if res.getErrors+res.postErrors != 0 {
					t.Errorf("sliced pool: %d GET and %d POST errors, want none", res.getErrors, res.postErrors)
				}
				if closes != 0 {
					t.Errorf("sliced pool: mpm-itk closed %d connections that carried another vhost's request", closes)
				}
				for v, n := range conns {
					if n > bound {
						t.Errorf("sliced pool: %d new connections for %s, want ≤ %d", n, v, bound)
					}
				}
			case "sliceproxy plain":
				if res.getErrors != 0 {
					t.Errorf("plain pool: %d GET errors; a GET on a reused connection that mpm-itk drops must be retried", res.getErrors)
				}
			}
		})
	}
}

// TestITKApacheLimits: Apache closes kept connections itself — after
// MaxKeepAliveRequests 5 (the last response says "Connection: close") and
// after KeepAliveTimeout 1 s of idleness — and the sliced pool must honour
// both without a single error, across idle pauses longer than the timeout.
func TestITKApacheLimits(t *testing.T) {
	apache := testenv.StartApacheITK(t, testenv.ApacheITKOptions{KeepAliveTimeout: 1, MaxKeepAliveRequests: 5})
	p := startSliceproxyConfig(t, itkConfig(apache, "keepalive 32 slice_key=$host slice_conn=4;"))
	load := itkLoad{requests: 300, clients: 4, deadline: 60 * time.Second, postStatus: 200}
	if testing.Short() {
		load.requests = 90
	}
	// What Apache answers a POST, as in TestITKThroughSlicedPool.
	if st, err := fetch(apache.Addr, "POST", "a.test", "/", strings.Repeat("p", 64)); err == nil {
		load.postStatus = st
	}
	before := snapshotApache(apache)
	var total itkResult
	for burst := 0; burst < 3; burst++ {
		if burst > 0 {
			time.Sleep(1500 * time.Millisecond) // every idle connection times out in Apache
		}
		res := load.run(p.Addr)
		total.done += res.done
		total.getErrors += res.getErrors
		total.postErrors += res.postErrors
		total.firstErrors = append(total.firstErrors, res.firstErrors...)
	}
	time.Sleep(300 * time.Millisecond)
	conns, closes, lines := snapshotApache(apache).since(before)
	t.Logf("%d requests in 3 bursts: GET errors %d, POST errors %d; Apache: %d requests, new connections per vhost %v, mpm-itk closes %d",
		total.done, total.getErrors, total.postErrors, lines, conns, closes)
	for _, e := range total.firstErrors {
		t.Logf("  e.g. %s", e)
	}
	if total.getErrors+total.postErrors != 0 {
		t.Errorf("%d GET and %d POST errors, want none", total.getErrors, total.postErrors)
	}
	if closes != 0 {
		t.Errorf("mpm-itk closed %d connections that carried another vhost's request", closes)
	}
	// Apache serves MaxKeepAliveRequests requests after the first one on a
	// connection (the %k count runs 0..5), so 6 per connection at most.
	perVhost := 3 * load.requests / len(testenv.ITKVhosts)
	for v, n := range conns {
		if n < perVhost/6 {
			t.Errorf("%s: %d new connections for %d requests; MaxKeepAliveRequests 5 allows no fewer than %d", v, n, perVhost, perVhost/6)
		}
	}
}

// TestITKDemoThroughSlicedPool is TestITKThroughSlicedPool against the
// in-process mpm-itk look-alike (internal/itkdemo), so the property is
// checked where Apache or root is missing: sliced pool → zero errors and no
// refused request; plain pool → zero GET errors (retried), refusals counted.
func TestITKDemoThroughSlicedPool(t *testing.T) {
	needBinary(t)
	load := itkLoad{requests: 1500, clients: 8, deadline: 60 * time.Second, postStatus: 200,
		pageOK: func(vhost string, body []byte) bool {
			return strings.HasPrefix(string(body), "hello from "+vhost+":")
		}}
	if testing.Short() {
		load.requests = 300
	}
	for _, run := range []struct{ name, keepalive string }{
		{"sliced", "keepalive 32 slice_key=$host slice_conn=4;"},
		{"plain", "keepalive 32;"},
	} {
		t.Run(run.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			demo := itkdemo.New(itkdemo.Options{Vhosts: testenv.ITKVhosts})
			served := make(chan struct{})
			go func() { defer close(served); _ = demo.Serve(ln) }()
			t.Cleanup(func() { _ = demo.Close(); <-served })
			p := startSliceproxyConfig(t, itkConfigAddr(ln.Addr().String(), run.keepalive))
			res := load.run(p.Addr)
			st := demo.Stats()
			t.Logf("%s: %d requests: GET errors %d, POST errors %d (502: %d); backend: %d connections %v, %d refused (other vhost)",
				run.name, res.done, res.getErrors, res.postErrors, res.post502, st.Connections, st.NewConnsPer, st.Refused)
			for _, e := range res.firstErrors {
				t.Logf("  e.g. %s", e)
			}
			if res.getErrors != 0 {
				t.Errorf("%d GET errors, want none", res.getErrors)
			}
			if run.name == "sliced" {
				if res.postErrors != 0 || st.Refused != 0 {
					t.Errorf("sliced pool: %d POST errors and %d requests sent on another vhost's connection, want none", res.postErrors, st.Refused)
				}
				bound := int64(4 * (load.requests/len(testenv.ITKVhosts)/101 + load.clients))
				for v, n := range st.NewConnsPer {
					if n > bound {
						t.Errorf("sliced pool: %d connections for %s, want ≤ %d", n, v, bound)
					}
				}
			}
		})
	}
}
