package proxy

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

// BenchmarkS2IdleMemorySplit is BenchmarkIdleClientMemory with the heap and
// the goroutine stacks reported apart (the proxy and the test's own client
// ends share the process). Set S2_HEAPPROFILE=file to write a heap profile
// while the connections are idle. Run it with -benchtime=1x.
func BenchmarkS2IdleMemorySplit(b *testing.B) {
	tp := startIdleBenchProxy(b)
	for i := 0; i < b.N; i++ {
		m0 := idleBenchMem()
		g0 := runtime.NumGoroutine()
		conns := openIdleClients(b, tp.addr)
		m1 := idleBenchMem()
		if path := os.Getenv("S2_HEAPPROFILE"); path != "" {
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			_ = pprof.Lookup("heap").WriteTo(f, 0)
			f.Close()
		}
		b.ReportMetric(float64(int64(m1.heap)-int64(m0.heap))/idleBenchConns, "heap-B/idle-conn")
		b.ReportMetric(float64(int64(m1.stack)-int64(m0.stack))/idleBenchConns, "stack-B/idle-conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/idleBenchConns, "goroutines/idle-conn")
		closeAll(conns)
	}
}
