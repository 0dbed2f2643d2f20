package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// comparisons name, per case, which sliceproxy setup is compared with which
// nginx setup: the raw proxy against nginx, the sliced pool against the best
// nginx can do in front of mpm-itk (one upstream per vhost).
var comparisons = map[string][2]string{
	"raw":      {"sliceproxy", "nginx"},
	"mpm-itk":  {"sliceproxy slice_key=$host", "nginx per-vhost map"},
	"idle-10k": {"sliceproxy", "nginx"},
}

// Ratio is sliceproxy's number divided by nginx's, for one cell.
type Ratio struct {
	Case   string  `json:"case"`
	Method string  `json:"method"`
	Conns  int     `json:"conns"`
	RPS    float64 `json:"rps_ratio"`
	P99    float64 `json:"p99_ratio"`
	// CPU is the ratio of CPU time per request (lower is better), -1 where
	// either side is not measured.
	CPU float64 `json:"cpu_per_req_ratio"`
	RSS float64 `json:"rss_ratio"`
}

func ratios(rows []Row) []Ratio {
	find := func(c, setup, method string, conns int) *Row {
		for i := range rows {
			r := &rows[i]
			if r.Case == c && r.Setup == setup && r.Method == method && (r.Conns == conns || c == "idle-10k") {
				return r
			}
		}
		return nil
	}
	var out []Ratio
	for _, r := range rows {
		cmp, ok := comparisons[r.Case]
		if !ok || r.Setup != cmp[0] {
			continue
		}
		n := find(r.Case, cmp[1], r.Method, r.Conns)
		if n == nil {
			continue
		}
		out = append(out, Ratio{Case: r.Case, Method: r.Method, Conns: r.Conns,
			RPS: div(r.Median.RPS, n.Median.RPS), P99: div(float64(r.Median.P99), float64(n.Median.P99)),
			CPU: measuredDiv(r.Median.CPUUsPerReq, n.Median.CPUUsPerReq),
			RSS: div(float64(r.Median.PeakRSSKB), float64(n.Median.PeakRSSKB))})
	}
	return out
}

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// measuredDiv divides two columns that use -1 for "not measured": the ratio
// is -1 too when either side is, rather than a meaningless number.
func measuredDiv(a, b float64) float64 {
	if a < 0 || b <= 0 {
		return -1
	}
	return a / b
}

// orDash formats a column that uses -1 for "not measured" as "–" then.
func orDash(format string, v float64) string {
	if v < 0 {
		return "–"
	}
	return fmt.Sprintf(format, v)
}

