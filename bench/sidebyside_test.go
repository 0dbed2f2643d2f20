package bench

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

var (
	sideBySide = flag.Bool("sidebyside", false, "run the side-by-side comparison with nginx (make bench)")
	duration   = flag.Duration("dur", 5*time.Second, "length of one wrk run")
	rounds     = flag.Int("rounds", 2, "rounds; setups alternate within each round so noise hits all of them")
	only       = flag.String("cases", "raw,itk,idle", "comma-separated cases to run: raw, itk, idle")
	resultsDir = flag.String("results", "results", "where results.md and results.json go")
	setupsFlag = flag.String("setups", "", "comma-separated setup kinds to run (sliceproxy, nginx, direct); empty = all")
)

// wanted filters setups by -setups.
func wanted(ss []setup) []setup {
	if *setupsFlag == "" {
		return ss
	}
	var out []setup
	for _, s := range ss {
		if strings.Contains(","+*setupsFlag+",", ","+s.Kind+",") {
			out = append(out, s)
		}
	}
	return out
}

// A setup is one proxy (or none) in front of a backend.
type setup struct {
	Name string
	// Kind is "sliceproxy", "nginx" or "direct".
	Kind string
	// HTTP is the http{} body; {{PORT}} is the proxy's port, {{BACKEND}} the backend address.
	HTTP string
	// Hosts overrides the case's Host rotation (Apache direct can only keep
	// a connection alive for one vhost: it is the one-vhost ceiling).
	Hosts []string
}

// Row is one line of the results table.
type Row struct {
	Case    string   `json:"case"`
	Setup   string   `json:"setup"`
	Method  string   `json:"method"`
	Conns   int      `json:"conns"`
	Median  Result   `json:"median"`
	Rounds  []Result `json:"rounds"`
	RatioTo string   `json:"ratio_to,omitempty"`
}

// running is a proxy under test.
type running struct {
	addr string
	pid  int
	stop func()
}

// BenchmarkSideBySide is `make bench`: sliceproxy and nginx with equivalent
// configs under wrk, alternating round by round. It skips unless -sidebyside.
func BenchmarkSideBySide(b *testing.B) {
	if !*sideBySide {
		b.Skip("side-by-side comparison runs with -sidebyside (make bench)")
	}
	wrkScriptPath := filepath.Join(b.TempDir(), "hosts.lua")
	if err := os.WriteFile(wrkScriptPath, []byte(wrkScript), 0o644); err != nil {
		b.Fatal(err)
	}
	testenv.LookBinary(b, "wrk", "wrk")
	bin := sliceproxyBinary(b)
	cases := map[string]bool{}
	for _, c := range strings.Split(*only, ",") {
		cases[strings.TrimSpace(c)] = true
	}
	var rows []Row
	if cases["raw"] {
		rows = append(rows, rawCase(b, bin, wrkScriptPath)...)
	}
	if cases["itk"] {
		rows = append(rows, itkCase(b, bin, wrkScriptPath)...)
	}
	if cases["idle"] {
		rows = append(rows, idleCase(b, bin)...)
	}
	report(b, rows)
	b.ReportMetric(0, "ns/op") // the numbers are in the table, not per op
}

// sliceproxyBinary is $SLICEPROXY_BIN or a fresh build of ./cmd/sliceproxy.
func sliceproxyBinary(b *testing.B) string {
	if p := os.Getenv("SLICEPROXY_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			b.Fatal(err)
		}
		return abs
	}
	out := filepath.Join(b.TempDir(), "sliceproxy")
	cmd := exec.Command("go", "build", "-o", out, "../cmd/sliceproxy")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build sliceproxy: %v\n%s", err, msg)
	}
	return out
}

