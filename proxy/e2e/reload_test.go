package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// TestReloadOnHUP: HUP swaps in a changed configuration; a broken one is
// logged and the previous one keeps serving.
func TestReloadOnHUP(t *testing.T) {
	conf := func(text string) testenv.NginxConfig {
		return testenv.NginxConfig{HTTP: "server { listen 127.0.0.1:{{PORT}}; location / { return 200 \"" + text + "\\n\"; } }"}
	}
	r := renderConfig(t, conf("v1"))
	p := startSliceproxy(t, r)
	if got := body(p.Addr, "x", "/"); got != "v1\n" {
		t.Fatalf("before reload: %q", got)
	}
	rewriteConf := func(c testenv.NginxConfig) {
		c.HTTP = strings.ReplaceAll(c.HTTP, "{{PORT}}", fmt.Sprint(r.Port))
		writeTestFile(t, r.Conf, testenv.NginxMainConfig(r.Dir, c))
	}
	rewriteConf(conf("v2"))
	p.Signal(syscall.SIGHUP)
	if !eventually(10*time.Second, func() bool { return body(p.Addr, "x", "/") == "v2\n" }) {
		t.Fatalf("after HUP still %q\nerror.log:\n%s", body(p.Addr, "x", "/"), p.ErrorLog())
	}
	broken := conf("v3")
	broken.HTTP += "\nbogus_reload_directive on;\n"
	rewriteConf(broken)
	p.Signal(syscall.SIGHUP)
	if !eventually(10*time.Second, func() bool { return strings.Contains(p.ErrorLog(), "bogus_reload_directive") }) {
		t.Errorf("broken reload not logged in error.log:\n%s\noutput:\n%s", p.ErrorLog(), p.Output())
	}
	if got := body(p.Addr, "x", "/"); got != "v2\n" {
		t.Errorf("after a broken reload: %q, want the old configuration's v2", got)
	}
	if !regexp.MustCompile(`\[emerg\].*bogus_reload_directive`).MatchString(p.ErrorLog()) {
		t.Errorf("the broken reload is not an [emerg] line:\n%s", p.ErrorLog())
	}
	if p.Exited() {
		t.Fatalf("process exited after a broken reload:\n%s", p.Output())
	}
}

// TestReloadUnderLoad: HUP while clients keep sending proxied requests
// (through a sliced pool) on new connections loses none of them, and after
// each reload the new configuration answers. (nginx cannot be compared
// here: testenv runs it with master_process off, and a reload in that mode
// refuses most connections for a while.)
func TestReloadUnderLoad(t *testing.T) {
	rec := startBackend(t, nil)
	conf := func(version string) testenv.NginxConfig {
		c := poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", "")
		c.HTTP = strings.Replace(c.HTTP, "proxy_pass http://rec;", "add_header X-Version "+version+";\n        proxy_pass http://rec;", 1)
		return c
	}
	r := renderConfig(t, conf("v0"))
	p := startSliceproxy(t, r)
	requests, errs := loadAcrossReloads(t, p.Addr, func(version string) {
		c := conf(version)
		c.HTTP = strings.ReplaceAll(c.HTTP, "{{PORT}}", fmt.Sprint(r.Port))
		writeTestFile(t, r.Conf, testenv.NginxMainConfig(r.Dir, c))
		p.Signal(syscall.SIGHUP)
	})
	t.Logf("sliceproxy: %d requests across 3 reloads, %d errors, %d upstream connections", requests, len(errs), len(rec.Conns()))
	assertOneKeyPerConn(t, rec)

	if len(errs) > 0 {
		// TestSustainedLoad, the same load without HUP, has no errors.
		t.Errorf("%d of %d new client connections were closed without a response around a HUP, e.g. %s. "+
			"A reload keeps listeners and process, so a connection waiting for its first request must be served; error.log (tail):\n%s",
			len(errs), requests, errs[0], tailLines(p.ErrorLog(), 8))
	}
}

// loadAcrossReloads runs four clients (one request per new connection)
// while reload is called three times with versions v1..v3, and waits after
// each until X-Version shows it. It returns the request count and errors.
func loadAcrossReloads(t *testing.T, addr string, reload func(version string)) (int, []string) {
	t.Helper()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	requests := 0
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			host := fmt.Sprintf("h%d.test", c)
			for {
				select {
				case <-stop:
					return
				default:
				}
				st, err := fetch(addr, "GET", host, "/load", "")
				mu.Lock()
				requests++
				if st != 200 {
					errs = append(errs, fmt.Sprintf("%s: %d %v", host, st, err))
				}
				mu.Unlock()
			}
		}()
	}
	for v := 1; v <= 3; v++ {
		time.Sleep(200 * time.Millisecond)
		want := fmt.Sprintf("v%d", v)
		reload(want)
		if !eventually(10*time.Second, func() bool { return versionOf(addr) == want }) {
			t.Errorf("reload %d: X-Version %q, want %q", v, versionOf(addr), want)
		}
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	return requests, errs
}

// versionOf returns the X-Version header of a proxied GET.
func versionOf(addr string) string {
	rc, err := dialRaw(addr)
	if err != nil {
		return "error: " + err.Error()
	}
	defer rc.Close()
	_ = rc.Write("GET /v HTTP/1.1\r\nHost: version.test\r\nConnection: close\r\n\r\n")
	r, err := rc.ReadResponse(false)
	if err != nil {
		return "error: " + err.Error()
	}
	return r.Get("X-Version")
}

// TestSustainedLoad: clients opening a new connection per request through
// the sliced pool for a second and a half get no error — the baseline for
// TestReloadUnderLoad.
func TestSustainedLoad(t *testing.T) {
	rec := startBackend(t, nil)
	p := startSliceproxyConfig(t, poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2;", ""))
	deadline := time.Now().Add(1500 * time.Millisecond)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []string
	requests := 0
	for c := 0; c < 4; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			host := fmt.Sprintf("h%d.test", c)
			for time.Now().Before(deadline) {
				st, err := fetch(p.Addr, "GET", host, "/load", "")
				mu.Lock()
				requests++
				if st != 200 {
					errs = append(errs, fmt.Sprintf("%s: %d %v", host, st, err))
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("%d requests, %d errors, %d upstream connections", requests, len(errs), len(rec.Conns()))
	for i, e := range errs {
		if i == 5 {
			break
		}
		t.Error(e)
	}
}
