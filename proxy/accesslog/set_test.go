package accesslog

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// parseLevels parses an http{} body and returns the http statements, the
// first server's and that server's locations' statements.
func parseLevels(t *testing.T, dir, body string) (http, server []*nginxconf.Directive, locs [][]*nginxconf.Directive) {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes(filepath.Join(dir, "nginx.conf"), []byte("http {\n"+body+"\n}\n"), nginxconf.Options{Prefix: dir})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("parse: %v", d)
		}
	}
	http = cfg.Directives()[0].Body()
	for _, d := range http {
		if d.Name == "server" {
			server = d.Body()
			for _, l := range server {
				if l.Name == "location" {
					locs = append(locs, l.Body())
				}
			}
			break
		}
	}
	return http, server, locs
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type built struct {
	set          *Set
	http, server *Config
	locs         []*Config
	diags        []nginxconf.Diagnostic
	reg          *vars.Registry
	dir          string
}

func buildSet(t *testing.T, body string, now func() time.Time) *built {
	t.Helper()
	dir := t.TempDir()
	body = strings.ReplaceAll(body, "{{DIR}}", dir)
	httpDirs, srv, locs := parseLevels(t, dir, body)
	reg := vars.NewRegistry(vars.RegistryOptions{})
	b := &built{reg: reg, dir: dir}
	b.set = NewSet(reg, Options{Prefix: dir, Now: now})
	b.diags = append(b.diags, b.set.LoadFormats(httpDirs)...)
	var ds []nginxconf.Diagnostic
	b.http, ds = b.set.Merge(nil, httpDirs)
	b.diags = append(b.diags, ds...)
	b.server, ds = b.set.Merge(b.http, srv)
	b.diags = append(b.diags, ds...)
	for _, l := range locs {
		c, ds := b.set.Merge(b.server, l)
		b.diags = append(b.diags, ds...)
		b.locs = append(b.locs, c)
	}
	return b
}

func (b *built) request(status int) *vars.Request {
	req := b.reg.NewRequest()
	req.Response.Status = status
	return req
}

