package vars

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
)

// diffMaps are the map blocks both nginx and the evaluator load.
const diffMaps = `
map $host $m_host {
    hostnames;
    default          d;
    example.com      exact;
    .example.org     dot-org;
    *.example.net    star-net;
    *.a.example.net  deeper;
    www.example.*    tail;
    www.example.co.* tail-longer;
    ~^(?<lbl>[a-z]+)\.re\.test$  re-$lbl-$1;
    ~*^CASE\.(\w+)$  case-$1;
}
map $http_x_key $m_exact {
    default  none;
    Foo      foo-lc;
    bar      bar;
    ""       empty;
    \~tilde  tilde;
    *.wild   not-a-wildcard;
    ~*^BAZ(.*)$  baz-$1;
    ~^q(?P<pn>\d+)$  py-$pn;
}
map $m_exact $m_chain {
    default  chain-d;
    foo-lc   chained-$host;
}
map "$arg_a:$arg_b" $m_src {
    default  d;
    1:2      onetwo;
    ~^(\d+):(\d+)$  nums-$2-$1;
}
map $uri $m_uri {
    default  -;
    ~^/cap/(\d+)/(\w+)  "c1=$1 c2=$2";
    /exact   exact-uri;
}
map $http_x_none $m_nodefault {
    x  y;
}
map $http_x_key $m_hostnames_dot {
    hostnames;
    default  nd;
    foo.test  plain;
    *.example.net  star;
    example.net    exact;
    a.*            tail-a;
    .b.            dot-b-dot;
}
map $http_x_re $m_re {
    default  none;
    ~^a++a$  possessive;
    ~^(?<w>[a-z]+)-\k<w>$  backref-$w;
    ~^x(?=y)  lookahead;
    ~^(?<!z)q(\d)  lookbehind-$1;
    ~^(a|b)+c$  alt-$1;
    ~*^ÄB  caseless-utf8;
}
map $uri $m_dollar {
    default  no;
    ~bar\Z  bigz;
    ~\.php$  php;
    ~*\.JPG$ jpg;
}
map "$host-$request_method" $m_complex_src {
    default  d;
    ~^(?<h2>[^-]+)-POST$  post-$h2;
    n.test-GET  get-n;
}
`

// diffVars are the variables rendered by "return 200" on both sides.
var diffVars = []string{
	"host", "http_host", "http_user_agent", "http_x_custom", "http_x_forwarded_for",
	"http_cookie", "cookie_a", "cookie_b", "cookie_missing", "arg_a", "arg_b", "arg_missing",
	"args", "query_string", "is_args", "uri", "document_uri", "request_uri", "request",
	"request_method", "scheme", "https", "server_name", "server_port", "server_addr",
	"server_protocol", "remote_addr", "remote_port", "binary_remote_addr", "content_type",
	"content_length", "proxy_add_x_forwarded_for", "nginx_version", "hostname",
	"document_root", "realpath_root", "request_filename", "connection_requests", "remote_user",
	"m_host", "m_exact", "m_chain", "m_src", "m_uri", "m_nodefault", "m_hostnames_dot",
	"lbl", "pn", "m_dollar", "m_complex_src", "h2", "m_re", "w",
	"http2", "request_completion", "realip_remote_addr", "upstream_response_length",
	"sent_http_content_type",
}

type diffCase struct {
	name    string
	proto   string // default HTTP/1.1
	method  string // default GET
	target  string
	headers []string
	body    string
	// joins marks cases whose result depends on nginx ≥ 1.23 joining
	// repeated headers; skipped against older nginx.
	joins bool
}

