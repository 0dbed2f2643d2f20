package proxy

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// itkProxyConfig is the mpm-itk front end with a given keepalive line.
func itkProxyConfig(backend, keepalive string) string {
	return `
upstream itk {
    server ` + backend + `;
    ` + keepalive + `
}
server {
    listen 127.0.0.1:0;
    location / {
        proxy_pass http://itk;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
    }
}`
}

// TestPoolSlicesByHost: with slice_key=$host, connections are reused per
// vhost and never across vhosts — an mpm-itk backend never rejects one.
func TestPoolSlicesByHost(t *testing.T) {
	be := startFakeBackend(t, nil)
	be.itk = true
	tp := startProxy(t, itkProxyConfig(be.Addr(), "keepalive 32 slice_key=$host slice_conn=4;"), nil)
	c := tp.dial()
	hosts := []string{"a.test", "b.test", "c.test"}
	for i := 0; i < 60; i++ {
		h := hosts[i%3]
		method := "GET"
		body := ""
		if i%2 == 1 {
			method, body = "POST", "payload"
		}
		c.send(fmt.Sprintf("%s /%d HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s", method, i, h, len(body), body))
		r := c.read(method)
		if r.Status != 200 {
			t.Fatalf("request %d (%s %s): status %d\n%s", i, method, h, r.Status, tp.errorLog())
		}
	}
	reqs := be.Requests()
	hostOfConn := map[int]string{}
	for _, r := range reqs {
		if strings.HasPrefix(r.Method, "REJECTED") {
			t.Errorf("backend rejected a request on conn %d: %s %s", r.Conn, r.Method, r.URI)
		}
		h, _ := r.get("Host")
		if prev, ok := hostOfConn[r.Conn]; ok && prev != h {
			t.Errorf("connection %d carried %s and %s", r.Conn, prev, h)
		}
		hostOfConn[r.Conn] = h
	}
	if n := be.Conns(); n != 3 {
		t.Errorf("backend saw %d connections, want 3 (one per vhost)", n)
	}
	if st := tp.srv.Runtime().upstreams.Get("itk").Pool.Stats(); st.Reused < 50 {
		t.Errorf("pool reused %d connections, want >= 50: %+v", st.Reused, st.Counters)
	}
}

// TestPoolSharedRetriesOnReusedConn: with one shared pool in front of
// mpm-itk, a GET that lands on another vhost's connection is retried on a
// new connection without using up a try (no error for the client); a POST
// whose body was sent is never replayed and becomes a 502.
func TestPoolSharedRetriesOnReusedConn(t *testing.T) {
	be := startFakeBackend(t, nil)
	be.itk = true
	tp := startProxy(t, itkProxyConfig(be.Addr(), "keepalive 32;"), nil)
	c := tp.dial()
	hosts := []string{"a.test", "b.test", "c.test"}
	for i := 0; i < 30; i++ {
		c.send(fmt.Sprintf("GET /%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, hosts[i%3]))
		if r := c.read("GET"); r.Status != 200 {
			t.Fatalf("GET %d: status %d\n%s", i, r.Status, tp.errorLog())
		}
	}
	rejected := 0
	for _, r := range be.Requests() {
		if strings.HasPrefix(r.Method, "REJECTED") {
			rejected++
		}
	}
	if rejected == 0 {
		t.Errorf("the shared pool never put a request on another vhost's connection; the test proves nothing")
	}
	t.Logf("30 GETs: %d backend connections, %d rejected attempts retried", be.Conns(), rejected)

	// POST after a GET of another vhost: the kept connection belongs to
	// a.test; the POST for b.test is sent on it, dropped, and not replayed.
	c.send("GET /x HTTP/1.1\r\nHost: a.test\r\n\r\n")
	if r := c.read("GET"); r.Status != 200 {
		t.Fatalf("GET: %d", r.Status)
	}
	before := len(be.Requests())
	c.send("POST /p HTTP/1.1\r\nHost: b.test\r\nContent-Length: 4\r\n\r\nbody")
	r := c.read("POST")
	if r.Status != 502 {
		t.Fatalf("POST on a reused connection of another vhost: status %d, want 502", r.Status)
	}
	after := be.Requests()[before:]
	if len(after) != 1 || !strings.HasPrefix(after[0].Method, "REJECTED") {
		var got []string
		for _, r := range after {
			got = append(got, r.Method+" "+r.URI)
		}
		t.Errorf("backend saw %v, want exactly one rejected POST (no replay)", got)
	}
	if !strings.Contains(tp.errorLog(), "upstream prematurely closed connection while reading response header from upstream") {
		t.Errorf("error log lacks nginx's message:\n%s", tp.errorLog())
	}
}

// TestRetryNonIdempotent: with proxy_next_upstream non_idempotent, a POST
// on a dropped kept-alive connection is replayed.
func TestRetryNonIdempotent(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Body: "got:" + string(r.Body)}
	})
	be.itk = true
	cfg := strings.Replace(itkProxyConfig(be.Addr(), "keepalive 32;"),
		"proxy_http_version 1.1;", "proxy_http_version 1.1; proxy_next_upstream error timeout non_idempotent;", 1)
	tp := startProxy(t, cfg, nil)
	c := tp.dial()
	c.send("GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
	c.read("GET")
	c.send("POST /p HTTP/1.1\r\nHost: b.test\r\nContent-Length: 4\r\n\r\nbody")
	if r := c.read("POST"); r.Status != 200 || r.Body != "got:body" {
		t.Fatalf("POST with non_idempotent: %d %q\n%s", r.Status, r.Body, tp.errorLog())
	}
}