func TestMergeInheritance(t *testing.T) {
	b := buildSet(t, `
        log_format short '$status';
        access_log {{DIR}}/http.log short;
        server {
            location /inherit/ { }
            location /off/ { access_log off; }
            location /two/ { access_log {{DIR}}/a.log short; access_log b.log short; }
        }`, nil)
	if len(b.diags) > 0 {
		t.Fatalf("diagnostics: %v", b.diags)
	}
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	b.locs[0].Log(b.request(200)) // inherits http.log
	b.locs[1].Log(b.request(201)) // off
	b.locs[2].Log(b.request(202)) // a.log and b.log (relative to the prefix)
	if err := b.set.Close(); err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{"http.log": "200\n", "a.log": "202\n", "b.log": "202\n"} {
		got, _ := os.ReadFile(filepath.Join(b.dir, file))
		if string(got) != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
	if b.locs[1].Enabled() {
		t.Error("access_log off is enabled")
	}
}

func TestDefaultAccessLog(t *testing.T) {
	b := buildSet(t, `server { location / { } }`, func() time.Time { return time.Unix(0, 0).UTC() })
	files := b.set.Files()
	if len(files) != 1 || files[0].Path != filepath.Join(b.dir, "logs/access.log") {
		t.Fatalf("files %v", files)
	}
	if f, ok := b.set.Format("combined"); !ok || f.Name != "combined" {
		t.Fatal("combined not compiled")
	}
}

func TestMergeDiagnostics(t *testing.T) {
	tests := []struct{ body, want string }{
		{`log_format a '$status'; log_format a '$status'; server {}`, `duplicate "log_format" name "a"`},
		{`log_format combined '$status'; server {}`, `duplicate "log_format" name "combined"`},
		{`log_format a escape=xml '$status'; server {}`, `unknown log format escaping "xml"`},
		{`server { access_log x.log nosuch; }`, `unknown log format "nosuch"`},
		{`server { access_log x.log combined buffer=0; }`, `invalid buffer size "0"`},
		{`server { access_log x.log combined flush=5s; }`, `no buffer is defined for access_log "x.log"`},
		{`server { access_log x.log combined gzip=10; }`, `invalid compression level "10"`},
		{`server { access_log x.log combined bogus; }`, `invalid parameter "bogus"`},
		{`server { access_log off x; }`, `invalid parameter "x"`},
		{`server { access_log x.log combined buffer=4k; access_log x.log combined buffer=8k; }`, `access_log "x.log" already defined with conflicting parameters`},
		{`server { access_log syslog:facility=local0 combined; }`, `no syslog server specified`},
		{`server { access_log syslog:server=127.0.0.1,tag=a-b combined; }`, `syslog "tag" only allows alphanumeric characters and underscore`},
		{`server { access_log syslog:server=127.0.0.1,facility=local9; }`, `unknown syslog facility "local9"`},
		{`server { access_log syslog:server=127.0.0.1,severity=warning; }`, `unknown syslog severity "warning"`},
		{`server { access_log syslog:server=127.0.0.1,bogus; }`, `unknown syslog parameter "bogus"`},
		{`server { access_log syslog:server=127.0.0.1 combined buffer=4k; }`, `logs to syslog cannot be buffered`},
		{`server { access_log memory:32m; }`, `access_log to memory is not supported: "memory:32m" is ignored`},
		{`server { access_log "pipe:rollback logs/access_log interval=1d" combined; }`, `tengine's "pipe:rollback" rotation is not supported: the log is written to "logs/access_log" (rotate it with logrotate and USR1)`},
		{`server { access_log "pipe:" combined; }`, `access_log to an empty pipe is not supported: "pipe:" is ignored`},
		{`server { access_log /var/log/$host.log combined buffer=4k; }`, `buffered logs cannot have variables in name`},
		{`log_format a '$nosuchvar'; server {}`, `unknown "nosuchvar" variable`},
		{`log_format a '$nosuchvar'; server { access_log x.log a; }`, `unknown "nosuchvar" variable`},
	}
	for _, tt := range tests {
		b := buildSet(t, tt.body, nil)
		var msgs []string
		for _, d := range b.diags {
			msgs = append(msgs, d.Message)
		}
		found := false
		for _, m := range msgs {
			found = found || m == tt.want
		}
		if !found {
			t.Errorf("%s: diagnostics %q, want %q", tt.body, msgs, tt.want)
		}
	}
}

func TestBrokenFormatReportedOnce(t *testing.T) {
	b := buildSet(t, `log_format a '$nosuchvar'; server { access_log x.log a; location / { access_log y.log a; } }`, nil)
	if len(b.diags) != 1 {
		t.Fatalf("want one diagnostic, got %v", b.diags)
	}
}

func TestBufferAndFlush(t *testing.T) {
	clk := &clock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	b := buildSet(t, `
        log_format s '$status';
        server { access_log {{DIR}}/buf.log s buffer=16 flush=1m; }`, clk.Now)
	if len(b.diags) > 0 {
		t.Fatal(b.diags)
	}
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.set.Close()
	path := filepath.Join(b.dir, "buf.log")
	read := func() string { s, _ := os.ReadFile(path); return string(s) }

	for i := 0; i < 4; i++ { // 4 × "200\n" = 16 bytes: fits exactly
		b.server.Log(b.request(200))
	}
	if got := read(); got != "" {
		t.Fatalf("buffered lines written early: %q", got)
	}
	b.server.Log(b.request(201)) // overflows: the buffer goes out first
	if got := read(); got != strings.Repeat("200\n", 4) {
		t.Fatalf("after overflow: %q", got)
	}
	// flush=1m: the flusher writes once the oldest line is a minute old.
	clk.Add(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for read() != strings.Repeat("200\n", 4)+"201\n" {
		if time.Now().After(deadline) {
			t.Fatalf("flush= did not flush: %q", read())
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.server.Log(b.request(202))
	if err := b.set.Close(); err != nil {
		t.Fatal(err)
	}
	if got := read(); !strings.HasSuffix(got, "202\n") {
		t.Fatalf("Close did not flush: %q", got)
	}
	b.server.Log(b.request(203)) // after Close: dropped, no panic
}

func TestLongLineBypassesBuffer(t *testing.T) {
	b := buildSet(t, `
        log_format long '$status-0123456789abcdef';
        server { access_log {{DIR}}/l.log long buffer=8; }`, nil)
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.set.Close()
	b.server.Log(b.request(200))
	got, _ := os.ReadFile(filepath.Join(b.dir, "l.log"))
	if string(got) != "200-0123456789abcdef\n" {
		t.Fatalf("%q", got)
	}
}

func TestReopen(t *testing.T) {
	b := buildSet(t, `log_format s '$status'; server { access_log {{DIR}}/r.log s; }`, nil)
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.set.Close()
	path := filepath.Join(b.dir, "r.log")
	b.server.Log(b.request(200))
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	b.server.Log(b.request(201)) // still the rotated file
	if err := b.set.Reopen(); err != nil {
		t.Fatal(err)
	}
	b.server.Log(b.request(202))
	old, _ := os.ReadFile(path + ".1")
	cur, _ := os.ReadFile(path)
	if string(old) != "200\n201\n" || string(cur) != "202\n" {
		t.Fatalf("rotated %q, new %q", old, cur)
	}
}

func TestIfCondition(t *testing.T) {
	b := buildSet(t, `log_format s '$status'; server { access_log {{DIR}}/if.log s if=$http_x_log; }`, nil)
	if len(b.diags) > 0 {
		t.Fatal(b.diags)
	}
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.set.Close()
	for _, v := range []string{"", "0", "1", "yes", "00"} {
		req := newTestRequest(t, b.reg, testRequest{raw: "GET / HTTP/1.1\r\nHost: h\r\nX-Log: " + v + "\r\n\r\n", status: 200}, time.Now())
		b.server.Log(req)
	}
	got, _ := os.ReadFile(filepath.Join(b.dir, "if.log"))
	if string(got) != "200\n200\n200\n" { // "1", "yes", "00"
		t.Fatalf("%q", got)
	}
}

func TestGzip(t *testing.T) {
	b := buildSet(t, `log_format s '$status'; server { access_log {{DIR}}/g.log.gz s gzip=9; }`, nil)
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	b.server.Log(b.request(200))
	b.server.Log(b.request(404))
	if err := b.set.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(b.dir, "g.log.gz"))
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(zr)
	if err != nil || string(got) != "200\n404\n" {
		t.Fatalf("%q, %v", got, err)
	}
}

func TestConcurrentLinesDoNotInterleave(t *testing.T) {
	b := buildSet(t, `log_format s '$status $http_x_pad'; server { access_log {{DIR}}/c.log s buffer=1k; }`, nil)
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	pad := strings.Repeat("x", 300)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				req := newTestRequest(t, b.reg, testRequest{raw: "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + pad + "\r\n\r\n", status: 200}, time.Now())
				b.server.Log(req)
			}
		}()
	}
	wg.Wait()
	if err := b.set.Close(); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(b.dir, "c.log"))
	lines := strings.Split(strings.TrimSuffix(string(got), "\n"), "\n")
	if len(lines) != 400 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if l != "200 "+pad {
			t.Fatalf("mangled line %q", l)
		}
	}
}