var diffCases = []diffCase{
	{name: "plain", target: "/index.html?a=1&b=2", headers: []string{"Host: example.com", "User-Agent: test/1.0", "Cookie: a=1; B=2"}},
	{name: "dot-org-port", target: "/x?A=x&B=y", headers: []string{"Host: WWW.Example.ORG:8080", "X-Key: FOO"}},
	{name: "star-net", target: "/", headers: []string{"Host: x.y.example.net", "X-Key: bar"}},
	{name: "deeper", target: "/", headers: []string{"Host: z.a.example.net"}},
	{name: "bare-a-example-net", target: "/", headers: []string{"Host: a.example.net"}},
	{name: "bare-example-net", target: "/", headers: []string{"Host: example.net"}},
	{name: "tail", target: "/", headers: []string{"Host: www.example.de", "X-Key: BazQux"}},
	{name: "tail-longer", target: "/", headers: []string{"Host: www.example.co.uk"}},
	{name: "regex-named", target: "/", headers: []string{"Host: abc.re.test"}},
	{name: "regex-caseless", target: "/", headers: []string{"Host: Case.Foo"}},
	{name: "trailing-dot", target: "/", headers: []string{"Host: example.org."}},
	{name: "absolute-form", target: "http://Abs.Example.COM/p?q", headers: []string{"Host: other.test"}},
	{name: "http10-no-host", proto: "HTTP/1.0", target: "/ten"},
	{name: "uri-normalise", target: "//a/./b/../c/%41%2e%2E/d?x=%20", headers: []string{"Host: n.test"}},
	{name: "uri-capture", target: "/cap/42/foo_bar?a=7&b=8", headers: []string{"Host: n.test"}},
	{name: "uri-exact", target: "/exact", headers: []string{"Host: n.test"}},
	{name: "xff", target: "/", headers: []string{"Host: n.test", "X-Forwarded-For: 1.2.3.4"}},
	{name: "cookie-spaces", target: "/", headers: []string{"Host: n.test", "Cookie: a = 1 ;b=2; missingx=3"}},
	{name: "cookies-repeated", target: "/", headers: []string{"Host: n.test", "Cookie: x=1", "Cookie: b=9; a=8"}},
	{name: "post-body", method: "POST", target: "/post", headers: []string{"Host: n.test", "Content-Type: text/plain", "Content-Length: 5"}, body: "hello"},
	{name: "empty-key", target: "/", headers: []string{"Host: n.test", "X-Key:"}},
	{name: "tilde-key", target: "/", headers: []string{"Host: n.test", "X-Key: ~tilde"}},
	{name: "not-wildcard", target: "/", headers: []string{"Host: n.test", "X-Key: *.WILD"}},
	{name: "python-named", target: "/", headers: []string{"Host: n.test", "X-Key: q17"}},
	{name: "args-first", target: "/?aa=0&a=1&a=2&A=3&b", headers: []string{"Host: n.test"}},
	{name: "args-case", target: "/?A=5&B=6", headers: []string{"Host: n.test"}},
	{name: "empty-query", target: "/q?", headers: []string{"Host: n.test"}},
	{name: "hostnames-dot-source", target: "/", headers: []string{"Host: n.test", "X-Key: FOO.test."}},
	{name: "basic-auth", target: "/", headers: []string{"Host: n.test", "Authorization: Basic dXNlcjpwYXNz"}},
	{name: "custom-header-underscore-name", target: "/", headers: []string{"Host: n.test", "X-Custom: v1"}},
	{name: "hostnames-source-star", target: "/", headers: []string{"Host: n.test", "X-Key: WWW.Example.NET."}},
	{name: "hostnames-source-exact", target: "/", headers: []string{"Host: n.test", "X-Key: example.net"}},
	{name: "hostnames-source-tail", target: "/", headers: []string{"Host: n.test", "X-Key: a.b.c"}},
	{name: "hostnames-source-tail-bare", target: "/", headers: []string{"Host: n.test", "X-Key: a."}},
	{name: "hostnames-dot-b-dot", target: "/", headers: []string{"Host: n.test", "X-Key: x.b.."}},
	{name: "dollar-newline", target: "/x.php%0A", headers: []string{"Host: n.test"}},
	{name: "dollar-plain", target: "/x.php", headers: []string{"Host: n.test"}},
	{name: "dollar-after-newline", target: "/x.php%0Ay", headers: []string{"Host: n.test"}},
	{name: "caseless-regex", target: "/IMG.jpg", headers: []string{"Host: n.test"}},
	{name: "complex-source-post", method: "POST", target: "/", headers: []string{"Host: P.Test", "Content-Length: 0"}},
	{name: "complex-source-get", target: "/", headers: []string{"Host: n.test"}},
	{name: "args-edge", target: "/?&a=3&&b==x", headers: []string{"Host: n.test"}},
	{name: "args-no-value", target: "/?a&b=1", headers: []string{"Host: n.test"}},
	{name: "cookie-edge", target: "/", headers: []string{"Host: n.test", "Cookie: xa=1; a=2;a=3; b"}},
	{name: "cookie-leading-semicolon", target: "/", headers: []string{"Host: n.test", "Cookie: ;a=1"}},
	{name: "cookie-commas", target: "/", headers: []string{"Host: n.test", "Cookie: x=1, a=2,b=3; c"}},
	{name: "cookie-comma-value", target: "/", headers: []string{"Host: n.test", "Cookie: a=1,b=2"}},
	{name: "cookie-no-equals", target: "/", headers: []string{"Host: n.test", "Cookie: a; b=2"}},
	{name: "ipv6-host", target: "/", headers: []string{"Host: [::1]:8080"}},
	{name: "host-dot-port", target: "/", headers: []string{"Host: Example.COM.:80"}},
	{name: "absolute-no-path", target: "http://h.test", headers: []string{"Host: other.test"}},
	{name: "absolute-query-only", target: "http://h.test?x=1", headers: []string{"Host: other.test"}},
	{name: "uri-encoded-slash-plus", target: "/a%2Fb/c+d%2Be", headers: []string{"Host: n.test"}},
	{name: "uri-dot-end", target: "/a/b/..", headers: []string{"Host: n.test"}},
	{name: "empty-header", target: "/", headers: []string{"Host: n.test", "X-Custom:", "User-Agent:"}},
	{name: "http10-with-host", proto: "HTTP/1.0", target: "/", headers: []string{"Host: Ten.Test"}},
	{name: "uri-dots-mixed", target: "/a/b/./../c/", headers: []string{"Host: EXAMPLE.COM"}},
	{name: "uri-tilde", target: "/%7euser/%41b", headers: []string{"Host: n.test", "X-Key: BAR"}},
	{name: "host-empty-port", target: "/?a=3&b=4", headers: []string{"Host: example.com:"}},
	{name: "host-numeric", target: "/", headers: []string{"Host: 10.0.0.1:81"}},
	{name: "source-regex-nums", target: "/?b=9&a=10", headers: []string{"Host: n.test"}},
	{name: "re-possessive", target: "/", headers: []string{"Host: n.test", "X-Re: aaa"}},
	{name: "re-backref", target: "/", headers: []string{"Host: n.test", "X-Re: ab-ab"}},
	{name: "re-backref-miss", target: "/", headers: []string{"Host: n.test", "X-Re: ab-ac"}},
	{name: "re-lookahead", target: "/", headers: []string{"Host: n.test", "X-Re: xy"}},
	{name: "re-lookbehind", target: "/", headers: []string{"Host: n.test", "X-Re: q7"}},
	{name: "re-alt", target: "/", headers: []string{"Host: n.test", "X-Re: abac"}},
	{name: "re-caseless-utf8", target: "/", headers: []string{"Host: n.test", "X-Re: äb"}},
	{name: "re-bigz-newline", target: "/bar%0A", headers: []string{"Host: n.test"}},
	{name: "re-bigz", target: "/bar", headers: []string{"Host: n.test"}},
	{name: "repeated-custom", target: "/", headers: []string{"Host: n.test", "X-Custom: v1", "X-Custom: v2"}, joins: true},
	{name: "repeated-xff", target: "/", headers: []string{"Host: n.test", "X-Forwarded-For: 1.1.1.1", "X-Forwarded-For: 2.2.2.2"}, joins: true},
}

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/vars/nginx_diff.golden from the real nginx")

