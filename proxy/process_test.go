package proxy

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// TestRunReloadAndQuit drives Run as the CLI does: pid file after binding,
// HUP swaps the configuration (an invalid one keeps the old), QUIT ends
// gracefully and removes the pid file.
func TestRunReloadAndQuit(t *testing.T) {
	dir := t.TempDir()
	port := testenv.FreePort(t)
	conf := filepath.Join(dir, "nginx.conf")
	write := func(body string) {
		t.Helper()
		text := fmt.Sprintf(`pid %s/run.pid;
error_log %s/error.log info;
events { worker_connections 64; }
http {
    access_log %s/access.log;
    server { listen 127.0.0.1:%d; location / { %s } }
}
`, dir, dir, dir, port, body)
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`return 200 "v1";`)
	sigs := make(chan os.Signal, 1)
	ready := make(chan *Server, 1)
	var stderr bytes.Buffer
	errc := make(chan error, 1)
	go func() {
		errc <- Run(context.Background(), RunOptions{
			ConfigPath: conf, Prefix: dir + "/", Stderr: &stderr, Signals: sigs,
			Ready: func(s *Server) { ready <- s },
		})
	}()
	var srv *Server
	select {
	case srv = <-ready:
	case err := <-errc:
		t.Fatalf("Run: %v\n%s", err, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not become ready")
	}
	pid, err := os.ReadFile(filepath.Join(dir, "run.pid"))
	if err != nil || strings.TrimSpace(string(pid)) != fmt.Sprint(os.Getpid()) {
		t.Fatalf("pid file: %q %v", pid, err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	tp := &testProxy{t: t, srv: srv, addr: addr, dir: dir}
	if r := tp.get("x", "/"); r.Body != "v1" {
		t.Fatalf("before reload: %q", r.Body)
	}
	// A keep-alive client survives the reload's idle close only by
	// reconnecting: its next request sees the new configuration.
	write(`return 200 "v2";`)
	sigs <- syscall.SIGHUP
	waitFor(t, func() bool { return tp.get("x", "/").Body == "v2" })

	// USR1 reopens the logs (logrotate moved the old file away).
	if err := os.Rename(filepath.Join(dir, "access.log"), filepath.Join(dir, "access.log.1")); err != nil {
		t.Fatal(err)
	}
	sigs <- syscall.SIGUSR1
	waitFor(t, func() bool {
		tp.get("x", "/after-usr1")
		b, _ := os.ReadFile(filepath.Join(dir, "access.log"))
		return strings.Contains(string(b), "/after-usr1")
	})

	write(`return 200 "v3"; nonsense_directive on;`)
	sigs <- syscall.SIGHUP
	time.Sleep(200 * time.Millisecond)
	if r := tp.get("x", "/"); r.Body != "v2" {
		t.Errorf("an invalid configuration replaced the running one: %q", r.Body)
	}
	sigs <- syscall.SIGQUIT
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Run after QUIT: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("QUIT did not stop Run")
	}
	if _, err := os.Stat(filepath.Join(dir, "run.pid")); !os.IsNotExist(err) {
		t.Errorf("pid file left behind: %v", err)
	}
	if !strings.Contains(stderr.String(), "unknown directive \"nonsense_directive\"") {
		t.Errorf("the invalid reload was not reported:\n%s", stderr.String())
	}
}

// TestGracefulShutdown: QUIT lets an in-flight request finish and closes
// idle connections at once.
func TestGracefulShutdown(t *testing.T) {
	be := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Body: "late", Delay: 300 * time.Millisecond}
	})
	tp := startProxy(t, `
server { listen 127.0.0.1:0; location / { proxy_pass http://`+be.Addr()+`; } }`, nil)
	idle := tp.dial()
	idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	idle.read("GET") // now idle, kept alive
	busy := tp.dial()
	busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- tp.srv.Shutdown(context.Background()) }()
	idle.expectClosed()
	if r := busy.read("GET"); r.Status != 200 || r.Body != "late" || !r.Raw.Close {
		t.Errorf("in-flight request: %d %q close=%v", r.Status, r.Body, r.Raw.Close)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReloadDrainsOldRuntime: a request in flight finishes on the old
// configuration (and its pool) while new requests see the new one; the old
// runtime is closed once drained.
func TestReloadDrainsOldRuntime(t *testing.T) {
	slow := startFakeBackend(t, func(r *fakeRequest) fakeReply {
		return fakeReply{Status: 200, Body: "old", Delay: 300 * time.Millisecond}
	})
	fast := startFakeBackend(t, func(r *fakeRequest) fakeReply { return fakeReply{Status: 200, Body: "new"} })
	port := testenv.FreePort(t)
	conf := func(be string) string {
		return fmt.Sprintf(`upstream be { server %s; keepalive 4; }
server { listen 127.0.0.1:%d; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } }`, be, port)
	}
	tp := startProxy(t, conf(slow.Addr()), nil)
	old := tp.srv.Runtime()
	inflight := tp.dial()
	inflight.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(50 * time.Millisecond)

	tp.reload(conf(fast.Addr()))
	if r := tp.get("x", "/now"); r.Body != "new" {
		t.Errorf("a new request after the reload got %q", r.Body)
	}
	if old.refs.Load() == 0 {
		t.Errorf("the old runtime was closed while a request still used it")
	}
	if r := inflight.read("GET"); r.Body != "old" {
		t.Errorf("the in-flight request got %q", r.Body)
	}
	waitFor(t, func() bool { return old.refs.Load() == 0 })
}
