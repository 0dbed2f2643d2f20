package proxy

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
)

// cannedBackend answers every request head with one fixed response, as
// fast as it can: the benchmark then measures the proxy.
type cannedBackend struct {
	ln   net.Listener
	resp []byte
	wg   sync.WaitGroup
	mu   sync.Mutex
	open map[net.Conn]bool
}

func startCannedBackend(tb testing.TB, body string) *cannedBackend {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	b := &cannedBackend{ln: ln, open: map[net.Conn]bool{},
		resp: []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.mu.Lock()
			b.open[c] = true
			b.mu.Unlock()
			b.wg.Add(1)
			go func() {
				defer b.wg.Done()
				defer c.Close()
				buf := make([]byte, 8192)
				have := 0
				for {
					n, err := c.Read(buf[have:])
					if err != nil {
						return
					}
					have += n
					for {
						i := bytes.Index(buf[:have], []byte("\r\n\r\n"))
						if i < 0 {
							break
						}
						if _, err := c.Write(b.resp); err != nil {
							return
						}
						copy(buf, buf[i+4:have])
						have -= i + 4
					}
				}
			}()
		}
	}()
	tb.Cleanup(func() {
		ln.Close()
		b.mu.Lock()
		for c := range b.open {
			c.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return b
}

// BenchmarkProxiedRequest is one keep-alive client request through the
// proxy to a keep-alive upstream (the raw proxy case of make bench, in
// process), with a shared pool and with a sliced one (slice_key=$host, as in
// the mpm-itk case). Allocations per request are the number to watch.
func BenchmarkProxiedRequest(b *testing.B) {
	for _, bc := range []struct{ name, keepalive string }{
		{"keepalive", "keepalive 64;"},
		{"slice_key", "keepalive 64 slice_key=$host slice_conn=64;"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			be := startCannedBackend(b, string(bytes.Repeat([]byte("x"), 100)))
			tp := startProxy(b, `
access_log off;
keepalive_requests 100000000;
upstream be { server `+be.ln.Addr().String()+`; `+bc.keepalive+` }
server {
    listen 127.0.0.1:0;
    location / {
        proxy_pass http://be;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
    }
}`, nil)
			c, err := net.Dial("tcp", tp.addr)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			req := []byte("GET /bench HTTP/1.1\r\nHost: bench.test\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Write(req); err != nil {
					b.Fatal(err)
				}
				if err := readBenchResponse(br); err != nil {
					b.Fatalf("%v\n%s", err, tp.errorLog())
				}
			}
		})
	}
}

// readBenchResponse reads one response with a Content-Length.
func readBenchResponse(br *bufio.Reader) error {
	n := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(line) <= 2 {
			break
		}
		if bytes.HasPrefix(line, []byte("Content-Length: ")) {
			n, _ = strconv.Atoi(string(bytes.TrimSpace(line[len("Content-Length: "):])))
		}
	}
	if n < 0 {
		return io.ErrUnexpectedEOF
	}
	_, err := br.Discard(n)
	return err
}

// BenchmarkUpstreamHead builds the upstream request head of a typical
// browser request: proxy_set_header templates plus ten client headers.
func BenchmarkUpstreamHead(b *testing.B) {
	cfg, diags := nginxconf.ParseBytes("b.conf", []byte(`http {
upstream be { server 127.0.0.1:1; keepalive 8; }
server { listen 127.0.0.1:0; location / {
    proxy_pass http://be;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
} } }`), nginxconf.Options{})
	failOnErrors(b, diags, "")
	rt, diags := Load(cfg, LoadOptions{NoOpenLogs: true})
	failOnErrors(b, diags, "")
	defer rt.Close()
	raw := "GET /path/to/page?x=1 HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: Mozilla/5.0\r\n" +
		"Accept: text/html\r\nAccept-Language: en\r\nAccept-Encoding: gzip\r\nCookie: a=b; c=d\r\n" +
		"Referer: http://www.example.test/\r\nCache-Control: no-cache\r\nConnection: keep-alive\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n"
	rd := http1.NewReader(strings.NewReader(raw), http1.Options{})
	c := &clientConn{srv: &Server{}}
	if err := rd.ReadRequest(&c.req); err != nil {
		b.Fatal(err)
	}
	st := c.state()
	st.begin(c, rt)
	st.srv = rt.servers[0]
	m := st.srv.locations.Find([]byte("/path/to/page"), st.vr)
	st.loc = m.Location.Payload
	st.conf = st.loc.conf
	pp := st.conf.proxy
	t, err := pp.resolve(st)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.vr.SetClient(&c.req); err != nil {
		b.Fatal(err)
	}
	remote := netip.MustParseAddrPort("192.0.2.1:5555")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st.vr.Reset()
		st.vr.Client = &c.req
		st.vr.RemoteAddr = remote
		st.buildUpstreamHead(pp, &t, upstreamBody{length: -1})
	}
	b.SetBytes(int64(len(st.upHead)))
	if testing.Verbose() {
		b.Logf("%s", st.upHead)
	}
}

// BenchmarkIdleClientMemory reports the heap and stack an idle keep-alive
// client connection costs after one proxied request. Run it with
// -benchtime=1x: later iterations reuse the goroutine stacks the first one
// freed and understate the cost.
func BenchmarkIdleClientMemory(b *testing.B) {
	tp := startIdleBenchProxy(b)
	for i := 0; i < b.N; i++ {
		before := idleBenchMem()
		conns := openIdleClients(b, tp.addr)
		after := idleBenchMem()
		b.ReportMetric(float64(after.heap+after.stack-before.heap-before.stack)/idleBenchConns, "bytes/idle-conn")
		closeAll(conns)
	}
}

// idleBenchConns is how many idle clients the idle-memory benchmarks open:
// below the harness's worker_connections 256.
const idleBenchConns = 200

// startIdleBenchProxy starts the idle-memory benchmarks' proxy: a
// keep-alive upstream answering "ok".
func startIdleBenchProxy(b *testing.B) *testProxy {
	be := startCannedBackend(b, "ok")
	return startProxy(b, `
access_log off;
upstream be { server `+be.ln.Addr().String()+`; keepalive 8; }
server { listen 127.0.0.1:0; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }`, nil)
}

// openIdleClients opens idleBenchConns connections to addr, makes one
// request on each, and returns once they are idle and parked.
func openIdleClients(b *testing.B, addr string) []net.Conn {
	conns := make([]net.Conn, 0, idleBenchConns)
	for j := 0; j < idleBenchConns; j++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			b.Fatal(err)
		}
		if err := readBenchResponse(bufio.NewReader(c)); err != nil {
			b.Fatal(err)
		}
	}
	time.Sleep(5 * parkGrace) // idle connections are parked after parkGrace (s2_park.go)
	return conns
}

// memInUse is the heap and the goroutine stacks in use.
type memInUse struct{ heap, stack uint64 }

// idleBenchMem collects garbage and reports what is in use.
func idleBenchMem() memInUse {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memInUse{ms.HeapInuse, ms.StackInuse}
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}