const goldenPath = "../testdata/vars/nginx_diff.golden"

// diffEnv is what differs between runs: ports, directories, host name.
type diffEnv struct {
	local, remote netip.AddrPort
	dir, hostname string
	version       string
}

// normalise replaces the run-specific fields of a rendered body by
// placeholders so that bodies from different runs compare.
func (e diffEnv) normalise(body []byte) string {
	fields := strings.Split(string(body), "|")
	for i, v := range diffVars {
		if i >= len(fields) {
			break
		}
		switch v {
		case "server_port":
			fields[i] = strings.Replace(fields[i], fmt.Sprint(e.local.Port()), "{PORT}", 1)
		case "remote_port":
			fields[i] = strings.Replace(fields[i], fmt.Sprint(e.remote.Port()), "{RPORT}", 1)
		case "document_root", "realpath_root", "request_filename":
			fields[i] = strings.Replace(fields[i], e.dir, "{DIR}", 1)
		case "hostname":
			fields[i] = strings.Replace(fields[i], e.hostname, "{HOSTNAME}", 1)
		case "nginx_version":
			fields[i] = strings.Replace(fields[i], e.version, "{VERSION}", 1)
		}
	}
	return strings.Join(fields, "|")
}

// evaluate renders the diff template for one case with the evaluator.
func evaluate(t *testing.T, reg *Registry, tmpl *Template, tc diffCase, env diffEnv) []byte {
	t.Helper()
	c := caseClient(tc)
	if tc.body != "" {
		c.ContentLength = int64(len(tc.body))
	}
	return tmpl.Eval(caseRequest(t, reg, c, env), nil)
}

