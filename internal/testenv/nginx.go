package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Nginx is a running Debian nginx, started by StartNginx.
type Nginx struct {
	// Dir is the prefix: the config, logs and temp paths live below it.
	Dir string
	// Addr is "127.0.0.1:PORT" of the first listen, as given to StartNginx.
	Addr string
	proc *process
}

// NginxConfig is what a test gives StartNginx. HTTP is the body of the http{}
// block; "{{PORT}}" in it is replaced by a free port (see Nginx.Addr) and
// "{{DIR}}" by the prefix directory.
type NginxConfig struct {
	HTTP string
	// Main is extra main-context directives.
	Main string
	// WorkerConnections sets events{worker_connections}; default 1024.
	WorkerConnections int
	// Files are extra files written below the prefix before start
	// (relative name → content), e.g. includes or docroots.
	Files map[string]string
}

// NginxMainConfig renders the complete nginx.conf StartNginx runs: one worker,
// foreground, every path below dir, logs in dir/logs.
func NginxMainConfig(dir string, c NginxConfig) string {
	if c.WorkerConnections == 0 {
		c.WorkerConnections = 1024
	}
	return fmt.Sprintf(`worker_processes 1;
daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log info;
%[2]s
events { worker_connections %[4]d; }
http {
    access_log %[1]s/logs/access.log;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
%[3]s
}
`, dir, c.Main, c.HTTP, c.WorkerConnections)
}

// StartNginx runs nginx with the given http{} body and waits until it
// accepts connections on its port. It is stopped when the test ends.
func StartNginx(t testing.TB, c NginxConfig) *Nginx {
	t.Helper()
	bin := LookBinary(t, "nginx", "nginx")
	dir := t.TempDir()
	port := FreePort(t)
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	expand := func(s string) string {
		s = strings.ReplaceAll(s, "{{PORT}}", fmt.Sprint(port))
		return strings.ReplaceAll(s, "{{DIR}}", dir)
	}
	for name, body := range c.Files {
		writeFile(t, filepath.Join(dir, name), expand(body))
	}
	c.HTTP, c.Main = expand(c.HTTP), expand(c.Main)
	conf := filepath.Join(dir, "nginx.conf")
	writeFile(t, conf, NginxMainConfig(dir, c))
	if out, err := exec.Command(bin, "-t", "-q", "-p", dir+"/", "-c", conf).CombinedOutput(); err != nil {
		t.Fatalf("testenv: nginx -t rejected the test config: %v\n%s\n%s", err, out, NginxMainConfig(dir, c))
	}
	n := &Nginx{Dir: dir, Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	n.proc = startProcess(t, dir, bin, "-p", dir+"/", "-c", conf)
	t.Cleanup(n.Stop)
	if err := WaitPort(n.Addr, 10*time.Second); err != nil {
		n.Stop()
		t.Fatalf("testenv: nginx did not start: %v\n%s\nerror.log:\n%s", err, n.proc.output,
			tail(strings.Join(readLines(filepath.Join(dir, "logs/error.log")), "\n"), 20))
	}
	return n
}

// Stop ends nginx (QUIT, then KILL after 5 s). Safe to call twice.
func (n *Nginx) Stop() {
	if n.proc != nil && !n.proc.exited() {
		n.proc.stop(syscall.SIGQUIT, 5*time.Second)
	}
}

// ErrorLog returns the lines of nginx's error log.
func (n *Nginx) ErrorLog() []string { return readLines(filepath.Join(n.Dir, "logs/error.log")) }

// AccessLog returns the lines of nginx's access log.
func (n *Nginx) AccessLog() []string { return readLines(filepath.Join(n.Dir, "logs/access.log")) }

// Pids lists nginx's processes.
func (n *Nginx) Pids() []int { return n.proc.groupPids() }