// TestUpstreamVariablesInAccessLog: $upstream_* describe every attempt,
// including a retry on a new connection after a dropped kept-alive one.
func TestUpstreamVariablesInAccessLog(t *testing.T) {
	be := startFakeBackend(t, nil)
	be.itk = true
	cfg := `
log_format up '$status "$upstream_status" $upstream_keepalive_reused "$upstream_keepalive_slice" $host';
` + strings.Replace(itkProxyConfig(be.Addr(), "keepalive 8 slice_key=$host slice_conn=2;"),
		"location / {", "access_log {{DIR}}/up.log up;\n    location / {", 1)
	tp := startProxy(t, cfg, nil)
	c := tp.dial()
	for _, h := range []string{"a.test", "a.test", "b.test"} {
		c.send("GET / HTTP/1.1\r\nHost: " + h + "\r\n\r\n")
		c.read("GET")
	}
	tp.Close()
	lines := strings.Split(strings.TrimSpace(readFile(t, tp.dir+"/up.log")), "\n")
	want := []string{
		`200 "200" 0 "a.test" a.test`,
		`200 "200" 1 "a.test" a.test`,
		`200 "200" 0 "b.test" b.test`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("access log:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestPoolSlicesUnderConcurrency: many clients, random vhosts, a pool
// smaller than the slices need (evictions) — never one vhost's request on
// another's connection, never an error.
func TestPoolSlicesUnderConcurrency(t *testing.T) {
	be := startFakeBackend(t, nil)
	be.itk = true
	tp := startProxy(t, itkProxyConfig(be.Addr(), "keepalive 6 slice_key=$host slice_conn=2 slice_poolsize=4;"), nil)
	hosts := []string{"a.test", "b.test", "c.test", "d.test", "e.test"}
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			c, err := net.Dial("tcp", tp.addr)
			if err != nil {
				errs <- err.Error()
				return
			}
			defer c.Close()
			br := bufio.NewReader(c)
			for i := 0; i < 150; i++ {
				h := hosts[rng.IntN(len(hosts))]
				if _, err := fmt.Fprintf(c, "GET /%d HTTP/1.1\r\nHost: %s\r\n\r\n", i, h); err != nil {
					errs <- err.Error()
					return
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					errs <- err.Error()
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				if resp.StatusCode != 200 {
					errs <- fmt.Sprintf("%s: status %d", h, resp.StatusCode)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	for _, r := range be.Requests() {
		if strings.HasPrefix(r.Method, "REJECTED") {
			t.Fatalf("a request went to another vhost's connection (conn %d, %s)", r.Conn, hostOf(r))
		}
	}
	st := tp.srv.Runtime().upstreams.Get("itk").Pool.Stats()
	t.Logf("900 requests over 5 vhosts: %d backend connections, reused %d, evicted %d, refused %v", be.Conns(), st.Reused, st.Evicted, st.Refused)
}