// markdown renders the table and the ratios.
func markdown(rows []Row, rs []Ratio) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| case | setup | method | conns | req/s | p50 | p99 | proxy CPU / req | proxy ctx switches / req | errors (non-2xx + socket) | upstream conns / 1000 req | peak RSS |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		m := r.Median
		rps, p50, p99 := fmt.Sprintf("%.0f", m.RPS), ms(m.P50), ms(m.P99)
		if r.Case == "idle-10k" {
			rps, p50, p99 = "–", "–", "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %s | %s | %d + %d | %s | %.1f MB |\n",
			r.Case, r.Setup, r.Method, r.Conns, rps, p50, p99, orDash("%.1f µs", m.CPUUsPerReq), orDash("%.2f", m.CtxswPerReq),
			m.Non2xx, m.SocketErrors, orDash("%.1f", m.UpstreamConnsPer1000), float64(m.PeakRSSKB)/1024)
	}
	fmt.Fprintf(&b, "\n| ratio sliceproxy / nginx | method | conns | req/s | p99 | CPU / req (lower is better) | RSS |\n|---|---|---|---|---|---|---|\n")
	for _, r := range rs {
		cmp := comparisons[r.Case]
		rps, p99, cpu := fmt.Sprintf("%.2f", r.RPS), fmt.Sprintf("%.2f", r.P99), orDash("%.2f", r.CPU)
		if r.Case == "idle-10k" {
			rps, p99, cpu = "–", "–", "–" // only memory is measured there
		}
		fmt.Fprintf(&b, "| %s: %s / %s | %s | %d | %s | %s | %s | %.2f |\n", r.Case, cmp[0], cmp[1], r.Method, r.Conns, rps, p99, cpu, r.RSS)
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// report prints the table and writes results.md and results.json.
func report(t interface {
	Logf(string, ...any)
	Fatal(...any)
}, rows []Row) {
	rs := ratios(rows)
	md := markdown(rows, rs)
	fmt.Println()
	fmt.Println(md)
	if err := os.MkdirAll(*resultsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	stamp := time.Now().UTC().Format(time.RFC3339)
	header := fmt.Sprintf("# sliceproxy vs nginx, %s\n\nwrk runs of %v, %d rounds alternating setups; medians of the rounds (errors summed).\n\n", stamp, *duration, *rounds)
	if err := os.WriteFile(filepath.Join(*resultsDir, "results.md"), []byte(header+md), 0o644); err != nil {
		t.Fatal(err)
	}
	js, _ := json.MarshalIndent(map[string]any{"time": stamp, "duration": duration.String(), "rounds": *rounds, "rows": rows, "ratios": rs}, "", "  ")
	if err := os.WriteFile(filepath.Join(*resultsDir, "results.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("results written to %s", *resultsDir)
}

// TestMarkdownPerRequestColumns checks the CPU and context-switch columns and
// the CPU ratio, measured and not (-1 renders as "–").
func TestMarkdownPerRequestColumns(t *testing.T) {
	res := func(cpu, ctxsw float64) Result {
		return Result{Requests: 1000, RPS: 50000, P50: time.Millisecond, P99: 2 * time.Millisecond,
			UpstreamConnsPer1000: -1, CPUUsPerReq: cpu, CtxswPerReq: ctxsw, PeakRSSKB: 10240}
	}
	rows := []Row{
		{Case: "raw", Setup: "sliceproxy", Method: "GET", Conns: 32, Median: res(17.31, 2.5)},
		{Case: "raw", Setup: "nginx", Method: "GET", Conns: 32, Median: res(13.8, 0.13)},
		{Case: "mpm-itk", Setup: "sliceproxy slice_key=$host", Method: "GET", Conns: 4, Median: res(20, 1)},
		{Case: "mpm-itk", Setup: "nginx per-vhost map", Method: "GET", Conns: 4, Median: res(-1, -1)},
		{Case: "mpm-itk", Setup: "apache direct (1 vhost)", Method: "GET", Conns: 4, Median: res(-1, -1)},
	}
	md := markdown(rows, ratios(rows))
	for _, tc := range []struct {
		name, linePrefix, want string
	}{
		{"measured", "| raw | sliceproxy | GET | 32 |", "| 2.00 ms | 17.3 µs | 2.50 | 0 + 0 | – |"},
		{"measured nginx", "| raw | nginx | GET | 32 |", "| 2.00 ms | 13.8 µs | 0.13 | 0 + 0 | – |"},
		{"direct: not measured", "| mpm-itk | apache direct (1 vhost) | GET | 4 |", "| 2.00 ms | – | – | 0 + 0 |"},
		{"ratio header", "| ratio sliceproxy / nginx |", "| CPU / req (lower is better) | RSS |"},
		{"ratio measured", "| raw: sliceproxy / nginx | GET | 32 |", "| 1.00 | 1.00 | 1.25 | 1.00 |"},
		{"ratio not measured", "| mpm-itk: sliceproxy slice_key=$host / nginx per-vhost map | GET | 4 |", "| 1.00 | 1.00 | – | 1.00 |"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var line string
			for _, l := range strings.Split(md, "\n") {
				if strings.HasPrefix(l, tc.linePrefix) {
					line = l
				}
			}
			if !strings.Contains(line, tc.want) {
				t.Errorf("line %q\nwant it to contain %q\nmarkdown:\n%s", line, tc.want, md)
			}
		})
	}
}
