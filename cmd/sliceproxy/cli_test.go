package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"sliceproxy/nginxconf"
)

var updateCLIGoldens = flag.Bool("update-cli", false, "rewrite testdata/cli/*.golden")

func testdataDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "testdata", "cli"))
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// runCLI runs the program in-process.
func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return out.String(), errOut.String(), code
}

// splitArgs splits a golden's argument line on spaces, keeping
// single-quoted parts together (quotes removed).
func splitArgs(line string) []string {
	var args []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range line {
		switch {
		case r == '\'':
			inQuote, have = !inQuote, true
		case r == ' ' && !inQuote:
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}

// TestCLIGoldens runs each testdata/cli/*.golden: its first line
// "# args: ..." is the command line ($DIR is testdata/cli); the rest is the
// expected exit status, stdout and stderr, with $DIR for the directory.
func TestCLIGoldens(t *testing.T) {
	dir := testdataDir(t)
	goldens, err := filepath.Glob(filepath.Join(dir, "*.golden"))
	if err != nil || len(goldens) == 0 {
		t.Fatalf("no goldens in %s: %v", dir, err)
	}
	for _, golden := range goldens {
		t.Run(strings.TrimSuffix(filepath.Base(golden), ".golden"), func(t *testing.T) {
			data, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			first, _, _ := strings.Cut(string(data), "\n")
			argLine, ok := strings.CutPrefix(first, "# args:")
			if !ok {
				t.Fatalf("%s: first line must be \"# args: ...\"", golden)
			}
			args := splitArgs(strings.ReplaceAll(strings.TrimSpace(argLine), "$DIR", dir))
			stdout, stderr, code := runCLI(args...)
			got := fmt.Sprintf("%s\n# exit: %d\n--- stdout\n%s--- stderr\n%s", first, code, stdout, stderr)
			got = strings.ReplaceAll(got, dir, "$DIR")
			if *updateCLIGoldens {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if got != string(data) {
				t.Errorf("output differs from %s (go test -run TestCLIGoldens -update-cli rewrites it)\n--- got\n%s--- want\n%s", golden, got, data)
			}
		})
	}
}

func TestParseNginxFlags(t *testing.T) {
	tests := []struct {
		args    []string
		want    options
		wantErr string
	}{
		{args: nil, want: options{prefix: "/etc/nginx/", confFile: "/etc/nginx/nginx.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-tq"}, want: options{test: true, quiet: true, prefix: "/etc/nginx/", confFile: "/etc/nginx/nginx.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-T"}, want: options{test: true, dump: true, prefix: "/etc/nginx/", confFile: "/etc/nginx/nginx.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-p/x", "-cconf/a.conf", "-e", "stderr"}, want: options{prefix: "/x/", confFile: "/x/conf/a.conf", errorLog: "stderr"}},
		{args: []string{"-p", "/x/", "-c", "/abs/n.conf", "-e", "e.log"}, want: options{prefix: "/x/", confFile: "/abs/n.conf", errorLog: "/x/e.log"}},
		{args: []string{"-tc/a.conf"}, want: options{test: true, prefix: "/etc/nginx/", confFile: "/a.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-g", "daemon off;", "-s", "reload"}, want: options{globals: "daemon off;", signal: "reload", prefix: "/etc/nginx/", confFile: "/etc/nginx/nginx.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-squit"}, want: options{signal: "quit", prefix: "/etc/nginx/", confFile: "/etc/nginx/nginx.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-V"}, want: options{showVersion: true, showConfigure: true, prefix: "/etc/nginx/", confFile: "/etc/nginx/nginx.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-?"}, want: options{showVersion: true, showHelp: true, prefix: "/etc/nginx/", confFile: "/etc/nginx/nginx.conf", errorLog: "/etc/nginx/logs/error.log"}},
		{args: []string{"-x"}, wantErr: `invalid option: "x"`},
		{args: []string{"-tx"}, wantErr: `invalid option: "x"`},
		{args: []string{"t"}, wantErr: `invalid option: "t"`},
		{args: []string{"-"}, wantErr: `invalid option: "-"`},
		{args: []string{"-c"}, wantErr: `option "-c" requires file name`},
		{args: []string{"-p"}, wantErr: `option "-p" requires directory name`},
		{args: []string{"-g"}, wantErr: `option "-g" requires parameter`},
		{args: []string{"-s"}, wantErr: `option "-s" requires parameter`},
		{args: []string{"-s", "restart"}, wantErr: `invalid option: "-s restart"`},
	}
	for _, tt := range tests {
		o, err := parseNginxFlags(tt.args)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("parseNginxFlags(%q) error = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseNginxFlags(%q): %v", tt.args, err)
			continue
		}
		o.prefixGiven, o.confGiven, o.errorLogGiven = false, false, false
		if *o != tt.want {
			t.Errorf("parseNginxFlags(%q) = %+v, want %+v", tt.args, *o, tt.want)
		}
	}
}

// TestVersionConfigureArguments checks -V's lines and that the configure
// arguments follow the directive table.
func TestVersionConfigureArguments(t *testing.T) {
	_, stderr, code := runCLI("-V")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"sliceproxy version: sliceproxy/" + version + "\n",
		"nginx version: nginx/1.28.0\n",
		"built with Go " + runtime.Version() + "\n",
		"--with-http_ssl_module",
		"--without-http_fastcgi_module",
		"--without-http_gzip_module",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("-V output lacks %q:\n%s", want, stderr)
		}
	}
	for _, notWant := range []string{"--without-http_proxy_module", "--without-http_map_module",
		"--without-http_rewrite_module", "--without-http_upstream_keepalive_module", "--with-http_realip_module"} {
		if strings.Contains(stderr, notWant) {
			t.Errorf("-V output claims %q, which contradicts the directive table", notWant)
		}
	}
}

