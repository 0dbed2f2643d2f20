package proxy

import (
	"bufio"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
)

// diffHTTP is one configuration served by both nginx and sliceproxy.
// {{LISTEN}} becomes each one's address, {{BE}} the fake backend, {{DIR}}
// nginx's prefix (where the document root is written).
const diffHTTP = `
server_tokens off;
log_format facts '"$request" $status $body_bytes_sent $request_length $bytes_sent "$upstream_status" "$uri" "$args" $server_name $host';
access_log {{LOGDIR}}/facts.log facts;
upstream be { server {{BE}}; }
server {
    listen {{LISTEN}} default_server;
    server_name example.test;
    root {{DIR}}/html;
    add_header X-Added yes;
    location / { try_files $uri $uri/ =404; }
    location /proxy/ { proxy_pass http://be/; }
    location /keep/ { proxy_pass http://be; proxy_set_header X-Test t; }
    location = /ret { return 200 "hello"; }
    location = /ret404 { return 404; }
    location /redir { return 301 /target; }
    location /found { return 302 http://elsewhere.test/x; }
    location /rw/ { rewrite ^/rw/(.*)$ /proxy/$1 last; }
    location /rwbreak/ { rewrite ^/rwbreak/(.*)$ /changed/$1 break; proxy_pass http://be; }
    location ~ \.php$ { return 403; }
    location /err/ { error_page 404 /errpage.html; try_files /nonexistent =404; }
    location /errnamed/ { error_page 404 = @fallback; return 404; }
    location @fallback { return 200 "fallback $uri"; }
    location /set { set $x "val"; return 200 "x=$x"; }
    location /if { if ($arg_a = 1) { return 201 "a1"; } return 200 "no"; }
    location /slash/ { proxy_pass http://be; }
    location /xff/ {
        proxy_pass http://be;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Real-IP $remote_addr;
    }
    location /hdr/ { proxy_pass http://be; proxy_pass_request_headers off; }
    location /ifproxy/ {
        set $t base;
        if ($arg_x = 1) { set $t inif; add_header X-If yes; }
        proxy_set_header X-Test $t;
        proxy_pass http://be;
    }
    location /docroot { return 200 "$document_root|$request_filename"; }
    location /check/ { if (-f $request_filename) { return 200 "exists"; } return 404; }
    location /al/ { alias {{DIR}}/html/dir/; }
    location /int/ { internal; return 200 "internal $uri"; }
    location /toint/ { error_page 404 /int/x; return 404; }
    location /rwint/ { rewrite ^ /int/rewritten last; }
    location = /ret204 { return 204; }
    location /reg/ { proxy_pass http://be; proxy_redirect ~^http://([^/]+)/app/(.*)$ /moved/$1/$2; }
    location /errup/ { error_page 502 /errpage.html; proxy_pass http://127.0.0.1:1; }
    location = /teapot { return 418; }
    location /denied/ { deny 127.0.0.1; proxy_pass http://be; }
    location /allowed/ { allow 127.0.0.0/8; deny all; proxy_pass http://be; }
    location /denyret { deny all; return 200 "rewrite runs before access"; }
    location /denypage/ { deny all; error_page 403 /errpage.html; }
    location /ctype/ {
        types { application/json json; text/html html; }
        default_type application/x-default;
        return 200 "typed";
    }
    location /ctypeerr/ { error_page 404 /ctype/e.json; return 404; }
    location /ctyperw/ { rewrite ^ /ctype/z.html last; }
    location /ctypebuiltin/ { return 200 "builtin types"; }
    location /denyouter/ {
        deny all;
        location /denyouter/inner/ { allow all; proxy_pass http://be; }
    }
}
server {
    listen {{LISTEN}};
    server_name other.test *.wild.test;
    location / { return 200 "other $host"; }
}
`

var diffFiles = map[string]string{
	"html/index.html":     "root index\n",
	"html/file.txt":       "a text file\n",
	"html/errpage.html":   "custom error page\n",
	"html/dir/index.html": "dir index\n",
	"html/check/here.txt": "here\n",
}