// startProxy runs one setup pinned to cpu ("" = not pinned).
func startProxy(b *testing.B, bin string, s setup, backend string, cpu string, workerConns int) running {
	body := strings.ReplaceAll(s.HTTP, "{{BACKEND}}", backend)
	switch s.Kind {
	case "direct":
		return running{addr: backend, stop: func() {}}
	case "nginx":
		n := testenv.StartNginx(b, testenv.NginxConfig{HTTP: body, WorkerConnections: workerConns})
		pin(cpu, n.Pids())
		return running{addr: n.Addr, pid: n.Pids()[0], stop: n.Stop}
	}
	dir := b.TempDir()
	port := testenv.FreePort(b)
	body = strings.ReplaceAll(body, "{{PORT}}", strconv.Itoa(port))
	for _, d := range []string{"logs", "tmp"} {
		_ = os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(testenv.NginxMainConfig(dir, testenv.NginxConfig{HTTP: body, WorkerConnections: workerConns})), 0o644); err != nil {
		b.Fatal(err)
	}
	if out, err := exec.Command(bin, "-t", "-p", dir+"/", "-c", conf).CombinedOutput(); err != nil {
		b.Fatalf("sliceproxy -t: %v\n%s", err, out)
	}
	p := testenv.Start(b, dir, bin, "-p", dir+"/", "-c", conf)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	if err := testenv.WaitPort(addr, 10*time.Second); err != nil {
		p.Stop(syscall.SIGKILL)
		b.Fatalf("sliceproxy did not start: %v\n%s", err, p.Output())
	}
	pin(cpu, p.Pids())
	return running{addr: addr, pid: p.Pids()[0], stop: func() { p.Stop(syscall.SIGQUIT) }}
}

// pin moves every thread of pids to the CPU list.
func pin(cpu string, pids []int) {
	if cpu == "" {
		return
	}
	for _, pid := range pids {
		_ = exec.Command("taskset", "-a", "-p", "-c", cpu, strconv.Itoa(pid)).Run()
	}
}

// peakRSSKB reads VmHWM of a process.
func peakRSSKB(pid int) int64 { return procStatusKB(pid, "VmHWM:") }

func rssKB(pid int) int64 { return procStatusKB(pid, "VmRSS:") }