// TestSignalStopsProcess runs -s stop against a real process named by the
// pid file and checks that it received SIGTERM.
func TestSignalStopsProcess(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	cmd := exec.Command(sleep, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-done
	}()
	dir := t.TempDir()
	pidPath := filepath.Join(dir, "test.pid")
	if err := os.WriteFile(pidPath, []byte(fmt.Sprintf("%d\n", cmd.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte("pid test.pid;\nevents {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI("-p", dir, "-c", "nginx.conf", "-s", "stop")
	if code != 0 {
		t.Fatalf("-s stop: exit %d: %s", code, stderr)
	}
	select {
	case <-done:
		done <- nil // let the deferred cleanup's receive succeed
		ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
			t.Errorf("process ended with %v, want SIGTERM", cmd.ProcessState)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("process did not stop after -s stop")
	}
}

func TestDirectivesJSON(t *testing.T) {
	stdout, _, code := runCLI("directives", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var rows []directiveJSON
	if err := json.Unmarshal([]byte(stdout), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(nginxconf.Specs()) {
		t.Errorf("%d rows, table has %d", len(rows), len(nginxconf.Specs()))
	}
	found := false
	for _, r := range rows {
		if r.Name == "keepalive" && r.Status == "implemented" && r.Contexts[0] == "upstream" {
			found = true
		}
	}
	if !found {
		t.Error("keepalive (upstream, implemented) missing from the JSON table")
	}
	if _, _, code := runCLI("directives", "--format", "yaml"); code != 2 {
		t.Errorf("unknown format: exit %d, want 2", code)
	}
}

// TestReadmeDirectiveTable checks that README.md's generated section is
// what "sliceproxy directives --format markdown" prints now.
func TestReadmeDirectiveTable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Skipf("no README.md: %v", err)
	}
	const begin, end = "<!-- directives:begin -->\n", "<!-- directives:end -->"
	_, rest, ok := strings.Cut(string(data), begin)
	section, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Skip("README.md has no directives:begin/end markers yet")
	}
	if section != directivesMarkdown() {
		t.Errorf("README.md's directive table is stale: regenerate it (make readme) so the text between " +
			"the markers is exactly the output of \"sliceproxy directives --format markdown\"")
	}
}

// TestSocketIOEnv: SLICEPROXY_SOCKET_IO takes raw or runtime; anything else
// stops the start with a message naming it, before the configuration is read.
func TestSocketIOEnv(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.conf")
	for _, tt := range []struct {
		value   string
		wantMsg string // in stderr
	}{
		{"bogus", `invalid SLICEPROXY_SOCKET_IO value "bogus" (raw or runtime)`},
		{"raw", "missing.conf"},
		{"runtime", "missing.conf"},
		{"", "missing.conf"},
	} {
		t.Run(tt.value, func(t *testing.T) {
			t.Setenv(socketIOEnv, tt.value)
			_, stderr, code := runCLI("-c", missing)
			if code != 1 || !strings.Contains(stderr, tt.wantMsg) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tt.wantMsg)
			}
			if tt.value != "bogus" && strings.Contains(stderr, socketIOEnv) {
				t.Errorf("valid value %q rejected: %q", tt.value, stderr)
			}
		})
	}
}
