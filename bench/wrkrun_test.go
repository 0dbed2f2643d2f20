package bench

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Result is one load run against one setup.
type Result struct {
	Requests     int64         `json:"requests"`
	RPS          float64       `json:"rps"`
	P50          time.Duration `json:"p50_ns"`
	P99          time.Duration `json:"p99_ns"`
	Non2xx       int64         `json:"non2xx"`
	SocketErrors int64         `json:"socket_errors"`
	// UpstreamConnsPer1000 is new upstream connections per 1000 requests
	// (from Apache's access log), or -1 where it is not measured.
	UpstreamConnsPer1000 float64 `json:"upstream_conns_per_1000"`
	PeakRSSKB            int64   `json:"peak_rss_kb"`
	// CPUUsPerReq is the proxy's CPU time (all threads) during the run per
	// completed request, in µs; CtxswPerReq its voluntary + nonvoluntary
	// context switches per request. Both are -1 where not measured (no
	// proxy process: the direct setup; no wrk run: idle-10k).
	CPUUsPerReq float64 `json:"cpu_us_per_req"`
	CtxswPerReq float64 `json:"ctxsw_per_req"`
}

// wrkScript rotates Host over WRK_HOSTS and uses WRK_METHOD; POST sends a
// 64-byte form body, as the lab does.
const wrkScript = `
local hosts = {}
for h in string.gmatch(os.getenv("WRK_HOSTS") or "localhost", "[^,]+") do hosts[#hosts + 1] = h end
local n, i = #hosts, 0
local method = os.getenv("WRK_METHOD") or "GET"
local body = nil
if method == "POST" then body = string.rep("x", 62) .. "=1" end
request = function()
  i = i + 1
  local h = { Host = hosts[(i % n) + 1] }
  if body then h["Content-Type"] = "application/x-www-form-urlencoded" end
  return wrk.format(method, "/", h, body)
end
`

// wrkRun describes one wrk invocation.
type wrkRun struct {
	URL      string
	Conns    int
	Threads  int
	Duration time.Duration
	Hosts    []string
	Method   string
	Script   string // path of wrkScript on disk
	CPU      string // taskset CPU list for wrk, "" for none
}

func (w wrkRun) run() (Result, string, error) {
	args := []string{"wrk", fmt.Sprintf("-t%d", w.Threads), fmt.Sprintf("-c%d", w.Conns),
		fmt.Sprintf("-d%ds", int(w.Duration.Seconds())), "--latency", "-s", w.Script, w.URL}
	if w.CPU != "" {
		args = append([]string{"taskset", "-c", w.CPU}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(cmd.Environ(), "WRK_HOSTS="+strings.Join(w.Hosts, ","), "WRK_METHOD="+w.Method)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Result{}, string(out), fmt.Errorf("wrk: %v: %s", err, out)
	}
	r, err := parseWrk(string(out))
	return r, string(out), err
}

var (
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	reSockErr  = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	reP50      = regexp.MustCompile(`\s50%\s+([\d.]+\w+)`)
	reP99      = regexp.MustCompile(`\s99%\s+([\d.]+\w+)`)
)

// parseWrk reads wrk's --latency report.
func parseWrk(out string) (Result, error) {
	var r Result
	r.UpstreamConnsPer1000 = -1
	m := reRequests.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk output has no request count:\n%s", out)
	}
	r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	if m := reRPS.FindStringSubmatch(out); m != nil {
		r.RPS, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		r.Non2xx, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := reSockErr.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.SocketErrors += n
		}
	}
	var err error
	if m := reP50.FindStringSubmatch(out); m != nil {
		if r.P50, err = parseWrkDuration(m[1]); err != nil {
			return r, err
		}
	}
	if m := reP99.FindStringSubmatch(out); m != nil {
		if r.P99, err = parseWrkDuration(m[1]); err != nil {
			return r, err
		}
	}
	return r, nil
}

// parseWrkDuration reads wrk's "1.23ms", "456.00us", "2.00s", "1.50m".
func parseWrkDuration(s string) (time.Duration, error) {
	if strings.HasSuffix(s, "m") && !strings.HasSuffix(s, "ms") {
		s = strings.TrimSuffix(s, "m")
		f, err := strconv.ParseFloat(s, 64)
		return time.Duration(f * float64(time.Minute)), err
	}
	return time.ParseDuration(s)
}
