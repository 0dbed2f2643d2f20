package rewrite

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
	"sliceproxy/proxy/route"
	"sliceproxy/vars"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// differentialConfs are the configurations both nginx and route+rewrite
// run; each has a .golden file with route+rewrite's answers.
func differentialConfs(t *testing.T) []string {
	files, _ := filepath.Glob("../../testdata/rewrite/*.conf")
	if len(files) == 0 {
		t.Fatal("no differential configs")
	}
	return files
}

// goServer is one server block as route+rewrite run it.
type goServer struct {
	names  *route.ServerNames
	script *Script[string]
	tree   *route.Tree[*Script[string]]
}

// goConfig is the whole differential config on the Go side.
type goConfig struct {
	reg     *vars.Registry
	router  *route.ServerRouter
	servers []goServer
}

func loadGoConfig(t testing.TB, src string) *goConfig {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes("differential.conf", []byte("http {\n"+src+"\n}\n"), nginxconf.Options{SingleFile: true})
	if len(diags) > 0 {
		t.Fatal(diagMessages(diags))
	}
	httpBody := cfg.Directives()[0].Body()
	g := &goConfig{reg: vars.NewRegistry(vars.RegistryOptions{Hostname: "difftest"})}
	var all []nginxconf.Diagnostic
	all = append(all, DeclareSets(httpBody, g.reg)...)
	var cands []route.Candidate
	for _, d := range httpBody {
		if d.Name != "server" {
			continue
		}
		body := d.Body()
		var s goServer
		var diags []nginxconf.Diagnostic
		s.names, diags = route.CompileServerNames(body, route.NameOptions{Hostname: "difftest", Registry: g.reg})
		all = append(all, diags...)
		s.script, diags = Compile[string](body, ServerLevel, g.reg)
		all = append(all, diags...)
		s.tree, diags = route.Build[*Script[string]](body, route.BuildOptions{Registry: g.reg})
		all = append(all, diags...)
		for _, l := range s.tree.Locations() {
			l.Payload, diags = Compile[string](l.Directive.Body(), LocationLevel, g.reg)
			all = append(all, diags...)
		}
		c := route.Candidate{Server: len(g.servers), Names: s.names}
		for _, ld := range body {
			if ld.Name == "listen" && strings.Contains(strings.Join(ld.ArgValues(), " "), "default_server") {
				c.Default = true
			}
		}
		cands = append(cands, c)
		g.servers = append(g.servers, s)
	}
	var diags2 []nginxconf.Diagnostic
	g.router, diags2 = route.NewServerRouter("__LISTEN__", cands)
	all = append(all, diags2...)
	for _, d := range all {
		if d.Severity == nginxconf.SevError {
			t.Fatal(diagMessages(all))
		}
	}
	return g
}

// answer is what a client sees, reduced to what both sides can compare.
type answer struct {
	status   int
	location string // path and query only: nginx makes redirects absolute
	body     string // only for answers with a text of their own
}

func (a answer) String() string {
	s := strconv.Itoa(a.status)
	if a.location != "" {
		s += " Location: " + a.location
	}
	if a.body != "" {
		s += " " + strconv.Quote(a.body)
	}
	return s
}

// serve answers one request as the proxy core would with route+rewrite.
func (g *goConfig) serve(host, target string) answer {
	path, query, hasQuery := strings.Cut(target, "?")
	c := &http1.Request{Method: []byte("GET"), Target: []byte(target), Path: []byte(path), Proto: []byte("HTTP/1.1"),
		ProtoMajor: 1, ProtoMinor: 1, ContentLength: -1}
	if hasQuery {
		c.Query, c.HasQuery = []byte(query), true
	}
	if host != "" {
		c.HostHeader = []byte(host)
	}
	req := g.reg.NewRequest()
	if err := req.SetClient(c); err != nil {
		return answer{status: 400}
	}
	h, ok := vars.ValidateHost(nil, []byte(host))
	if !ok && host != "" {
		return answer{status: 400}
	}
	srv := g.servers[g.router.Select(h, req)]
	budget := NewBudget()
	sel := Select(req, Env{FS: fakeFS{}}, srv.script, srv.tree,
		func(l *route.Location[*Script[string]]) *Script[string] { return l.Payload }, &budget)
	if sel.AutoRedirect {
		loc := string(req.URI) + "/"
		if len(req.Args) > 0 {
			loc += "?" + string(req.Args)
		}
		return answer{status: 301, location: loc}
	}
	res := sel.Result
	a := answer{status: res.Status, location: stripOrigin(res.Location)}
	if res.HasBody && res.Status < 300 || res.HasBody && res.Status >= 400 {
		a.body = string(res.Body)
	}
	if a.status == 0 {
		// The rewrite module did not answer: the content phase serves a
		// static file, and the differential config's root has none.
		a.status = 404
	}
	return a
}

