package perf

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// rawCaseLocation is make bench's raw-case proxy configuration.
const rawCaseLocation = `
    location / {
        proxy_pass http://backend;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
    }`

// proxiedCase is one shape of proxied request.
type proxiedCase struct {
	name string
	// req is the client's request, sent as is.
	req []byte
	// resp is the backend's canned response.
	resp []byte
	// conns is the number of concurrent keep-alive clients.
	conns int
}

// browserHeaders are a browser's request headers after Host: the per-header
// cost of the proxy shows as the difference to the two-header request.
var browserHeaders = "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
	"Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n" +
	"Referer: http://bench.test/index.html\r\nCookie: session=0123456789abcdef; theme=dark; lang=en\r\n" +
	"Cache-Control: no-cache\r\nPragma: no-cache\r\nUpgrade-Insecure-Requests: 1\r\n" +
	"Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\nSec-Fetch-Site: same-origin\r\n" +
	"DNT: 1\r\nX-Requested-With: XMLHttpRequest\r\nX-Forwarded-Proto: http\r\n" +
	"If-None-Match: \"abc\"\r\nIf-Modified-Since: Sat, 21 Nov 2026 05:00:00 GMT\r\nConnection: keep-alive\r\n"

// upstreamHeaders are twenty response headers a CMS sends.
func manyHeaderResponse(n int) []byte {
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 200 OK\r\nServer: Apache\r\nDate: Sat, 21 Nov 2026 06:00:00 GMT\r\nContent-Type: text/html; charset=utf-8\r\n")
	for i := 0; i < 17; i++ {
		fmt.Fprintf(&b, "X-Backend-Header-%02d: value-%02d-0123456789\r\n", i, i)
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", n, strings.Repeat("x", n))
	return b.Bytes()
}

func proxiedCases() []proxiedCase {
	get := []byte("GET /bench HTTP/1.1\r\nHost: bench.test\r\nAccept: */*\r\n\r\n")
	browser := []byte("GET /bench/page?x=1 HTTP/1.1\r\nHost: bench.test\r\n" + browserHeaders + "\r\n")
	post := []byte("POST /bench HTTP/1.1\r\nHost: bench.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 64\r\n\r\n" + strings.Repeat("a", 64))
	return []proxiedCase{
		{name: "get-100B-c1", req: get, resp: cannedResponse(100, false), conns: 1},
		{name: "get-100B-c32", req: get, resp: cannedResponse(100, false), conns: 32},
		{name: "get-100B-18reqhdr-c1", req: browser, resp: cannedResponse(100, false), conns: 1},
		{name: "get-100B-21resphdr-c1", req: get, resp: manyHeaderResponse(100), conns: 1},
		{name: "get-chunked-100B-c1", req: get, resp: cannedResponse(100, true), conns: 1},
		{name: "get-16KB-c1", req: get, resp: cannedResponse(16<<10, false), conns: 1},
		{name: "post-64B-c1", req: post, resp: cannedResponse(100, false), conns: 1},
	}
}

// BenchmarkProxied is one keep-alive client request through the proxy to a
// keep-alive upstream and back, the raw case of make bench in process.
// Allocations per request are the number to watch: the -18reqhdr and
// -21resphdr cases must allocate no more than get-100B (nothing per header).
func BenchmarkProxied(b *testing.B) {
	for _, pc := range proxiedCases() {
		b.Run(pc.name, func(b *testing.B) {
			be := startBackend(b, pc.resp)
			addr := startProxy(b, `access_log off;
upstream backend { server `+be.ln.Addr().String()+`; keepalive 64; }
server { listen 127.0.0.1:0; keepalive_requests 100000000;`+rawCaseLocation+`
}`)
			clients := make([]*client, pc.conns)
			for i := range clients {
				clients[i] = dialClient(b, addr, pc.req)
				if err := clients[i].do(); err != nil { // warm the pool
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(len(pc.resp)))
			b.ReportAllocs()
			b.ResetTimer()
			runClients(b, clients)
		})
	}
}

// runClients shares b.N requests among the clients, one goroutine each.
func runClients(b *testing.B, clients []*client) {
	if len(clients) == 1 {
		for i := 0; i < b.N; i++ {
			if err := clients[0].do(); err != nil {
				b.Fatal(err)
			}
		}
		return
	}
	var left atomic.Int64
	left.Store(int64(b.N))
	var wg sync.WaitGroup
	errs := make(chan error, len(clients))
	for _, cl := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				if err := cl.do(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
