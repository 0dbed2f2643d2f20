package proxy

import (
	"bufio"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// BenchmarkS2IdleMemorySplit is BenchmarkIdleClientMemory with the heap and
// the goroutine stacks reported apart (the proxy and the test's own client
// ends share the process). Set S2_HEAPPROFILE=file to write a heap profile
// while the connections are idle. Run it with -benchtime=1x.
func BenchmarkS2IdleMemorySplit(b *testing.B) {
	const n = 200 // below the harness's worker_connections 256
	be := startCannedBackend(b, "ok")
	tp := startProxy(b, `
access_log off;
upstream be { server `+be.ln.Addr().String()+`; keepalive 8; }
server { listen 127.0.0.1:0; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }`, nil)
	measure := func() (heap, stack uint64) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse, ms.StackInuse
	}
	for i := 0; i < b.N; i++ {
		heap0, stack0 := measure()
		g0 := runtime.NumGoroutine()
		conns := make([]net.Conn, 0, n)
		for j := 0; j < n; j++ {
			c, err := net.Dial("tcp", tp.addr)
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
		time.Sleep(5 * parkGrace) // idle connections are parked after parkGrace
		heap1, stack1 := measure()
		if path := os.Getenv("S2_HEAPPROFILE"); path != "" {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
		b.ReportMetric(float64(int64(heap1)-int64(heap0))/n, "heap-B/idle-conn")
		b.ReportMetric(float64(int64(stack1)-int64(stack0))/n, "stack-B/idle-conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/idle-conn")
		for _, c := range conns {
			c.Close()
		}
	}
}
