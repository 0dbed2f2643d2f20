package vars

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
)

// The "found" differential: nginx's access log prints "-" for a variable
// that is not found and "" for one that is found but empty, so the log is
// where the distinction is observable. Each case is logged by nginx with
// foundFormat and rendered by the evaluator the way proxy/accesslog renders
// it (Request.AppendVar's ok=false gives "-").

// foundVars are the variables of foundFormat. Variables the log module
// renders itself ($status, $msec, ...) are left out: they are never "-".
var foundVars = []string{
	"args", "query_string", "is_args", "arg_a", "arg_missing", "http_x_custom", "http_user_agent",
	"http_cookie", "cookie_a", "cookie_missing", "content_type", "content_length", "remote_user",
	"upstream_addr", "upstream_status", "upstream_response_time", "upstream_connect_time",
	"upstream_header_time", "upstream_response_length", "upstream_bytes_received",
	"upstream_bytes_sent", "upstream_http_x_foo", "upstream_cookie_a", "upstream_cache_status",
	"sent_http_content_type", "sent_http_content_length", "sent_http_x_missing",
	"sent_http_transfer_encoding", "sent_http_keep_alive", "sent_http_last_modified",
	"sent_http_connection", "proxy_host", "proxy_port", "request_body", "request_body_file",
	"ssl_server_name", "ssl_protocol", "https", "gzip_ratio", "m_nodefault", "m_exact", "lbl",
	"unset_var", "server_protocol", "request_method", "request_uri", "uri", "host",
	"realip_remote_addr", "proxy_protocol_addr", "limit_rate", "connection_requests", "http2",
	"request_completion", "capset", "is_args", "cookie_b", "arg_b", "upstream_http_x_missing", "sent_http_location",
}

// foundCases are requests whose variables differ in being found.
var foundCases = []diffCase{
	{name: "no-query", target: "/p", headers: []string{"Host: n.test"}},
	{name: "empty-query", target: "/p?", headers: []string{"Host: n.test"}},
	{name: "query", target: "/p?a=1&b=", headers: []string{"Host: n.test", "X-Custom: c", "User-Agent: ua"}},
	{name: "empty-arg", target: "/p?a=&x", headers: []string{"Host: n.test", "X-Custom:", "User-Agent:"}},
	{name: "cookies", target: "/", headers: []string{"Host: n.test", "Cookie: b=1; a=", "X-Key: foo"}},
	{name: "cookie-without-a", target: "/", headers: []string{"Host: n.test", "Cookie: b=1"}},
	{name: "post", method: "POST", target: "/post", headers: []string{"Host: n.test", "Content-Type: text/x", "Content-Length: 5"}, body: "hello"},
	{name: "post-empty-type", method: "POST", target: "/post", headers: []string{"Host: n.test", "Content-Type:", "Content-Length: 0"}},
	{name: "http10-no-host", proto: "HTTP/1.0", target: "/ten"},
	{name: "basic-auth", target: "/", headers: []string{"Host: n.test", "Authorization: Basic dXNlcjpwYXNz"}},
	{name: "basic-auth-bad", target: "/", headers: []string{"Host: n.test", "Authorization: Basic !!"}},
}

var updateFoundGolden = flag.Bool("update-found-golden", false, "rewrite testdata/vars/nginx_found.golden from the real nginx")

const foundGoldenPath = "../testdata/vars/nginx_found.golden"

// foundBody is what nginx returns for every found case; the evaluator's
// response facts mirror it.
const foundBody = "ok\n"

func foundFormat() string {
	var sb strings.Builder
	for i, v := range foundVars {
		if i > 0 {
			sb.WriteByte('|')
		}
		sb.WriteString("$" + v)
	}
	return sb.String()
}

// foundSetup builds a registry with the diff maps and "set $unset_var".
func foundSetup(t *testing.T, opts RegistryOptions) (*Registry, []Index) {
	t.Helper()
	reg, _, _ := diffSetup(t, opts)
	if _, err := reg.DeclareSet("unset_var"); err != nil {
		t.Fatal(err)
	}
	// A name both set and captured (location = /never below).
	if _, err := reg.DeclareSet("capset"); err != nil {
		t.Fatal(err)
	}
	if _, diags := reg.CompileRegex(`^/never/(?<capset>\w+)`, false, nginxconf.Pos{}); len(diags) > 0 {
		t.Fatal(diags)
	}
	idx := make([]Index, len(foundVars))
	for i, name := range foundVars {
		j, ok := reg.Lookup(name)
		if !ok {
			t.Fatalf("$%s is not defined", name)
		}
		idx[i] = j
	}
	return reg, idx
}