func procStatusKB(pid int, field string) int64 {
	if pid == 0 {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	return statusField(string(data), field)
}

// statusField is the first number after field in a /proc status file, 0 if
// the field is missing.
func statusField(status, field string) int64 {
	for _, l := range strings.Split(status, "\n") {
		if strings.HasPrefix(l, field) {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return 0
}

// procCounters is what a process has consumed so far, summed over its
// threads: CPU time and context switches. Two samples around a wrk run give
// the proxy's cost per request, which machine noise disturbs far less than
// req/s (in the raw case the proxy shares its CPU with the backend).
type procCounters struct {
	cpuNs int64 // first field of /proc/PID/task/TID/schedstat: ns on CPU
	ctxsw int64 // voluntary_ctxt_switches + nonvoluntary_ctxt_switches
}

// readProcCounters samples pid's threads; ok is false for pid 0 (no proxy
// process) or when /proc cannot be read. It sums the per-thread files because
// /proc/PID/schedstat covers the main thread only, and schedstat because it
// counts nanoseconds where /proc/PID/stat counts clock ticks. Only live
// threads are seen: a thread born or ended between two samples makes their
// difference an estimate (seldom off here: the Go runtime and a
// master_process-off nginx rarely end threads).
func readProcCounters(pid int) (c procCounters, ok bool) {
	if pid == 0 {
		return c, false
	}
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return c, false
	}
	for _, t := range tasks {
		sched, err1 := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		status, err2 := os.ReadFile(filepath.Join(dir, t.Name(), "status"))
		if err1 != nil || err2 != nil {
			continue // the thread ended since ReadDir
		}
		f := strings.Fields(string(sched))
		if len(f) == 0 {
			return c, false
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return c, false
		}
		c.cpuNs += ns
		c.ctxsw += statusField(string(status), "voluntary_ctxt_switches:") +
			statusField(string(status), "nonvoluntary_ctxt_switches:")
	}
	return c, true
}

// perRequest sets r's CPU and context-switch columns from samples taken just
// before and just after the run, or -1 where nothing was measured (either
// sample missing, or no request completed).
func (r *Result) perRequest(before, after procCounters, ok bool) {
	r.CPUUsPerReq, r.CtxswPerReq = -1, -1
	if !ok || r.Requests <= 0 {
		return
	}
	n := float64(r.Requests)
	r.CPUUsPerReq = float64(after.cpuNs-before.cpuNs) / 1e3 / n
	r.CtxswPerReq = float64(after.ctxsw-before.ctxsw) / n
}

// rawBody is the backend's 100-byte answer.
var rawBody = strings.Repeat("x", 99) + "\n"

const proxyLocation = `
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }`

// rawCase: nginx `return 200` backend; proxy and backend on CPU 0, wrk on CPU 1.
func rawCase(b *testing.B, bin, script string) []Row {
	backend := testenv.StartNginx(b, testenv.NginxConfig{HTTP: `access_log off;
    server { listen 127.0.0.1:{{PORT}}; keepalive_requests 1000000; location / { return 200 "` + rawBody + `"; } }`})
	pin("0", backend.Pids())
	proxyConf := `access_log off;
    upstream backend { server {{BACKEND}}; keepalive 64; }
    server { listen 127.0.0.1:{{PORT}}; keepalive_requests 1000000;` + proxyLocation + `
    }`
	setups := []setup{{Name: "sliceproxy", Kind: "sliceproxy", HTTP: proxyConf}, {Name: "nginx", Kind: "nginx", HTTP: proxyConf}}
	return runMatrix(b, "raw", bin, script, setups, backend.Addr, "0", "1", []string{"localhost"},
		[]string{"GET"}, []int{32}, nil)
}

// itkCase: Apache prefork + mpm-itk with three vhosts, Host rotating.
func itkCase(b *testing.B, bin, script string) []Row {
	apache := testenv.StartApacheITK(b, testenv.ApacheITKOptions{})
	// Warm Apache up first: prefork spawns children at most 32 a second, and
	// the first setup to reach c=32 would otherwise pay for the ramp alone.
	warm := wrkRun{URL: "http://" + apache.Addr + "/", Conns: 64, Threads: 1, Duration: 2 * time.Second,
		Hosts: []string{"a.test"}, Method: "GET", Script: script}
	if _, out, err := warm.run(); err != nil {
		b.Logf("warm-up: %v\n%s", err, out)
	}
	setups := itkSetups()
	return runMatrix(b, "mpm-itk", bin, script, setups, apache.Addr, "", "", testenv.ITKVhosts,
		[]string{"GET", "POST"}, []int{4, 32}, apache)
}

// itkSetups are the mpm-itk case's proxies, with equivalent configs.
func itkSetups() []setup {
	pool := func(ka string) string {
		return `access_log off;
    upstream backend { server {{BACKEND}}; ` + ka + ` }
    server { listen 127.0.0.1:{{PORT}}; keepalive_requests 1000000;` + proxyLocation + `
    }`
	}
	perVhost := `access_log off;
    upstream itk_a { server {{BACKEND}}; keepalive 32; }
    upstream itk_b { server {{BACKEND}}; keepalive 32; }
    upstream itk_c { server {{BACKEND}}; keepalive 32; }
    map $host $itk_pool { a.test itk_a; b.test itk_b; c.test itk_c; default itk_a; }
    server { listen 127.0.0.1:{{PORT}}; keepalive_requests 1000000;
        location / {
            proxy_pass http://$itk_pool;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }
    }`
	return []setup{
		{Name: "sliceproxy slice_key=$host", Kind: "sliceproxy", HTTP: pool("keepalive 96 slice_key=$host slice_conn=32; keepalive_timeout 4s;")},
		{Name: "sliceproxy keepalive", Kind: "sliceproxy", HTTP: pool("keepalive 32; keepalive_timeout 4s;")},
		{Name: "nginx keepalive", Kind: "nginx", HTTP: pool("keepalive 32; keepalive_timeout 4s;")},
		{Name: "nginx per-vhost map", Kind: "nginx", HTTP: perVhost},
		{Name: "apache direct (1 vhost)", Kind: "direct", Hosts: []string{"a.test"}},
	}
}

// runMatrix runs every (method, conns) cell for every setup, alternating
// setups within each round.
func runMatrix(b *testing.B, name, bin, script string, setups []setup, backend, proxyCPU, wrkCPU string,
	hosts, methods []string, conns []int, apache *testenv.Apache) []Row {
	type key struct {
		setup, method string
		conns         int
	}
	results := map[key][]Result{}
	setups = wanted(setups)
	for round := 0; round < *rounds; round++ {
		for _, method := range methods {
			for _, c := range conns {
				for _, s := range setups {
					before := 0
					if apache != nil {
						before = len(apache.AccessLog())
					}
					p := startProxy(b, bin, s, backend, proxyCPU, 1024)
					h := hosts
					if s.Hosts != nil {
						h = s.Hosts
					}
					w := wrkRun{URL: "http://" + p.addr + "/", Conns: c, Threads: 1, Duration: *duration,
						Hosts: h, Method: method, Script: script, CPU: wrkCPU}
					pre, ok1 := readProcCounters(p.pid)
					r, out, err := w.run()
					post, ok2 := readProcCounters(p.pid)
					if err != nil {
						b.Logf("%s / %s: %v", name, s.Name, err)
					}
					r.perRequest(pre, post, ok1 && ok2)
					r.PeakRSSKB = peakRSSKB(p.pid)
					p.stop()
					if apache != nil {
						time.Sleep(200 * time.Millisecond) // let Apache write its log
						entries := apache.AccessLog()[before:]
						newConns := 0
						for _, e := range entries {
							if e.KeepAliveN == 0 {
								newConns++
							}
						}
						if len(entries) > 0 {
							r.UpstreamConnsPer1000 = 1000 * float64(newConns) / float64(len(entries))
						}
					}
					b.Logf("round %d %s %s c=%d %-28s %8.0f req/s p99 %v cpu/req %.1fµs ctxsw/req %.2f non2xx %d sockerr %d conns/1000 %.1f\n%s",
						round+1, name, method, c, s.Name, r.RPS, r.P99, r.CPUUsPerReq, r.CtxswPerReq, r.Non2xx, r.SocketErrors,
						r.UpstreamConnsPer1000, indent(out))
					k := key{s.Name, method, c}
					results[k] = append(results[k], r)
				}
			}
		}
	}
	var rows []Row
	for _, method := range methods {
		for _, c := range conns {
			for _, s := range setups {
				k := key{s.Name, method, c}
				rows = append(rows, Row{Case: name, Setup: s.Name, Method: method, Conns: c,
					Median: median(results[k]), Rounds: results[k]})
			}
		}
	}
	return rows
}

// idleCase opens 10,000 idle keep-alive client connections to each proxy and
// reports its RSS.
func idleCase(b *testing.B, bin string) []Row {
	backend := testenv.StartNginx(b, testenv.NginxConfig{HTTP: `access_log off;
    server { listen 127.0.0.1:{{PORT}}; location / { return 200 "` + rawBody + `"; } }`})
	conf := `access_log off; keepalive_timeout 300s;
    upstream backend { server {{BACKEND}}; keepalive 64; }
    server { listen 127.0.0.1:{{PORT}};` + proxyLocation + `
    }`
	var rows []Row
	for _, s := range wanted([]setup{{Name: "sliceproxy", Kind: "sliceproxy", HTTP: conf}, {Name: "nginx", Kind: "nginx", HTTP: conf}}) {
		p := startProxy(b, bin, s, backend.Addr, "", 20000)
		base := rssKB(p.pid)
		conns, err := openIdle(p.addr, 10000)
		r := Result{UpstreamConnsPer1000: -1, CPUUsPerReq: -1, CtxswPerReq: -1, Requests: int64(len(conns))}
		if err != nil {
			b.Logf("idle %s: %v", s.Name, err)
		}
		time.Sleep(500 * time.Millisecond)
		r.PeakRSSKB = rssKB(p.pid)
		b.Logf("idle: %s RSS %d KB before, %d KB with %d idle client connections", s.Name, base, r.PeakRSSKB, len(conns))
		for _, c := range conns {
			c.Close()
		}
		p.stop()
		rows = append(rows, Row{Case: "idle-10k", Setup: s.Name, Method: "GET", Conns: len(conns), Median: r})
	}
	return rows
}

// openIdle opens n connections, sends one request on each and reads its
// response, leaving the connections open and idle.
func openIdle(addr string, n int) ([]net.Conn, error) {
	conns := make([]net.Conn, 0, n)
	buf := make([]byte, 4096)
	for i := 0; i < n; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return conns, fmt.Errorf("after %d connections: %w", i, err)
		}
		conns = append(conns, c)
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")); err != nil {
			return conns, err
		}
		if _, err := c.Read(buf); err != nil {
			return conns, fmt.Errorf("connection %d: %w", i, err)
		}
		_ = c.SetDeadline(time.Time{})
	}
	return conns, nil
}