func TestNoDefaultWhenEveryServerLogs(t *testing.T) {
	b := buildSet(t, `server { access_log {{DIR}}/own.log; location / { } }`, nil)
	files := b.set.Files()
	if len(files) != 1 || files[0].Path != filepath.Join(b.dir, "own.log") {
		t.Fatalf("files %v", files)
	}
	if !b.locs[0].Enabled() {
		t.Fatal("location does not inherit the server's log")
	}
}

func TestPipedAccessLog(t *testing.T) {
	b := buildSet(t, `log_format s '$status';
        server {
            access_log "pipe:cat >> {{DIR}}/piped.log" s;
            access_log "pipe:rollback {{DIR}}/rolled.log interval=1d baknum=7" s;
        }`, nil)
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	b.server.Log(b.request(200))
	b.server.Log(b.request(404))
	if err := b.set.Reopen(); err != nil { // a no-op for the pipe
		t.Fatal(err)
	}
	if err := b.set.Close(); err != nil { // ends cat after it read everything
		t.Fatal(err)
	}
	for _, name := range []string{"piped.log", "rolled.log"} {
		got, _ := os.ReadFile(filepath.Join(b.dir, name))
		if string(got) != "200\n404\n" {
			t.Errorf("%s: %q", name, got)
		}
	}
}

func TestScriptedPath(t *testing.T) {
	var failures []string
	b := buildSet(t, `log_format s '$status'; server { access_log {{DIR}}/by-$http_x_site.log s; }`, nil)
	b.set.opt.OnWriteError = func(path string, err error) { failures = append(failures, path) }
	if len(b.diags) > 0 {
		t.Fatal(b.diags)
	}
	if err := b.set.Open(); err != nil {
		t.Fatal(err)
	}
	defer b.set.Close()
	for _, site := range []string{"a", "b", "a", "../../etc/x"} {
		req := newTestRequest(t, b.reg, testRequest{raw: "GET / HTTP/1.1\r\nHost: h\r\nX-Site: " + site + "\r\n\r\n", status: 200}, time.Now())
		b.server.Log(req)
	}
	a, _ := os.ReadFile(filepath.Join(b.dir, "by-a.log"))
	bb, _ := os.ReadFile(filepath.Join(b.dir, "by-b.log"))
	if string(a) != "200\n200\n" || string(bb) != "200\n" {
		t.Errorf("by-a %q, by-b %q", a, bb)
	}
	if len(failures) != 1 {
		t.Errorf("refusals: %v", failures)
	}
}