// caseClient is the client request of a diff case, with Connection: close
// (as the case is sent to nginx).
func caseClient(tc diffCase) *http1.Request {
	proto, method := tc.proto, tc.method
	if proto == "" {
		proto = "HTTP/1.1"
	}
	if method == "" {
		method = "GET"
	}
	c := clientRequest(method, tc.target, append(append([]string{}, tc.headers...), "Connection: close")...)
	c.Proto = []byte(proto)
	c.RequestLine = []byte(method + " " + tc.target + " " + proto)
	if proto == "HTTP/1.0" {
		c.ProtoMinor = 0
	}
	return c
}

// caseRequest is the evaluator's request for client c on the diff
// environment's addresses and document root.
func caseRequest(t *testing.T, reg *Registry, c *http1.Request, env diffEnv) *Request {
	t.Helper()
	q := reg.NewRequest()
	q.RemoteAddr, q.LocalAddr = env.remote, env.local
	q.ServerName = "default.example"
	q.DocumentRoot = filepath.Join(env.dir, "html")
	q.ConnRequests = 1
	q.Start = time.Now()
	if err := q.SetClient(c); err != nil {
		t.Fatalf("SetClient: %v", err)
	}
	return q
}

// diffSetup loads the diff maps and compiles the template.
func diffSetup(t *testing.T, opts RegistryOptions) (*Registry, *Template, string) {
	t.Helper()
	var tpl strings.Builder
	for i, v := range diffVars {
		if i > 0 {
			tpl.WriteByte('|')
		}
		tpl.WriteString("$" + v)
	}
	reg := NewRegistry(opts)
	cfg, diags := nginxconf.ParseBytes("diff.conf", []byte("http {"+diffMaps+"}"), nginxconf.Options{SingleFile: true})
	if len(diags) > 0 {
		t.Fatalf("parse: %v", diags)
	}
	for _, d := range reg.LoadMaps(cfg.Directives()[0].Body()) {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("LoadMaps: %v", d)
		}
	}
	tmpl, err := reg.Compile(tpl.String(), nginxconf.Pos{File: "diff.conf"})
	if err != nil {
		t.Fatal(err)
	}
	return reg, tmpl, tpl.String()
}

func compareFields(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	gs, ws := strings.Split(got, "|"), strings.Split(want, "|")
	for i := 0; i < len(diffVars) && i < len(gs) && i < len(ws); i++ {
		if gs[i] != ws[i] {
			t.Errorf("$%s: evaluator %q, nginx %q", diffVars[i], gs[i], ws[i])
		}
	}
	if len(gs) != len(ws) {
		t.Errorf("field counts differ:\nevaluator %q\nnginx     %q", got, want)
	}
}

