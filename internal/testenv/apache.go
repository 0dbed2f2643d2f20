package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ITKVhosts are the vhosts of the mpm-itk backend, each run by its own Unix
// user (itk_a, itk_b, itk_c), as in ../shared/lab/itk. The first is Apache's
// default vhost for unknown Host headers.
var ITKVhosts = []string{"a.test", "b.test", "c.test"}

// ITKBodySize is the size of each vhost's index.html.
const ITKBodySize = 1024

// Apache is a running Apache httpd (prefork + mpm-itk) started by StartApacheITK.
type Apache struct {
	Dir  string
	Addr string
	proc *process
}

// ApacheITKOptions tune the backend; zero values take the lab's settings.
type ApacheITKOptions struct {
	KeepAliveTimeout     int // seconds, default 5
	MaxKeepAliveRequests int // default 100
}

const apacheITKConf = `ServerRoot "{{DIR}}"
ServerName 127.0.0.1
PidFile "{{DIR}}/httpd.pid"
DefaultRuntimeDir "{{DIR}}"
ErrorLog "{{DIR}}/error.log"
LogLevel warn
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule mpm_itk_module     /usr/lib/apache2/modules/mpm_itk.so
LoadModule authz_core_module  /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module        /usr/lib/apache2/modules/mod_mime.so
LoadModule dir_module         /usr/lib/apache2/modules/mod_dir.so
User www-data
Group www-data
Listen 127.0.0.1:{{PORT}}
<IfModule mpm_prefork_module>
    StartServers            48
    MinSpareServers         16
    MaxSpareServers         64
    ServerLimit            160
    MaxRequestWorkers      160
    MaxConnectionsPerChild   0
</IfModule>
KeepAlive On
KeepAliveTimeout {{KATIMEOUT}}
MaxKeepAliveRequests {{KAMAX}}
Timeout 30
TypesConfig /etc/mime.types
DirectoryIndex index.html
ServerTokens Prod
ServerSignature Off
HostnameLookups Off
# %k = keepalive request number on the connection: 0 marks a new connection.
LogFormat "%a %{remote}p %P %k %X %v \"%{Host}i\" %t \"%r\" %>s %B %D" itklab
CustomLog "{{DIR}}/access.log" itklab
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{{DIR}}/htdocs">
    AllowOverride None
    Options None
    Require all granted
</Directory>
{{VHOSTS}}`

