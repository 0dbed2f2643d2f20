package e2e

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// startRawUpstream answers every connection with the same raw bytes once
// it has read a request head, then closes. Its answers are shared by both
// sides of a differential suite (it keeps no state).
func startRawUpstream(t *testing.T, response string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(ioTimeout))
				br := bufio.NewReader(c)
				for {
					l, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if strings.TrimRight(l, "\r\n") == "" {
						break
					}
				}
				_, _ = c.Write([]byte(response))
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestDiffUpstreamErrors: what the client sees when the upstream is down,
// slow, silent, truncated or sends broken responses; proxy_next_upstream to
// the next server.
func TestDiffUpstreamErrors(t *testing.T) {
	dead := testenv.RefusingAddr(t)
	raw := map[string]string{
		"garbage":    startRawUpstream(t, "HELLO THERE\r\n\r\nbody"),
		"empty":      startRawUpstream(t, ""),
		"truncated":  startRawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nContent-Type: text/plain\r\n\r\nshort"),
		"clte":       startRawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
		"twocl":      startRawUpstream(t, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc"),
		"bigheader":  startRawUpstream(t, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("h", 9000)+"\r\nContent-Length: 2\r\n\r\nok"),
		"reason":     startRawUpstream(t, "HTTP/1.1 299 Custom Reason Here\r\nContent-Length: 2\r\n\r\nok"),
		"noreason":   startRawUpstream(t, "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"),
		"http10":     startRawUpstream(t, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close"),
		"continue":   startRawUpstream(t, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"),
		"badchunk":   startRawUpstream(t, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n"),
		"lfonly":     startRawUpstream(t, "HTTP/1.1 200 OK\nContent-Length: 2\nX-Lf: 1\n\nok"),
		"dupheaders": startRawUpstream(t, "HTTP/1.1 200 OK\r\nX-Secret: one\r\nX-Secret: two\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 2\r\n\r\nok"),
	}
	var locs strings.Builder
	for name, addr := range raw {
		fmt.Fprintf(&locs, "    location /%s/ { proxy_pass http://%s; }\n", name, addr)
	}
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
upstream twoservers { server ` + dead + `; server {{BACKEND}}; }
upstream alldead { server ` + dead + `; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name up.example;
    proxy_read_timeout 1s;
    proxy_connect_timeout 1s;
    location /down/ { proxy_pass http://` + dead + `; }
    location /alldead/ { proxy_pass http://alldead; }
    location /next/ { proxy_pass http://twoservers; }
    location /slow/ { proxy_pass http://{{BACKEND}}; }
    location /nonext/ { proxy_next_upstream off; proxy_pass http://twoservers; }
` + locs.String() + `}
`,
		cases: []diffCase{
			{name: "connection refused 502", req: get("up.example", "/down/")},
			{name: "all servers dead 502", req: get("up.example", "/alldead/")},
			{name: "next upstream after refused", req: get("up.example", "/next/a")},
			{name: "next upstream again", req: get("up.example", "/next/b")},
			{name: "read timeout 504", req: get("up.example", "/slow/?delay=2500")},
			{name: "upstream closes without response 502", req: get("up.example", "/empty/")},
			{name: "truncated body", req: get("up.example", "/truncated/"), broken: true},
			{name: "too big header 502", req: get("up.example", "/bigheader/")},
			{name: "custom reason phrase passes", req: get("up.example", "/reason/")},
			{name: "status line without reason", req: get("up.example", "/noreason/")},
			{name: "http10 response until close", req: get("up.example", "/http10/")},
			{name: "bad upstream chunk", req: get("up.example", "/badchunk/"), broken: true},
			{name: "bare LF response", req: get("up.example", "/lfonly/"), headers: []string{"X-Lf"}},
			{name: "repeated response headers", req: get("up.example", "/dupheaders/")},
			{name: "garbage status line", req: get("up.example", "/garbage/"),
				deviation: "an upstream answer that is not HTTP/1.x is 502; nginx relays it as an HTTP/0.9 body", wantStatus: 502},
			{name: "ambiguous upstream framing CL+TE", req: get("up.example", "/clte/"),
				deviation: "ambiguous upstream framing is 502 as in nginx 1.23+; nginx 1.22 relays it", wantStatus: 502},
			{name: "ambiguous upstream framing two CL", req: get("up.example", "/twocl/"),
				deviation: "ambiguous upstream framing is 502 as in nginx 1.23+; nginx 1.22 relays it", wantStatus: 502},
			{name: "interim 100 then final", req: get("up.example", "/continue/"),
				deviation: "interim 1xx from an upstream are skipped; nginx 1.22 relays the 100 as the final answer", wantStatus: 200},
		},
	})
}

// TestDiffUpstreamPolicies: proxy_next_upstream conditions and tries over
// a group whose first server answers 503 or is down, error_page for an
// unreachable upstream (the common "50x.html" setup), intercepted errors
// with add_header always, proxy_method, underscores_in_headers and
// ignore_invalid_headers. Requests run in the same order against both, so
// the balancers' choices line up.
func TestDiffUpstreamPolicies(t *testing.T) {
	unavailable := startRawUpstream(t, "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\nbusy")
	dead := testenv.RefusingAddr(t)
	runDiffSuite(t, diffSuite{
		files: map[string]string{"html/50x.html": "<h1>sorry</h1>\n"},
		http: `server_tokens off;
upstream busyfirst { server ` + unavailable + `; server {{BACKEND}}; }
upstream busyonly { server ` + unavailable + `; }
upstream deadonly { server ` + dead + `; }
upstream tries { server ` + dead + `; server ` + dead + ` max_fails=0; server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name pol.example;
    root {{DIR}}/html;
    location /next503/ { proxy_next_upstream error timeout http_503; proxy_pass http://busyfirst; }
    location /pass503/ { proxy_pass http://busyfirst; }
    location /only503/ { proxy_next_upstream error http_503; proxy_pass http://busyonly; }
    location /tries1/ { proxy_next_upstream_tries 1; proxy_pass http://tries; }
    location /tries3/ { proxy_next_upstream_tries 3; proxy_pass http://tries; }
    location /down/ {
        add_header X-Always yes always;
        add_header X-Not-On-Errors no;
        proxy_pass http://deadonly;
    }
    location /down-page/ { error_page 502 503 504 /50x.html; proxy_pass http://deadonly; }
    location = /50x.html { }
    location /intercept/ {
        proxy_intercept_errors on;
        error_page 503 =200 /50x.html;
        proxy_pass http://busyonly;
    }
    location /method/ { proxy_method POST; proxy_pass http://{{BACKEND}}; }
}
server {
    listen 127.0.0.1:{{PORT}};
    server_name hdrs.example;
    underscores_in_headers on;
    ignore_invalid_headers off;
    location / { proxy_pass http://{{BACKEND}}; }
}
`,
		cases: []diffCase{
			{name: "next on 503 first", req: get("pol.example", "/next503/1")},
			{name: "next on 503 second", req: get("pol.example", "/next503/2")},
			{name: "next on 503 third", req: get("pol.example", "/next503/3")},
			{name: "503 passes without http_503 a", req: get("pol.example", "/pass503/a")},
			{name: "503 passes without http_503 b", req: get("pol.example", "/pass503/b")},
			{name: "only server 503", req: get("pol.example", "/only503/")},
			{name: "tries 1 stops at the dead server", req: get("pol.example", "/tries1/")},
			{name: "tries 3 reaches the backend", req: get("pol.example", "/tries3/")},
			{name: "dead upstream 502 with add_header always", req: get("pol.example", "/down/"), headers: []string{"X-Always", "X-Not-On-Errors"}},
			{name: "dead upstream error_page", req: get("pol.example", "/down-page/")},
			{name: "intercepted 503 to page with 200", req: get("pol.example", "/intercept/")},
			{name: "proxy_method", req: get("pol.example", "/method/")},
			{name: "underscores and invalid headers kept", req: "GET /h HTTP/1.1\r\nHost: hdrs.example\r\nX_Under: 1\r\nX.Dot: 2\r\n\r\n"},
		},
	})
}
