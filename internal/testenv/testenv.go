// Package testenv starts the real peers sliceproxy is tested against — Debian's
// nginx and Apache httpd with mpm-itk — as child processes on 127.0.0.1, each
// in its own temporary directory, and stops them when the test ends.
//
// A test that needs a peer whose package is missing is skipped with a message
// naming the Debian package; .ci/run installs them so CI runs every test.
package testenv

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. The
// kernel picks it; a peer that must be told its port in a config file (nginx,
// Apache) cannot bind :0 itself.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: reserve a port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// LookBinary returns the path of a program, or skips the test naming the
// Debian package that provides it.
func LookBinary(t testing.TB, name, debianPackage string) string {
	t.Helper()
	for _, dir := range []string{"", "/usr/sbin/", "/usr/local/sbin/", "/usr/bin/"} {
		p := dir + name
		if dir == "" {
			if lp, err := exec.LookPath(name); err == nil {
				return lp
			}
			continue
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	t.Skipf("testenv: %s not found; install the Debian package %q (.ci/run does)", name, debianPackage)
	return ""
}

// WaitPort waits until something accepts TCP connections on addr.
func WaitPort(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing listens on %s after %v: %w", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// process is a started child that Stop ends, escalating from a polite
// signal to SIGKILL.
type process struct {
	cmd    *exec.Cmd
	done   chan struct{}
	output *LockedBuffer
}

// LockedBuffer collects a child's output; exec's copying goroutines write
// while a test may read.
type LockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *LockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func startProcess(t testing.TB, dir string, name string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out := &LockedBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	// Its own process group, so Stop can reach every child it forks.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start %s: %v", name, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{}), output: out}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p
}

// stop sends sig to the process group and waits; after grace it kills.
func (p *process) stop(sig syscall.Signal, grace time.Duration) {
	if p == nil || p.cmd.Process == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, sig)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// readLines returns the lines of a file, or nil when it cannot be read.
func readLines(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// writeFile writes a file, failing the test on error.
func writeFile(t testing.TB, path string, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// groupPids lists the processes in p's process group (the process and every
// child it forked, e.g. Apache's prefork children).
func (p *process) groupPids() []int {
	if p == nil || p.cmd.Process == nil {
		return nil
	}
	out, err := exec.Command("ps", "-o", "pid=", "-g", fmt.Sprint(p.cmd.Process.Pid)).Output()
	if err != nil {
		return []int{p.cmd.Process.Pid}
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		var n int
		if _, err := fmt.Sscan(f, &n); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// Proc is a child process started by Start.
type Proc struct{ p *process }

// Start runs a program in dir (in its own process group, output captured)
// and stops it with SIGTERM, then SIGKILL, when the test ends.
func Start(t testing.TB, dir, name string, args ...string) *Proc {
	t.Helper()
	pr := &Proc{p: startProcess(t, dir, name, args...)}
	t.Cleanup(func() { pr.Stop(syscall.SIGTERM) })
	return pr
}

// Stop sends sig to the process group and waits up to 10 s before SIGKILL.
func (pr *Proc) Stop(sig syscall.Signal) {
	if !pr.p.exited() {
		pr.p.stop(sig, 10*time.Second)
	}
}

// Exited reports whether the process has ended.
func (pr *Proc) Exited() bool { return pr.p.exited() }

// Output returns what the process wrote to stdout and stderr so far.
func (pr *Proc) Output() string { return pr.p.output.String() }

// Pids lists the processes of the group.
func (pr *Proc) Pids() []int { return pr.p.groupPids() }

// RefusingAddr returns a loopback address whose connections are refused
// (ECONNREFUSED) for the rest of the test. A socket stays bound to the port
// without listening: a port only closed again after listening would go back
// to the kernel, which hands it to the next listener on :0 — a test backend —
// and the "dead" upstream would answer.
func RefusingAddr(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("testenv: socket: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatalf("testenv: bind 127.0.0.1:0: %v", err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatalf("testenv: getsockname: %v", err)
	}
	return fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
}
