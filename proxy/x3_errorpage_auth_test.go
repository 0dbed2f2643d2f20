package proxy

import (
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
)

// x3ErrorPageHTTP has auth_basic refusals (and upstream 401s under
// proxy_intercept_errors) taken over by every kind of error_page: a static
// file, a proxied page, "return", a named location, "=CODE", "=", a URL,
// and pages that fail, refuse or redirect in their turn. {{LISTEN}}, {{BE}}
// and {{DIR}} are replaced.
const x3ErrorPageHTTP = `
server_tokens off;
server {
    listen {{LISTEN}};
    server_name ep.test;
    root {{DIR}}/html;
    auth_basic_user_file {{DIR}}/users;

    location /static/ { auth_basic "s"; error_page 401 /pages/page.html; proxy_pass http://{{BE}}; }
    location /pages/ { }
    location /proxied/ { auth_basic "p"; error_page 401 /be/page; proxy_pass http://{{BE}}; }
    location /be/ { proxy_pass http://{{BE}}; }
    location /ret/ { auth_basic "r"; error_page 401 /retpage; proxy_pass http://{{BE}}; }
    location = /retpage { return 200 "page\n"; }
    location /eq200/ { auth_basic "e"; error_page 401 =200 /pages/page.html; proxy_pass http://{{BE}}; }
    location /eq/ { auth_basic "e"; error_page 401 = /be/page; proxy_pass http://{{BE}}; }
    location /named/ { auth_basic "n"; error_page 401 @named; proxy_pass http://{{BE}}; }
    location @named { return 200 "named\n"; }
    location /url/ { auth_basic "u"; error_page 401 http://ep.test/login; proxy_pass http://{{BE}}; }
    location /url301/ { auth_basic "u"; error_page 401 =301 http://ep.test/login; proxy_pass http://{{BE}}; }
    location /addh/ { auth_basic "a"; add_header X-Added outer always; error_page 401 /pages/page.html; proxy_pass http://{{BE}}; }
    location /addh2/ { auth_basic "a"; add_header X-Added outer always; error_page 401 /addpage/page.html; proxy_pass http://{{BE}}; }
    location /addpage/ { add_header X-Added2 inner always; alias {{DIR}}/html/pages/; }
    location /gone/ { auth_basic "g"; error_page 401 /gonepage; proxy_pass http://{{BE}}; }
    location = /gonepage { return 404; }
    location /missing/ { auth_basic "m"; error_page 401 /pages/nothere.html; proxy_pass http://{{BE}}; }
    location /twice/ { auth_basic "first"; error_page 401 /twicepage/x; proxy_pass http://{{BE}}; }
    location /twicepage/ { auth_basic "second"; proxy_pass http://{{BE}}; }
    location /goaway/ { auth_basic "r"; error_page 401 /goawaypage; proxy_pass http://{{BE}}; }
    location = /goawaypage { return 302 /elsewhere; }
    location /intercept/ { proxy_intercept_errors on; error_page 401 /pages/page.html; proxy_pass http://{{BE}}; }
    location /nopage/ { proxy_intercept_errors on; error_page 404 /pages/page.html; proxy_pass http://{{BE}}; }
    location /deny/ { deny all; add_header X-Added outer always; error_page 403 /pages/page.html; }
}
`

// x3Cases are requests without credentials and what nginx 1.22 answers
// (established by TestErrorPageChallengeNginx): the challenges set before
// the error_page go out with whatever the page answers, add_header fields
// only from the page's own level.
var x3Cases = []struct {
	method, uri string
	status      int
	challenges  string // every WWW-Authenticate, joined by " | "
	location    string // a listen port shown as PORT
	added       string // X-Added
	added2      string // X-Added2
	body        string // "" not checked
}{
	{method: "GET", uri: "/static/x", status: 401, challenges: `Basic realm="s"`, body: "the page\n"},
	{method: "HEAD", uri: "/static/x", status: 401, challenges: `Basic realm="s"`},
	{method: "POST", uri: "/static/x", status: 401, challenges: `Basic realm="s"`, body: "the page\n"},
	{method: "GET", uri: "/proxied/x", status: 401, challenges: `Basic realm="p"`, body: "be /be/page\n"},
	{method: "GET", uri: "/ret/x", status: 401, challenges: `Basic realm="r"`, body: "page\n"},
	{method: "GET", uri: "/eq200/x", status: 200, challenges: `Basic realm="e"`, body: "the page\n"},
	{method: "GET", uri: "/eq/x", status: 200, challenges: `Basic realm="e"`, body: "be /be/page\n"},
	{method: "GET", uri: "/named/x", status: 401, challenges: `Basic realm="n"`, body: "named\n"},
	{method: "GET", uri: "/url/x", status: 302, challenges: `Basic realm="u"`, location: "http://ep.test/login"},
	{method: "GET", uri: "/url301/x", status: 301, challenges: `Basic realm="u"`, location: "http://ep.test/login"},
	{method: "GET", uri: "/addh/x", status: 401, challenges: `Basic realm="a"`, body: "the page\n"},
	{method: "GET", uri: "/addh2/x", status: 401, challenges: `Basic realm="a"`, added2: "inner", body: "the page\n"},
	{method: "GET", uri: "/gone/x", status: 404, challenges: `Basic realm="g"`},
	{method: "GET", uri: "/missing/x", status: 404, challenges: `Basic realm="m"`},
	// The page refuses in its turn: both challenges, nginx's own 401 page.
	{method: "GET", uri: "/twice/x", status: 401, challenges: `Basic realm="first" | Basic realm="second"`},
	// The page redirects: the 302 is the status now.
	{method: "GET", uri: "/goaway/x", status: 302, challenges: `Basic realm="r"`, location: "http://ep.test:PORT/elsewhere"},
	// nginx 1.22 keeps the upstream's first challenge only.
	{method: "GET", uri: "/intercept/x", status: 401, challenges: `Bearer realm="be"`, body: "the page\n"},
	// Not intercepted: the upstream's challenges pass as they are.
	{method: "GET", uri: "/nopage/x", status: 401, challenges: `Bearer realm="be" | Basic realm="be2"`, body: "no\n"},
	{method: "GET", uri: "/deny/x", status: 403, body: "the page\n"},
}