// median is the round with the median req/s, whole (its latencies, CPU and
// context switches per request, RSS stay one coherent run), with the errors
// of all rounds.
func median(rs []Result) Result {
	if len(rs) == 0 {
		return Result{UpstreamConnsPer1000: -1, CPUUsPerReq: -1, CtxswPerReq: -1}
	}
	s := append([]Result(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].RPS < s[j].RPS })
	m := s[len(s)/2]
	// Errors are summed over rounds: one error anywhere must show.
	m.Non2xx, m.SocketErrors = 0, 0
	for _, r := range rs {
		m.Non2xx += r.Non2xx
		m.SocketErrors += r.SocketErrors
	}
	return m
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// TestReadProcCounters samples the test process itself: its CPU counter is
// positive and grows after burning CPU; pid 0 (the direct setup) is not
// measured.
func TestReadProcCounters(t *testing.T) {
	before, ok := readProcCounters(os.Getpid())
	if !ok {
		t.Skip("/proc/PID/task/*/schedstat not readable here")
	}
	if before.cpuNs <= 0 || before.ctxsw < 0 {
		t.Fatalf("before: %+v, want CPU > 0 and context switches >= 0", before)
	}
	x := uint64(1)
	for start := time.Now(); time.Since(start) < 100*time.Millisecond; {
		for i := 0; i < 1000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	// A thread's CPU counter is brought up to date when it is switched out:
	// sleep so that the burning thread is.
	time.Sleep(20 * time.Millisecond)
	after, ok := readProcCounters(os.Getpid())
	if !ok {
		t.Fatal("second sample failed")
	}
	if after.cpuNs <= before.cpuNs || after.ctxsw < before.ctxsw {
		t.Fatalf("after burning CPU (%d): %+v, before %+v; want CPU to grow", x, after, before)
	}
	if _, ok := readProcCounters(0); ok {
		t.Fatal("pid 0 must not be measured")
	}
	var r Result
	r.Requests = 1000
	r.perRequest(procCounters{cpuNs: 1e6, ctxsw: 10}, procCounters{cpuNs: 18e6, ctxsw: 2010}, true)
	if r.CPUUsPerReq != 17 || r.CtxswPerReq != 2 {
		t.Fatalf("perRequest: %+v, want 17 µs and 2 switches per request", r)
	}
	r.perRequest(procCounters{}, procCounters{}, false)
	if r.CPUUsPerReq != -1 || r.CtxswPerReq != -1 {
		t.Fatalf("perRequest unmeasured: %+v, want -1 and -1", r)
	}
}
