package proxy

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/proxy")

// TestServeGolden runs the differential configuration in process (no nginx
// needed) and compares every answer with testdata/proxy/serve.golden, which
// TestDifferentialNginx keeps honest: the same table must match real nginx.
func TestServeGolden(t *testing.T) {
	be := startFakeBackend(t, diffBackend)
	body := strings.ReplaceAll(strings.ReplaceAll(diffHTTP, "{{BE}}", be.Addr()), "{{LISTEN}}", "127.0.0.1:0")
	body = strings.ReplaceAll(body, "{{LOGDIR}}", t.TempDir())
	tp := startProxy(t, body, diffFiles)
	var out strings.Builder
	for _, rq := range diffRequests {
		r := diffDo(t, tp.addr, rq.host, rq.method, rq.uri)
		fmt.Fprintf(&out, "%s %s%s => %d", rq.method, rq.host, rq.uri, r.status)
		for _, h := range []string{"Content-Type", "Location", "X-Added", "X-Backend", "Transfer-Encoding", "X-If"} {
			if v := r.header.Get(h); v != "" {
				fmt.Fprintf(&out, " | %s: %s", h, normalizePort(v))
			}
		}
		fmt.Fprintf(&out, "\n    %q\n", r.body)
	}
	got := strings.ReplaceAll(out.String(), tp.dir, "{{DIR}}")
	path := filepath.Join("..", "testdata", "proxy", "serve.golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("answers differ from %s (run with -update after checking):\n%s", path, diffLines(string(want), got))
	}
}

// diffLines shows the lines of b that differ from a.
func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out strings.Builder
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			fmt.Fprintf(&out, "-%s\n+%s\n", x, y)
		}
	}
	return out.String()
}