// TestDifferentialGolden compares the evaluator with nginx's answers
// recorded in testdata/vars/nginx_diff.golden (see -update-golden), so the
// comparison runs where nginx is not installed.
func TestDifferentialGolden(t *testing.T) {
	want, version := readGolden(t, goldenPath)
	env := diffEnv{
		local: netip.MustParseAddrPort("127.0.0.1:18080"), remote: netip.MustParseAddrPort("127.0.0.1:40404"),
		dir: t.TempDir(), hostname: "golden-host", version: version,
	}
	if err := os.Mkdir(filepath.Join(env.dir, "html"), 0o755); err != nil {
		t.Fatal(err)
	}
	reg, tmpl, _ := diffSetup(t, RegistryOptions{NginxVersion: version, Hostname: env.hostname})
	for _, tc := range diffCases {
		w, ok := want[tc.name]
		if !ok {
			continue // recorded against an nginx that skipped it
		}
		t.Run(tc.name, func(t *testing.T) {
			got := env.normalise(evaluate(t, reg, tmpl, tc, env))
			// binary_remote_addr of the golden run was 127.0.0.1 too.
			compareFields(t, got, w)
		})
	}
}

func nginxVersion(t *testing.T, bin string) string {
	out, err := exec.Command(bin, "-v").CombinedOutput()
	if err != nil {
		t.Skipf("nginx -v: %v", err)
	}
	m := regexp.MustCompile(`nginx/(\d+\.\d+\.\d+)`).FindSubmatch(out)
	if m == nil {
		t.Skipf("cannot read the nginx version from %q", out)
	}
	return string(m[1])
}

func versionAtLeast(v string, major, minor int) bool {
	parts := strings.Split(v, ".")
	a, _ := strconv.Atoi(parts[0])
	b, _ := strconv.Atoi(parts[1])
	return a > major || a == major && b >= minor
}

// TestDifferentialNginx renders the same variables and maps through a real
// nginx ("return 200") and through the evaluator, request by request, and
// compares the bodies byte for byte.
func TestDifferentialNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx")
	}
	bin := testenv.LookBinary(t, "nginx", "nginx")
	version := nginxVersion(t, bin)
	joins := versionAtLeast(version, 1, 23)

	hostname, _ := os.Hostname()
	reg, tmpl, tpl := diffSetup(t, RegistryOptions{NginxVersion: version, Hostname: hostname})
	ng := testenv.StartNginx(t, testenv.NginxConfig{
		HTTP: diffMaps + `
    server {
        listen {{PORT}};
        server_name default.example other.example;
        root {{DIR}}/html;
        location / {
            return 200 "` + tpl + `";
        }
    }
`,
		Files: map[string]string{"html/index.html": "x"},
	})
	local := netip.MustParseAddrPort(ng.Addr)
	golden := []string{"#version\t" + strconv.Quote(version)}
	for _, tc := range diffCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.joins && !joins {
				t.Skipf("nginx %s does not join repeated headers (1.23+ does)", version)
			}
			proto, method := tc.proto, tc.method
			if proto == "" {
				proto = "HTTP/1.1"
			}
			if method == "" {
				method = "GET"
			}
			raw := method + " " + tc.target + " " + proto + "\r\n"
			for _, h := range tc.headers {
				raw += h + "\r\n"
			}
			raw += "Connection: close\r\n\r\n" + tc.body
			status, body, clientAddr := rawExchange(t, ng.Addr, raw)
			if status != 200 {
				t.Fatalf("nginx answered %d: %q", status, body)
			}
			env := diffEnv{local: local, remote: clientAddr, dir: ng.Dir, hostname: hostname, version: version}
			got := evaluate(t, reg, tmpl, tc, env)
			compareFields(t, string(got), string(body))
			golden = append(golden, tc.name+"\t"+strconv.Quote(env.normalise(body)))
		})
	}
	if *updateGolden {
		if err := os.WriteFile(goldenPath, []byte(strings.Join(golden, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// rawExchange sends one raw request on a new connection and returns the
// status, the body and the client's address.
func rawExchange(t *testing.T, addr, raw string) (int, []byte, netip.AddrPort) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read status: %v", err)
	}
	var status int
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
		t.Fatalf("status line %q: %v", line, err)
	}
	length := -1
	for {
		h, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("read header: %v", err)
		}
		h = strings.TrimRight(h, "\r\n")
		if h == "" {
			break
		}
		if name, value, ok := strings.Cut(h, ":"); ok && strings.EqualFold(name, "Content-Length") {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	var body []byte
	if length >= 0 {
		body = make([]byte, length)
		_, err = io.ReadFull(br, body)
	} else {
		body, err = io.ReadAll(br)
	}
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return status, body, netip.MustParseAddrPort(conn.LocalAddr().String())
}
