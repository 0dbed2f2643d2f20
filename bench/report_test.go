package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	RSS    float64 `json:"rss_ratio"`
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

// markdown renders the table and the ratios.
func markdown(rows []Row, rs []Ratio) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| case | setup | method | conns | req/s | p50 | p99 | errors (non-2xx + socket) | upstream conns / 1000 req | peak RSS |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		m := r.Median
		conns := "–"
		if m.UpstreamConnsPer1000 >= 0 {
			conns = fmt.Sprintf("%.1f", m.UpstreamConnsPer1000)
		}
		rps, p50, p99 := fmt.Sprintf("%.0f", m.RPS), ms(m.P50), ms(m.P99)
		if r.Case == "idle-10k" {
			rps, p50, p99 = "–", "–", "–"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %s | %s | %s | %d + %d | %s | %.1f MB |\n",
			r.Case, r.Setup, r.Method, r.Conns, rps, p50, p99, m.Non2xx, m.SocketErrors, conns, float64(m.PeakRSSKB)/1024)
	}
	fmt.Fprintf(&b, "\n| ratio sliceproxy / nginx | method | conns | req/s | p99 | RSS |\n|---|---|---|---|---|---|\n")
	for _, r := range rs {
		cmp := comparisons[r.Case]
		rps, p99 := fmt.Sprintf("%.2f", r.RPS), fmt.Sprintf("%.2f", r.P99)
		if r.Case == "idle-10k" {
			rps, p99 = "–", "–" // only memory is measured there
		}
		fmt.Fprintf(&b, "| %s: %s / %s | %s | %d | %s | %s | %.2f |\n", r.Case, cmp[0], cmp[1], r.Method, r.Conns, rps, p99, r.RSS)
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