// diffRequests are sent to both servers.
var diffRequests = []struct{ host, method, uri string }{
	{"example.test", "GET", "/"},
	{"example.test", "GET", "/file.txt"},
	{"example.test", "HEAD", "/file.txt"},
	{"example.test", "GET", "/missing"},
	{"example.test", "GET", "/dir"},
	{"example.test", "GET", "/dir/"},
	{"example.test", "GET", "/proxy/a/b?c=d"},
	{"example.test", "GET", "/keep/x"},
	{"example.test", "GET", "/ret"},
	{"example.test", "GET", "/ret404"},
	{"example.test", "GET", "/redir"},
	{"example.test", "GET", "/found"},
	{"example.test", "GET", "/rw/deep/path?q=1"},
	{"example.test", "GET", "/rwbreak/z"},
	{"example.test", "GET", "/x.php"},
	{"example.test", "GET", "/err/thing"},
	{"example.test", "GET", "/errnamed/thing"},
	{"example.test", "GET", "/set"},
	{"example.test", "GET", "/if?a=1"},
	{"example.test", "GET", "/if?a=2"},
	{"example.test", "GET", "/slash"},
	{"example.test", "GET", "/teapot"},
	{"example.test", "GET", "/xff/a"},
	{"example.test", "GET", "/hdr/a"},
	{"example.test", "GET", "/ifproxy/a?x=1"},
	{"example.test", "GET", "/ifproxy/a?x=2"},
	{"example.test", "GET", "/errup/x"},
	{"example.test", "GET", "/int/x"},
	{"example.test", "GET", "/docroot"},
	{"example.test", "GET", "/check/here.txt"},
	{"example.test", "GET", "/check/nothere.txt"},
	{"example.test", "GET", "/al/index.html"},
	{"example.test", "GET", "/al/"},
	{"example.test", "GET", "/toint/y"},
	{"example.test", "GET", "/rwint/y"},
	{"example.test", "GET", "/ret204"},
	{"example.test", "GET", "/reg/deep/er"},
	{"example.test", "GET", "/proxy/sp%20ace"},
	{"example.test", "GET", "/rw/%7Euser"},
	{"example.test", "POST", "/ret"},
	{"other.test", "GET", "/"},
	{"a.wild.test", "GET", "/"},
	{"unknown.test", "GET", "/ret"},
	{"example.test", "GET", "/%2e%2e/etc/passwd"},
	{"example.test", "GET", "/a/../file.txt"},
	{"example.test", "GET", "/ctype/a.json"},
	{"example.test", "GET", "/ctype/A.JSON?x=1"},
	{"example.test", "GET", "/ctype/a.html"},
	{"example.test", "GET", "/ctype/a"},
	{"example.test", "GET", "/ctype/a.json."},
	{"example.test", "GET", "/ctype/.json"},
	{"example.test", "GET", "/ctype/a.json/b"},
	{"example.test", "GET", "/ctypeerr/x"},
	{"example.test", "GET", "/ctyperw/x"},
	{"example.test", "GET", "/ctypebuiltin/a.gif"},
	{"example.test", "GET", "/ctypebuiltin/a.json"},
	{"example.test", "GET", "/denied/x"},
	{"example.test", "GET", "/allowed/x"},
	{"example.test", "GET", "/denyret"},
	{"example.test", "GET", "/denypage/x"},
	{"example.test", "GET", "/denyouter/x"},
	{"example.test", "GET", "/denyouter/inner/x"},
}