// StartApacheITK runs Apache with mpm-itk and three vhosts a.test, b.test,
// c.test, each as its own user, like the lab. It needs root (mpm-itk switches
// users) and skips otherwise. Apache is stopped when the test ends.
func StartApacheITK(t testing.TB, opt ApacheITKOptions) *Apache {
	t.Helper()
	bin := LookBinary(t, "apache2", "apache2")
	if _, err := os.Stat("/usr/lib/apache2/modules/mpm_itk.so"); err != nil {
		t.Skip("testenv: mpm_itk.so not found; install the Debian package \"libapache2-mpm-itk\" (.ci/run does)")
	}
	if os.Geteuid() != 0 {
		t.Skip("testenv: Apache mpm-itk needs root to switch users")
	}
	if opt.KeepAliveTimeout == 0 {
		opt.KeepAliveTimeout = 5
	}
	if opt.MaxKeepAliveRequests == 0 {
		opt.MaxKeepAliveRequests = 100
	}
	dir := t.TempDir()
	// The temp dir must be traversable by the vhost users.
	for d := dir; d != "/" && d != "."; d = filepath.Dir(d) {
		if st, err := os.Stat(d); err == nil && st.Mode().Perm()&0o001 == 0 {
			_ = os.Chmod(d, st.Mode().Perm()|0o011)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, "htdocs"), 0o755); err != nil {
		t.Fatal(err)
	}
	port := FreePort(t)
	var vhosts strings.Builder
	for _, vh := range ITKVhosts {
		u := "itk_" + vh[:1]
		uid, gid := ensureUser(t, u)
		root := filepath.Join(dir, "htdocs", vh[:1])
		if err := os.Mkdir(root, 0o750); err != nil {
			t.Fatal(err)
		}
		body := strings.Repeat(vh[:1], ITKBodySize-1) + "\n"
		if err := os.WriteFile(filepath.Join(root, "index.html"), []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
		// Only the vhost's user can read its docroot, so a request served
		// under the wrong uid could not even read the file.
		for _, p := range []string{root, filepath.Join(root, "index.html")} {
			if err := os.Chown(p, uid, gid); err != nil {
				t.Fatal(err)
			}
		}
		_ = os.Chmod(root, 0o750)
		fmt.Fprintf(&vhosts, "<VirtualHost 127.0.0.1:%d>\n    ServerName %s\n    DocumentRoot %q\n    AssignUserID %s %s\n</VirtualHost>\n",
			port, vh, root, u, u)
	}
	conf := strings.NewReplacer("{{DIR}}", dir, "{{PORT}}", strconv.Itoa(port),
		"{{KATIMEOUT}}", strconv.Itoa(opt.KeepAliveTimeout), "{{KAMAX}}", strconv.Itoa(opt.MaxKeepAliveRequests),
		"{{VHOSTS}}", vhosts.String()).Replace(apacheITKConf)
	confPath := filepath.Join(dir, "httpd.conf")
	writeFile(t, confPath, conf)
	a := &Apache{Dir: dir, Addr: fmt.Sprintf("127.0.0.1:%d", port)}
	a.proc = startProcess(t, dir, bin, "-f", confPath, "-DFOREGROUND")
	t.Cleanup(a.Stop)
	if err := WaitPort(a.Addr, 15*time.Second); err != nil {
		a.Stop()
		t.Fatalf("testenv: apache did not start: %v\n%s\n%s", err, a.proc.output, strings.Join(a.ErrorLog(), "\n"))
	}
	// Let prefork spawn StartServers before load arrives.
	time.Sleep(300 * time.Millisecond)
	return a
}

// ensureUser creates a system user (as the lab's run.sh does) when missing.
func ensureUser(t testing.TB, name string) (uid, gid int) {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		out, err := exec.Command("useradd", "-r", "-M", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", name).CombinedOutput()
		if err != nil {
			t.Skipf("testenv: cannot create user %s: %v %s", name, err, out)
		}
		if u, err = user.Lookup(name); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// Stop ends Apache and every mpm-itk child (TERM to the process group, then KILL).
func (a *Apache) Stop() {
	if a.proc != nil && !a.proc.exited() {
		a.proc.stop(syscall.SIGTERM, 10*time.Second)
	}
}

// ErrorLog returns the lines of Apache's error log.
func (a *Apache) ErrorLog() []string { return readLines(filepath.Join(a.Dir, "error.log")) }

// AccessEntry is one line of the itklab access log.
type AccessEntry struct {
	RemotePort int
	PID        int
	// KeepAliveN is %k: 0 for the first request on a new connection.
	KeepAliveN int
	Vhost      string
	Host       string
	Status     int
}

// AccessLog parses Apache's access log.
func (a *Apache) AccessLog() []AccessEntry {
	var out []AccessEntry
	for _, l := range readLines(filepath.Join(a.Dir, "access.log")) {
		f := strings.Fields(l)
		if len(f) < 7 {
			continue
		}
		var e AccessEntry
		e.RemotePort, _ = strconv.Atoi(f[1])
		e.PID, _ = strconv.Atoi(f[2])
		e.KeepAliveN, _ = strconv.Atoi(f[3])
		e.Vhost = f[5]
		e.Host = strings.Trim(f[6], `"`)
		// status is the second field after the quoted request line
		if i := strings.LastIndex(l, `" `); i >= 0 {
			rest := strings.Fields(l[i+2:])
			if len(rest) > 0 {
				e.Status, _ = strconv.Atoi(rest[0])
			}
		}
		out = append(out, e)
	}
	return out
}

// NewConnections counts, per vhost, the requests that arrived on a new TCP
// connection (%k == 0): the number of upstream connections the proxy opened
// that carried at least one request.
func (a *Apache) NewConnections() map[string]int {
	out := map[string]int{}
	for _, e := range a.AccessLog() {
		if e.KeepAliveN == 0 {
			out[e.Vhost]++
		}
	}
	return out
}

// ITKCloses counts mpm-itk's "closing connection" warnings: a request that
// arrived on a connection already switched to another vhost's user.
func (a *Apache) ITKCloses() int {
	n := 0
	for _, l := range a.ErrorLog() {
		if strings.Contains(l, "Couldn't set uid/gid/priority, closing connection") {
			n++
		}
	}
	return n
}

// Pids lists Apache's processes (master, prefork children, mpm-itk children).
func (a *Apache) Pids() []int { return a.proc.groupPids() }
