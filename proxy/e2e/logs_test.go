package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// TestAccessLogAndReopen: access_log lines follow the configured format
// (and the default combined one); USR1 reopens the files after a rename.
func TestAccessLogAndReopen(t *testing.T) {
	r := renderConfig(t, testenv.NginxConfig{HTTP: `
log_format e2e '$remote_addr "$request" $status $body_bytes_sent $host "$http_user_agent" $request_method';
server {
    listen 127.0.0.1:{{PORT}};
    access_log {{DIR}}/logs/custom.log e2e;
    access_log {{DIR}}/logs/combined.log;
    location / { return 200 "ok\n"; }
}`})
	p := startSliceproxy(t, r)
	send := func(uri string) {
		t.Helper()
		rc, err := dialRaw(p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		_ = rc.Write("GET " + uri + " HTTP/1.1\r\nHost: fmt.example\r\nUser-Agent: ua/1\r\nConnection: close\r\n\r\n")
		if r, err := rc.ReadResponse(false); err != nil || r.Status != 200 {
			t.Fatalf("GET %s: %v", uri, err)
		}
	}
	custom := filepath.Join(r.Dir, "logs", "custom.log")
	send("/fmt?x=1")
	want := `127.0.0.1 "GET /fmt?x=1 HTTP/1.1" 200 3 fmt.example "ua/1" GET` + "\n"
	if !eventually(5*time.Second, func() bool { return readFileString(custom) == want }) {
		t.Errorf("custom access log:\n%q\nwant\n%q", readFileString(custom), want)
	}
	combined := regexp.MustCompile(`^127\.0\.0\.1 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /fmt\?x=1 HTTP/1\.1" 200 3 "-" "ua/1"\n$`)
	// The two logs are written one after the other once the response went
	// out: the second may come a moment after the first.
	combinedPath := filepath.Join(r.Dir, "logs", "combined.log")
	if !eventually(5*time.Second, func() bool { return combined.MatchString(readFileString(combinedPath)) }) {
		t.Errorf("combined access log line %q does not match %v", readFileString(combinedPath), combined)
	}

	if err := os.Rename(custom, custom+".1"); err != nil {
		t.Fatal(err)
	}
	send("/before-reopen")
	p.Signal(syscall.SIGUSR1)
	if !eventually(5*time.Second, func() bool { _, err := os.Stat(custom); return err == nil }) {
		t.Fatalf("USR1 did not create a new %s; error.log:\n%s", custom, p.ErrorLog())
	}
	send("/after-reopen")
	if !eventually(5*time.Second, func() bool { return strings.Contains(readFileString(custom), "/after-reopen") }) {
		t.Errorf("new log file lacks the request after USR1: %q", readFileString(custom))
	}
	old := readFileString(custom + ".1")
	if !strings.Contains(old, "/fmt?x=1") || !strings.Contains(old, "/before-reopen") || strings.Contains(old, "/after-reopen") {
		t.Errorf("renamed log file: %q, want the two requests before USR1 only", old)
	}
	errLine := regexp.MustCompile(`^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[(debug|info|notice|warn|error|crit|alert|emerg)\] \d+#\d+: `)
	for _, l := range strings.Split(strings.TrimSpace(p.ErrorLog()), "\n") {
		if l != "" && !errLine.MatchString(l) {
			t.Errorf("error.log line not in nginx's layout: %q", l)
		}
	}
	if !strings.Contains(p.ErrorLog(), "reopen") {
		t.Errorf("error.log does not mention reopening:\n%s", p.ErrorLog())
	}
}

// TestAccessLogUpstreamVars: the per-attempt upstream variables in an
// access log line, among them sliceproxy's own $upstream_keepalive_reused
// and $upstream_keepalive_slice (the key after slice_keylen truncation), and
// a retry after a dead peer listed like nginx lists it ("A, B").
func TestAccessLogUpstreamVars(t *testing.T) {
	rec := startBackend(t, nil)
	dead := testenv.RefusingAddr(t)
	cfg := poolConfig(rec, "keepalive 8 slice_key=$host slice_conn=2 slice_keylen=6;",
		`log_format up '$request_uri st=$upstream_status addr=$upstream_addr reused=$upstream_keepalive_reused slice=$upstream_keepalive_slice';
upstream withdead {
    server `+dead+`;
    server `+rec.Addr+`;
    keepalive 8 slice_key=$host slice_conn=2;
}`)
	cfg.HTTP = strings.Replace(cfg.HTTP, "    location / {", `    access_log {{DIR}}/logs/up.log up;
    location /retry/ {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://withdead;
    }
    location / {`, 1)
	p := startSliceproxyConfig(t, cfg)
	mustFetch(t, p.Addr, "GET", "longhostname.test", "/1", "")
	mustFetch(t, p.Addr, "GET", "longhostname.test", "/2", "")
	mustFetch(t, p.Addr, "GET", "x.test", "/retry/3", "")
	want := []string{
		"/1 st=200 addr=" + rec.Addr + " reused=0 slice=longho",
		"/2 st=200 addr=" + rec.Addr + " reused=1 slice=longho",
		"/retry/3 st=502, 200 addr=" + dead + ", " + rec.Addr + " reused=0, 0 slice=x.test, x.test",
	}
	logPath := filepath.Join(p.Dir, "logs", "up.log")
	if !eventually(5*time.Second, func() bool { return len(strings.Split(strings.TrimSpace(readFileString(logPath)), "\n")) >= 3 }) {
		t.Fatalf("access log: %q", readFileString(logPath))
	}
	got := strings.Split(strings.TrimSpace(readFileString(logPath)), "\n")
	for i, w := range want {
		if got[i] != w {
			t.Errorf("log line %d:\n got %q\nwant %q", i+1, got[i], w)
		}
	}
}

// TestDiffAccessLog: the same log_format (default and escape=json) written
// by nginx and by sliceproxy for the same requests gives the same lines,
// once ports, backend address and $request_time are normalised.
func TestDiffAccessLog(t *testing.T) {
	testenv.LookBinary(t, "nginx", "nginx")
	needBinary(t)
	const formats = `
log_format fields '$remote_addr|$request|$status|$body_bytes_sent|$bytes_sent|$request_length|$host|$server_name|$uri|$args|$is_args|$request_uri|$request_method|$scheme|$server_protocol|$content_length|$content_type|$http_user_agent|$http_referer|$cookie_c|$arg_a|$sent_http_content_type|$sent_http_x_secret|$upstream_status|$upstream_addr|$connection_requests';
log_format js escape=json '{"ua":"$http_user_agent","req":"$request","st":$status}';
log_format plain escape=none '[$http_user_agent]';
`
	conf := func(b *backend) testenv.NginxConfig {
		return testenv.NginxConfig{HTTP: "server_tokens off;\n" + formats + strings.ReplaceAll(`
server {
    listen 127.0.0.1:{{PORT}};
    server_name log.example;
    access_log {{DIR}}/logs/fields.log fields;
    access_log {{DIR}}/logs/json.log js;
    access_log {{DIR}}/logs/plain.log plain;
    location / { return 200 "ok\n"; }
    location /proxy/ { proxy_pass http://{{BACKEND}}; }
    location /nolog/ { access_log off; return 204; }
}`, "{{BACKEND}}", b.Addr)}
	}
	ngxBackend, spBackend := startBackend(t, nil), startBackend(t, nil)
	ngx := testenv.StartNginx(t, conf(ngxBackend))
	sp := startSliceproxyConfig(t, conf(spBackend))
	requests := []string{
		"GET /a?a=1&b=2 HTTP/1.1\r\nHost: log.example\r\nUser-Agent: ua \"quoted\" \\ back\x01\r\nReferer: http://ref.example/\r\nCookie: c=cv\r\n\r\n",
		"POST /proxy/p?a=x HTTP/1.1\r\nHost: LOG.example:8080\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
		"GET /proxy/missing?status=404 HTTP/1.1\r\nHost: log.example\r\n\r\n",
		"HEAD /proxy/h HTTP/1.1\r\nHost: log.example\r\n\r\n",
		"GET /nolog/ HTTP/1.1\r\nHost: log.example\r\n\r\n",
		"GET /%7Euser/ HTTP/1.0\r\n\r\n",
		"GET /bad%zz HTTP/1.1\r\nHost: log.example\r\n\r\n",
		"GET /k1 HTTP/1.1\r\nHost: log.example\r\n\r\n" + "GET /k2 HTTP/1.1\r\nHost: log.example\r\nConnection: close\r\n\r\n",
	}
	sides := []diffSide{
		{name: "nginx", addr: ngx.Addr, dir: ngx.Dir, backend: ngxBackend},
		{name: "sliceproxy", addr: sp.Addr, dir: sp.Dir, backend: spBackend},
	}
	for _, side := range sides {
		logged := 0
		for _, req := range requests {
			rc, err := dialRaw(side.addr)
			if err != nil {
				t.Fatal(err)
			}
			_ = rc.Write(req)
			for n := strings.Count(req, " HTTP/1."); n > 0; n-- {
				if _, err := rc.ReadResponse(strings.HasPrefix(req, "HEAD")); err != nil {
					break
				}
			}
			rc.Close()
			// Requests on different connections are logged by different
			// goroutines, and a client may see a response before its log
			// line is written: wait for it, so that the order compared
			// below is the order the requests were sent in (nginx's single
			// worker gives that order by construction).
			if !strings.Contains(req, "/nolog/") {
				logged += strings.Count(req, " HTTP/1.")
			}
			path := filepath.Join(side.dir, "logs", "fields.log")
			eventually(3*time.Second, func() bool { return strings.Count(readFileString(path), "\n") >= logged })
		}
	}
	for _, file := range []string{"fields.log", "json.log", "plain.log"} {
		var text [2]string
		for i, side := range sides {
			path := filepath.Join(side.dir, "logs", file)
			eventually(3*time.Second, func() bool {
				return strings.Count(readFileString(path), "\n") >= len(requests)
			})
			text[i] = side.normalize(readFileString(path))
		}
		if text[0] != text[1] {
			t.Errorf("%s differs (- nginx, + sliceproxy):\n%s", file, lineDiff(text[0], text[1]))
		}
	}
}