// TestDifferentialNginx runs one configuration in real nginx and in
// sliceproxy and compares status, selected headers and body.
func TestDifferentialNginx(t *testing.T) {
	be := startFakeBackend(t, diffBackend)
	body := strings.ReplaceAll(diffHTTP, "{{BE}}", be.Addr())
	ng := testenv.StartNginx(t, testenv.NginxConfig{
		HTTP:  strings.ReplaceAll(strings.ReplaceAll(body, "{{LISTEN}}", "127.0.0.1:{{PORT}}"), "{{LOGDIR}}", "{{DIR}}"),
		Files: diffFiles,
	})
	ourLogs := t.TempDir()
	ours := strings.ReplaceAll(strings.ReplaceAll(body, "{{LISTEN}}", "127.0.0.1:0"), "{{DIR}}", ng.Dir)
	ours = strings.ReplaceAll(ours, "{{LOGDIR}}", ourLogs)
	tp := startProxy(t, ours, nil)

	// Content-Length is left out: nginx's pages name its version, ours
	// don't (the bodies are compared with the version removed).
	headers := []string{"Content-Type", "Location", "X-Added", "X-Backend", "Transfer-Encoding", "X-If"}
	for _, rq := range diffRequests {
		name := rq.method + " " + rq.host + rq.uri
		t.Run(name, func(t *testing.T) {
			want := diffDo(t, ng.Addr, rq.host, rq.method, rq.uri)
			got := diffDo(t, tp.addr, rq.host, rq.method, rq.uri)
			if got.status != want.status {
				t.Errorf("status: sliceproxy %d, nginx %d", got.status, want.status)
			}
			for _, h := range headers {
				g := normalizePort(got.header.Get(h))
				w := normalizePort(want.header.Get(h))
				if reason, ok := knownDiffs[name+" "+h]; ok && g != w {
					t.Logf("known difference in %s (%s): sliceproxy %q, nginx %q", h, reason, g, w)
					continue
				}
				if g != w {
					t.Errorf("%s: sliceproxy %q, nginx %q", h, g, w)
				}
			}
			if got.body != want.body {
				t.Errorf("body:\nsliceproxy %q\nnginx      %q", got.body, want.body)
			}
		})
	}
	// The access logs agree too: sizes, $request_length, $uri after
	// rewrites and internal redirects, $upstream_status.
	ng.Stop()
	tp.Close()
	// Lines are compared as sorted sets: each server writes its line after
	// answering, so the order of two requests' lines may differ.
	want := strings.Split(strings.TrimSpace(readFile(t, ng.Dir+"/facts.log")), "\n")
	got := strings.Split(strings.TrimSpace(readFile(t, ourLogs+"/facts.log")), "\n")
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("access logs differ (sorted; - nginx, + sliceproxy):\n%s", diffLines(strings.Join(want, "\n"), strings.Join(got, "\n")))
	}
}

// knownDiffs are differences not fixed yet, with the reason.
var knownDiffs = map[string]string{}

type diffResponse struct {
	status int
	header http.Header
	body   string
}

func diffDo(t *testing.T, addr, host, method, uri string) diffResponse {
	t.Helper()
	return diffSend(t, addr, method, method+" "+uri+" HTTP/1.1\r\nHost: "+host+"\r\nConnection: close\r\nContent-Length: 0\r\nX-Client: c\r\nX-Forwarded-For: 10.1.1.1\r\nTE: trailers\r\n\r\n")
}

// diffSend sends one request on a new connection to addr and reads the
// answer to method.
func diffSend(t *testing.T, addr, method, request string) diffResponse {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tc := &testClient{t: t, c: c, br: bufio.NewReader(c)}
	tc.send(request)
	r := tc.read(method)
	body := r.Body
	// nginx's error pages name its version with server_tokens on.
	body = strings.ReplaceAll(body, "<center>nginx/1.22.1</center>", "<center>nginx</center>")
	return diffResponse{status: r.Status, header: r.Header, body: body}
}

// diffBackend answers with what it received; under /reg/ it redirects.
func diffBackend(r *fakeRequest) fakeReply {
	h := []string{"Content-Type: text/plain", "X-Backend: 1"}
	if strings.HasPrefix(r.URI, "/reg/") {
		h = append(h, "Location: http://be/app/"+strings.TrimPrefix(r.URI, "/reg/"))
	}
	return fakeReply{Status: 200, Header: h, Body: diffEcho(r)}
}

// diffEcho is the fake backend's answer: what the proxy sent it.
func diffEcho(r *fakeRequest) string {
	var b strings.Builder
	b.WriteString(r.Method + " " + r.URI + " " + r.Proto + "\n")
	for _, h := range []string{"Host", "Connection", "X-Test", "X-Forwarded-For", "X-Real-IP", "Content-Length", "Transfer-Encoding", "TE", "Upgrade", "Keep-Alive", "X-Client"} {
		if v, ok := r.get(h); ok {
			b.WriteString(h + ": " + v + "\n")
		}
	}
	return b.String()
}

func hostOf(r *fakeRequest) string {
	h, _ := r.get("Host")
	return h
}

// normalizePort hides listen ports in redirect URLs.
func normalizePort(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if j := strings.IndexByte(rest, ':'); j >= 0 {
			k := j + 1
			for k < len(rest) && rest[k] >= '0' && rest[k] <= '9' {
				k++
			}
			return s[:i+3] + rest[:j] + ":PORT" + rest[k:]
		}
	}
	return s
}