// stripOrigin drops "scheme://host[:port]" from an absolute redirect.
func stripOrigin(loc string) string {
	for _, scheme := range []string{"http://", "https://"} {
		if rest, ok := strings.CutPrefix(loc, scheme); ok {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				return rest[i:]
			}
			return "/"
		}
	}
	return loc
}

// requests lists the "#> host uri" lines of a config.
func requests(src string) [][2]string {
	var out [][2]string
	sc := bufio.NewScanner(strings.NewReader(src))
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "#> ")
		if !ok {
			continue
		}
		host, uri, _ := strings.Cut(line, " ")
		if host == "-" {
			host = ""
		}
		out = append(out, [2]string{host, uri})
	}
	return out
}

func TestDifferentialGolden(t *testing.T) {
	for _, file := range differentialConfs(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			g := loadGoConfig(t, string(src))
			var out strings.Builder
			for _, r := range requests(string(src)) {
				fmt.Fprintf(&out, "%s %s -> %s\n", orDash(r[0]), r[1], g.serve(r[0], r[1]))
			}
			golden := strings.TrimSuffix(file, ".conf") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if out.String() != string(want) {
				t.Errorf("output differs from %s:\n%s", golden, out.String())
			}
		})
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// TestDifferentialNginx runs the differential config in a real nginx and
// compares its answers with route+rewrite's, request by request.
func TestDifferentialNginx(t *testing.T) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx"} {
			if _, err := os.Stat(p); err == nil {
				bin = p
			}
		}
	}
	if bin == "" {
		t.Skip("nginx not installed; skipping the differential test")
	}
	for _, file := range differentialConfs(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			g := loadGoConfig(t, string(src))
			addr := startNginx(t, bin, string(src))
			for _, r := range requests(string(src)) {
				want := g.serve(r[0], r[1])
				got, err := askNginx(addr, r[0], r[1])
				if err != nil {
					t.Fatalf("%s %s: %v", r[0], r[1], err)
				}
				if got.status >= 400 && want.body == "" {
					got.body = "" // nginx's own error page
				}
				if got != want {
					t.Errorf("%s %s:\n nginx:      %s\n sliceproxy: %s", orDash(r[0]), r[1], got, want)
				}
			}
		})
	}
}

// startNginx runs nginx in the foreground on a free loopback port with the
// config's servers and stops it when the test ends.
func startNginx(t *testing.T, bin, servers string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	conf := fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    default_type text/plain;
%[2]s
}
`, dir, strings.ReplaceAll(servers, "__LISTEN__", addr))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return addr
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx exited: %v\n%s\n%s", err, stderr.String(), log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not start listening on %s: %s", addr, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// askNginx sends one request and reads the answer (HTTP/1.0 without Host
// when host is empty).
func askNginx(addr, host, target string) (answer, error) {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		return answer{}, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	reqText := "GET " + target + " HTTP/1.0\r\n"
	if host != "" {
		reqText = "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
	}
	if _, err := io.WriteString(c, reqText+"\r\n"); err != nil {
		return answer{}, err
	}
	raw, err := io.ReadAll(c)
	if err != nil {
		return answer{}, err
	}
	head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	fields := strings.Fields(lines[0])
	if len(fields) < 2 {
		return answer{}, fmt.Errorf("bad status line %q", lines[0])
	}
	var a answer
	a.status, _ = strconv.Atoi(fields[1])
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "Location") {
			a.location = stripOrigin(strings.TrimSpace(v))
		}
	}
	if a.location == "" {
		a.body = string(body)
	}
	return a, nil
}
