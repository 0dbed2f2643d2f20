package e2e

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// spProc is one running sliceproxy process.
type spProc struct {
	t    testing.TB
	Dir  string // the prefix (-p), holding nginx.conf, logs/ and tmp/
	Conf string // -c
	Addr string // the first listen address, "127.0.0.1:PORT"
	// Mode says what runs ("binary"), for messages.
	Mode string

	cmd  *exec.Cmd
	out  *testenv.LockedBuffer
	done chan struct{}
	err  error // cmd.Wait's result, valid after done
}

// rendered is a configuration written below its own prefix directory.
type rendered struct {
	Dir, Conf, Addr string
	Port            int
}

// renderConfig writes c the way testenv.StartNginx does for nginx — the
// same nginx.conf text, with {{PORT}} and {{DIR}} replaced — so both servers
// run exactly the same configuration.
func renderConfig(t testing.TB, c testenv.NginxConfig) rendered {
	t.Helper()
	dir := t.TempDir()
	port := testenv.FreePort(t)
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	expand := strings.NewReplacer("{{PORT}}", fmt.Sprint(port), "{{DIR}}", dir).Replace
	for name, body := range c.Files {
		writeTestFile(t, filepath.Join(dir, name), expand(body))
	}
	c.HTTP, c.Main = expand(c.HTTP), expand(c.Main)
	conf := filepath.Join(dir, "nginx.conf")
	writeTestFile(t, conf, testenv.NginxMainConfig(dir, c))
	return rendered{Dir: dir, Conf: conf, Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port}
}

func writeTestFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// startSliceproxyConfig renders c and serves it.
func startSliceproxyConfig(t testing.TB, c testenv.NginxConfig) *spProc {
	t.Helper()
	r := renderConfig(t, c)
	return startSliceproxy(t, r)
}

// startSliceproxy runs sliceproxy on a rendered configuration and waits
// until r.Addr accepts connections. It is stopped when the test ends.
func startSliceproxy(t testing.TB, r rendered) *spProc {
	t.Helper()
	p, err := trySliceproxy(t, r)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// trySliceproxy is startSliceproxy returning the failure to start.
func trySliceproxy(t testing.TB, r rendered) (*spProc, error) {
	t.Helper()
	p := launchSliceproxy(t, r)
	if err := p.waitServing(20 * time.Second); err != nil {
		return nil, fmt.Errorf("sliceproxy (%s) did not start: %v\noutput:\n%s\nerror.log:\n%s", p.Mode, err, p.Output(), p.ErrorLog())
	}
	return p, nil
}

// launchSliceproxy starts the sliceproxy binary on r without waiting;
// extra arguments follow -p and -c (e.g. -g).
func launchSliceproxy(t testing.TB, r rendered, extra ...string) *spProc {
	t.Helper()
	return launch(t, r, needBinary(t), extra...)
}

func launch(t testing.TB, r rendered, bin string, extra ...string) *spProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-p", r.Dir + "/", "-c", r.Conf}, extra...)...)
	cmd.Dir = r.Dir
	out := &testenv.LockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	p := &spProc{t: t, Dir: r.Dir, Conf: r.Conf, Addr: r.Addr, Mode: "binary", cmd: cmd, out: out, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.Stop(syscall.SIGTERM, 10*time.Second) })
	return p
}

// waitServing waits until Addr accepts a connection, or the process exits.
func (p *spProc) waitServing(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited (%v) before listening on %s", p.err, p.Addr)
		default:
		}
		c, err := net.DialTimeout("tcp", p.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %v", p.Addr, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Pid is the process id.
func (p *spProc) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig to the process.
func (p *spProc) Signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %v: %v", sig, err)
	}
}

// Wait waits for the process to exit and returns its exit status, or -1
// when it is still running after timeout.
func (p *spProc) Wait(timeout time.Duration) int {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return -1
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	if p.err != nil {
		return -1
	}
	return 0
}

// Exited reports whether the process has ended.
func (p *spProc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends sig and kills the process group after grace. Safe to call twice.
func (p *spProc) Stop(sig syscall.Signal, grace time.Duration) {
	if p.Exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Output is what the process wrote to stdout and stderr.
func (p *spProc) Output() string { return p.out.String() }

// ErrorLog is the text of logs/error.log.
func (p *spProc) ErrorLog() string { return readFileString(filepath.Join(p.Dir, "logs", "error.log")) }

// AccessLog is the text of logs/access.log.
func (p *spProc) AccessLog() string {
	return readFileString(filepath.Join(p.Dir, "logs", "access.log"))
}

func readFileString(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}