// x3Backend answers 200 with the URI, except a 401 with two challenges
// under /intercept/ and /nopage/.
func x3Backend(r *fakeRequest) fakeReply {
	if strings.HasPrefix(r.URI, "/intercept/") || strings.HasPrefix(r.URI, "/nopage/") {
		return fakeReply{Status: 401, Header: []string{`WWW-Authenticate: Bearer realm="be"`, `WWW-Authenticate: Basic realm="be2"`}, Body: "no\n"}
	}
	return fakeReply{Status: 200, Header: []string{"Content-Type: text/plain"}, Body: "be " + r.URI + "\n"}
}

var x3Files = map[string]string{
	"users":                "plain:{PLAIN}secret\n",
	"html/pages/page.html": "the page\n",
}

// x3Check compares a response with its case.
func x3Check(t *testing.T, who string, r diffResponse, c int) {
	t.Helper()
	want := x3Cases[c]
	if r.status != want.status {
		t.Errorf("%s: status %d, want %d", who, r.status, want.status)
	}
	for _, f := range []struct{ name, want string }{
		{"WWW-Authenticate", want.challenges},
		{"Location", want.location},
		{"X-Added", want.added},
		{"X-Added2", want.added2},
	} {
		if got := normalizePort(strings.Join(r.header.Values(f.name), " | ")); got != f.want {
			t.Errorf("%s: %s %q, want %q", who, f.name, got, f.want)
		}
	}
	if want.body != "" && r.body != want.body {
		t.Errorf("%s: body %q, want %q", who, r.body, want.body)
	}
}

// TestErrorPageChallenge: the WWW-Authenticate set before an error_page
// survives the page, as in nginx.
func TestErrorPageChallenge(t *testing.T) {
	be := startFakeBackend(t, x3Backend)
	body := strings.NewReplacer("{{BE}}", be.Addr(), "{{LISTEN}}", "127.0.0.1:0").Replace(x3ErrorPageHTTP)
	tp := startProxy(t, body, x3Files)
	for i, c := range x3Cases {
		t.Run(c.method+" "+c.uri, func(t *testing.T) {
			x3Check(t, "sliceproxy", x3Do(t, tp.addr, c.method, c.uri), i)
		})
	}
}

// TestErrorPageChallengeNginx holds real nginx and sliceproxy to x3Cases,
// and compares their bodies and Content-Type.
func TestErrorPageChallengeNginx(t *testing.T) {
	be := startFakeBackend(t, x3Backend)
	body := strings.ReplaceAll(x3ErrorPageHTTP, "{{BE}}", be.Addr())
	ng := testenv.StartNginx(t, testenv.NginxConfig{
		HTTP:  strings.ReplaceAll(body, "{{LISTEN}}", "127.0.0.1:{{PORT}}"),
		Files: x3Files,
	})
	tp := startProxy(t, strings.ReplaceAll(body, "{{LISTEN}}", "127.0.0.1:0"), x3Files)
	for i, c := range x3Cases {
		t.Run(c.method+" "+c.uri, func(t *testing.T) {
			want := x3Do(t, ng.Addr, c.method, c.uri)
			got := x3Do(t, tp.addr, c.method, c.uri)
			x3Check(t, "nginx", want, i)
			x3Check(t, "sliceproxy", got, i)
			if g, w := got.header.Get("Content-Type"), want.header.Get("Content-Type"); g != w {
				t.Errorf("Content-Type: sliceproxy %q, nginx %q", g, w)
			}
			if got.body != want.body {
				t.Errorf("body:\nsliceproxy %q\nnginx      %q", got.body, want.body)
			}
		})
	}
}

func x3Do(t *testing.T, addr, method, uri string) diffResponse {
	t.Helper()
	return diffSend(t, addr, method, method+" "+uri+" HTTP/1.1\r\nHost: ep.test\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
}
