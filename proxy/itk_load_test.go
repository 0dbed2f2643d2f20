package proxy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
)

// wrkHostsLua rotates Host over WRK_HOSTS, as the itk lab's hosts.lua.
const wrkHostsLua = `
local hosts = {}
for h in string.gmatch(os.getenv("WRK_HOSTS") or "a.test,b.test,c.test", "[^,]+") do hosts[#hosts + 1] = h end
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

// nginxPerHost is the best stock nginx can do in front of mpm-itk: one
// upstream pool per vhost, chosen by map.
const nginxPerHost = `
upstream itk_a { server {{APACHE}}; keepalive 32; }
upstream itk_b { server {{APACHE}}; keepalive 32; }
upstream itk_c { server {{APACHE}}; keepalive 32; }
map $host $itk_pool { a.test itk_a; b.test itk_b; c.test itk_c; default itk_a; }
server {
    listen 127.0.0.1:{{PORT}};
    access_log off;
    location / {
        proxy_pass http://$itk_pool;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
    }
}`

// TestITKThroughputVsNginx is a manual measurement, not a pass/fail test:
// with SLICEPROXY_LOAD=1 it runs wrk (rotating Host over the three vhosts,
// GET then POST) against sliceproxy with slice_key=$host and against nginx
// with one pool per vhost, both in front of the same Apache mpm-itk, and
// prints req/s, p99 and non-2xx. make bench is the real harness.
func TestITKThroughputVsNginx(t *testing.T) {
	if os.Getenv("SLICEPROXY_LOAD") == "" {
		t.Skip("set SLICEPROXY_LOAD=1 to run the wrk comparison")
	}
	wrk := testenv.LookBinary(t, "wrk", "wrk")
	ap := testenv.StartApacheITK(t, testenv.ApacheITKOptions{})
	ng := testenv.StartNginx(t, testenv.NginxConfig{HTTP: strings.ReplaceAll(nginxPerHost, "{{APACHE}}", ap.Addr)})
	tp := startProxy(t, "access_log off;\n"+itkProxyConfig(ap.Addr, "keepalive 96 slice_key=$host slice_conn=32;"), nil)
	lua := filepath.Join(t.TempDir(), "hosts.lua")
	if err := os.WriteFile(lua, []byte(wrkHostsLua), 0o644); err != nil {
		t.Fatal(err)
	}
	reqs := regexp.MustCompile(`Requests/sec:\s+(\S+)`)
	p99 := regexp.MustCompile(`99%\s+(\S+)`)
	non2xx := regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	for round := 1; round <= 2; round++ {
		for _, method := range []string{"GET", "POST"} {
			for _, target := range []struct{ name, addr string }{{"sliceproxy slice_key=$host", tp.addr}, {"nginx pool per vhost", ng.Addr}} {
				cmd := exec.Command(wrk, "-t2", "-c32", "-d5s", "--latency", "-s", lua, "http://"+target.addr+"/")
				cmd.Env = append(os.Environ(), "WRK_METHOD="+method)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("wrk: %v\n%s", err, out)
				}
				s := string(out)
				errs := "0"
				if m := non2xx.FindStringSubmatch(s); m != nil {
					errs = m[1]
				}
				t.Logf("round %d %-4s %-28s %10s req/s  p99 %8s  non-2xx %s", round, method, target.name,
					first(reqs.FindStringSubmatch(s)), first(p99.FindStringSubmatch(s)), errs)
			}
		}
	}
	t.Logf("Apache new connections per vhost (both proxies together): %v", ap.NewConnections())
}

func first(m []string) string {
	if len(m) > 1 {
		return m[1]
	}
	return "?"
}
