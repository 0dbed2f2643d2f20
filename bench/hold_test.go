package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

var hold = flag.Duration("hold", 0, "BenchmarkHoldITK: keep the mpm-itk case's backend and proxies running this long")

// BenchmarkHoldITK starts the mpm-itk case (Apache + mpm-itk with three
// vhosts, sliceproxy with slice_key=$host, nginx with one upstream per vhost)
// and keeps it running for -hold, for profiling by hand: the proxies' names,
// addresses and pids go to $TMPDIR/itkcase.hold, one per line
// ("apache ADDR PID..." first). Drive it with wrk -s on the hosts.lua that
// is written next to it. It skips without -hold; every process it starts, it
// stops, also when SIGINT or SIGTERM ends the hold early.
func BenchmarkHoldITK(b *testing.B) {
	if *hold <= 0 {
		b.Skip("runs with -hold DURATION (profiling by hand)")
	}
	bin := sliceproxyBinary(b)
	apache := testenv.StartApacheITK(b, testenv.ApacheITKOptions{})
	defer apache.Stop()
	var lines []string
	lines = append(lines, fmt.Sprintf("apache %s %s", apache.Addr, joinInts(apache.Pids())))
	for _, s := range itkSetups() {
		if s.Kind == "direct" || !strings.Contains(s.Name, "slice_key") && !strings.Contains(s.Name, "per-vhost") {
			continue
		}
		p := startProxy(b, bin, s, apache.Addr, "", 1024)
		defer p.stop()
		lines = append(lines, fmt.Sprintf("%s %s %d", strings.Fields(s.Name)[0], p.addr, p.pid))
	}
	dir := os.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hosts.lua"), []byte(wrkScript), 0o644); err != nil {
		b.Fatal(err)
	}
	holdFile := filepath.Join(dir, "itkcase.hold")
	if err := os.WriteFile(holdFile, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		b.Fatal(err)
	}
	b.Logf("holding for %v (or until SIGINT/SIGTERM); see %s", *hold, holdFile)
	// A signal ends the hold early and still runs the deferred stops.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(*hold):
	}
	b.ReportMetric(0, "ns/op")
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " ")
}