// renderFound renders one case as the access log would, after the
// response foundBody was sent without keep-alive.
func renderFound(t *testing.T, reg *Registry, idx []Index, tc diffCase, env diffEnv) string {
	t.Helper()
	c := caseClient(tc)
	if v, ok := c.Header.Get("Content-Length"); ok {
		c.ContentLength, _ = strconv.ParseInt(string(v), 10, 64)
	}
	q := caseRequest(t, reg, c, env)
	var sent http1.Header
	sent.Add([]byte("Content-Type"), []byte("text/plain"))
	sent.Add([]byte("Content-Length"), []byte(strconv.Itoa(len(foundBody))))
	q.Response = Response{Status: 200, Header: &sent, KeepAlive: false, Complete: true}
	var out []byte
	for i, j := range idx {
		if i > 0 {
			out = append(out, '|')
		}
		start := len(out)
		var ok bool
		out, ok = q.AppendVar(j, out)
		if !ok {
			out = append(out[:start], '-')
		}
	}
	return string(out)
}

// TestDifferentialNginxFound logs foundVars through a real nginx and
// compares every field, "-" included, with the evaluator.
func TestDifferentialNginxFound(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx")
	}
	bin := testenv.LookBinary(t, "nginx", "nginx")
	version := nginxVersion(t, bin)
	hostname, _ := os.Hostname()
	reg, idx := foundSetup(t, RegistryOptions{NginxVersion: version, Hostname: hostname})
	ng := testenv.StartNginx(t, testenv.NginxConfig{
		HTTP: diffMaps + `
    log_format found '` + foundFormat() + `';
    server {
        listen {{PORT}};
        server_name default.example;
        root {{DIR}}/html;
        access_log {{DIR}}/logs/found.log found;
        location / {
            return 200 "` + strings.TrimSuffix(foundBody, "\n") + `\n";
        }
        location = /never {
            set $unset_var x;
            set $capset y;
        }
        location ~ ^/never/(?<capset>\w+) {
            return 404;
        }
    }
`,
		Files: map[string]string{"html/index.html": "x"},
	})
	local := netip.MustParseAddrPort(ng.Addr)
	var want []string
	var envs []diffEnv
	for _, tc := range foundCases {
		raw := requestText(tc)
		status, body, clientAddr := rawExchange(t, ng.Addr, raw)
		if status != 200 || string(body) != foundBody {
			t.Fatalf("%s: nginx answered %d %q", tc.name, status, body)
		}
		envs = append(envs, diffEnv{local: local, remote: clientAddr, dir: ng.Dir, hostname: hostname, version: version})
	}
	// nginx writes the log line after the response: wait for all of them.
	logPath := filepath.Join(ng.Dir, "logs", "found.log")
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(logPath)
		want = strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if len(data) > 0 && len(want) >= len(foundCases) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("found.log has %d lines, want %d", len(want), len(foundCases))
		}
		time.Sleep(20 * time.Millisecond)
	}
	golden := []string{"#version\t" + strconv.Quote(version)}
	for i, tc := range foundCases {
		t.Run(tc.name, func(t *testing.T) {
			got := renderFound(t, reg, idx, tc, envs[i])
			compareNamed(t, foundVars, got, want[i])
		})
		golden = append(golden, tc.name+"\t"+strconv.Quote(want[i]))
	}
	if *updateFoundGolden {
		if err := os.WriteFile(foundGoldenPath, []byte(strings.Join(golden, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDifferentialFoundGolden compares the evaluator with the log lines
// nginx wrote, recorded in testdata/vars/nginx_found.golden (see
// -update-found-golden), so the comparison runs without nginx.
func TestDifferentialFoundGolden(t *testing.T) {
	want, version := readGolden(t, foundGoldenPath)
	env := diffEnv{
		local: netip.MustParseAddrPort("127.0.0.1:18080"), remote: netip.MustParseAddrPort("127.0.0.1:40404"),
		dir: t.TempDir(), hostname: "golden-host", version: version,
	}
	reg, idx := foundSetup(t, RegistryOptions{NginxVersion: version, Hostname: env.hostname})
	for _, tc := range foundCases {
		w, ok := want[tc.name]
		if !ok {
			t.Errorf("%s: not in %s (run TestDifferentialNginxFound -update-found-golden)", tc.name, foundGoldenPath)
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			compareNamed(t, foundVars, renderFound(t, reg, idx, tc, env), w)
		})
	}
}

// requestText renders a case as raw HTTP.
func requestText(tc diffCase) string {
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
	return raw + "Connection: close\r\n\r\n" + tc.body
}

// readGolden reads a golden of "name\tquoted" lines and its "#version".
func readGolden(t *testing.T, path string) (map[string]string, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden: %v", err)
	}
	want := map[string]string{}
	var version string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		name, quoted, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad golden line %q", line)
		}
		body, err := strconv.Unquote(quoted)
		if err != nil {
			t.Fatalf("bad golden line %q: %v", line, err)
		}
		if name == "#version" {
			version = body
			continue
		}
		want[name] = body
	}
	return want, version
}

// compareNamed compares two "|"-separated renderings field by field.
func compareNamed(t *testing.T, names []string, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	gs, ws := strings.Split(got, "|"), strings.Split(want, "|")
	for i := 0; i < len(names) && i < len(gs) && i < len(ws); i++ {
		if gs[i] != ws[i] {
			t.Errorf("$%s: evaluator %q, nginx %q", names[i], gs[i], ws[i])
		}
	}
	if len(gs) != len(ws) {
		t.Errorf("field counts differ:\nevaluator %q\nnginx     %q", got, want)
	}
}
