package e2e

import "testing"

// TestDiffServerNames: server selection by Host — exact, "*." and ".*"
// wildcards (longest wins), ".name", regexes in order with captures, the
// default_server, requests without Host, absolute-form targets.
func TestDiffServerNames(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
server { listen 127.0.0.1:{{PORT}}; server_name first.example; return 200 "first host=$host\n"; }
server { listen 127.0.0.1:{{PORT}} default_server; server_name default.example; return 200 "default host=$host server_name=$server_name\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name exact.example *.wild.example; return 200 "exact-or-star host=$host\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name *.sub.wild.example; return 200 "longer-star host=$host\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name www.tail.*; return 200 "tail-star host=$host\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name www.tail.example.*; return 200 "longer-tail-star host=$host\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name .dot.example; return 200 "dot host=$host\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name "~^(\d+)\.(\w+)\.num\.example$"; return 200 "captures 1=$1 2=$2\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name ~^www\..*\.re\.example$; return 200 "second regex host=$host\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name ""; return 200 "empty name host=[$host]\n"; }
`,
		cases: []diffCase{
			{name: "exact", req: get("exact.example", "/")},
			{name: "exact case-insensitive", req: get("EXACT.Example", "/")},
			{name: "exact trailing dot", req: get("exact.example.", "/")},
			{name: "exact with port", req: get("exact.example:8080", "/")},
			{name: "first server not default", req: get("first.example", "/")},
			{name: "star wildcard", req: get("a.wild.example", "/")},
			{name: "longest star wildcard", req: get("x.a.sub.wild.example", "/")},
			{name: "star needs a label", req: get("wild.example", "/")},
			{name: "tail wildcard", req: get("www.tail.org", "/")},
			{name: "longest tail wildcard", req: get("www.tail.example.org", "/")},
			{name: "dot name itself", req: get("dot.example", "/")},
			{name: "dot name subdomain", req: get("a.b.dot.example", "/")},
			{name: "regex numbered captures", req: get("42.abc.num.example", "/")},
			{name: "regex", req: get("www.bob.re.example", "/")},
			{name: "unknown host to default_server", req: get("nowhere.example", "/")},
			{name: "http10 without host", req: "GET / HTTP/1.0\r\n\r\n", state: true},
			{name: "absolute uri wins over host", req: "GET http://exact.example/x HTTP/1.1\r\nHost: first.example\r\n\r\n"},
			{name: "host with underscore", req: get("under_score.example", "/")},
			{name: "invalid host", req: get("bad/host", "/"), state: true},
			{name: "host with leading dot", req: get(".exact.example", "/"), state: true},
		},
	})
}

// TestDiffServerNameNamedCaptures: a named capture of a server_name regex
// is a variable in that server (nginx declares it at load time).
func TestDiffServerNameNamedCaptures(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
server { listen 127.0.0.1:{{PORT}} default_server; return 200 "default\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name ~^(?<user>[a-z]+)\.re\.example$; return 200 "named-capture user=$user\n"; }
server { listen 127.0.0.1:{{PORT}}; server_name ~^(?P<who>[a-z]+)\.py\.example$; return 200 "python-style who=$who\n"; }
`,
		cases: []diffCase{
			{name: "named capture", req: get("alice.re.example", "/")},
			{name: "python-style named capture", req: get("bob.py.example", "/")},
			{name: "no match", req: get("9.re.example", "/")},
		},
	})
}

// TestDiffLocations: nginx's location choice — "=", longest prefix, "^~",
// regexes in order, nested locations, named locations, the 301 to "dir/",
// and URI normalisation before matching.
func TestDiffLocations(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
server {
    listen 127.0.0.1:{{PORT}};
    server_name loc.example;
    location = /exact { return 200 "exact uri=$uri\n"; }
    location = / { return 200 "exact root\n"; }
    location / { return 200 "root prefix uri=$uri\n"; }
    location /a/ { return 200 "prefix a uri=$uri\n"; }
    location /a/b/ { return 200 "prefix a/b uri=$uri\n"; }
    location ^~ /static/ { return 200 "caret static uri=$uri\n"; }
    location ~ \.php$ { return 200 "regex php uri=$uri\n"; }
    location ~* \.(jpg|png)$ { return 200 "regex image caseless uri=$uri\n"; }
    location ~ ^/a/b/.*\.php$ { return 200 "second php regex (never first)\n"; }
    location ~ ^/cap/(?<word>[a-z]+)/(\d+) { return 200 "captures word=$word 1=$1\n"; }
    location /nest/ {
        location ~ \.txt$ { return 200 "nested regex uri=$uri\n"; }
        location /nest/inner/ { return 200 "nested prefix uri=$uri\n"; }
        return 200 "nest outer uri=$uri\n";
    }
    location /dir/ { proxy_pass http://{{BACKEND}}; }
    location /tonamed { error_page 404 = @fallback; return 404; }
    location @fallback { return 200 "named location uri=$uri\n"; }
    location /Case/ { return 200 "case-sensitive prefix\n"; }
}
`,
		cases: []diffCase{
			{name: "exact", req: get("loc.example", "/exact")},
			{name: "exact is not a prefix", req: get("loc.example", "/exact/more")},
			{name: "exact root", req: get("loc.example", "/")},
			{name: "root prefix", req: get("loc.example", "/zzz")},
			{name: "longest prefix", req: get("loc.example", "/a/b/c")},
			{name: "shorter prefix", req: get("loc.example", "/a/c")},
			{name: "caret beats regex", req: get("loc.example", "/static/x.php")},
			{name: "regex beats prefix", req: get("loc.example", "/a/b/x.php")},
			{name: "caseless regex", req: get("loc.example", "/pics/X.PNG")},
			{name: "case-sensitive regex misses", req: get("loc.example", "/x.PHP")},
			{name: "regex captures", req: get("loc.example", "/cap/abc/123")},
			{name: "nested regex", req: get("loc.example", "/nest/x.txt")},
			{name: "nested prefix", req: get("loc.example", "/nest/inner/y")},
			{name: "nested fallthrough", req: get("loc.example", "/nest/other")},
			{name: "slash redirect for proxy location", req: get("loc.example", "/dir")},
			{name: "slash redirect keeps args", req: get("loc.example", "/dir?x=1&y=2")},
			{name: "named location via error_page", req: get("loc.example", "/tonamed")},
			{name: "percent-decoded before matching", req: get("loc.example", "/%61/b/c")},
			{name: "dot segments resolved", req: get("loc.example", "/a/../exact")},
			{name: "double slashes merged", req: get("loc.example", "//a//b//c")},
			{name: "dot-dot above root", req: get("loc.example", "/../x"), state: true},
			{name: "encoded dot-dot above root", req: get("loc.example", "/%2e%2e/x"), state: true},
			{name: "prefix is case-sensitive", req: get("loc.example", "/case/x")},
			{name: "args do not take part", req: get("loc.example", "/exact?a=/static/")},
		},
	})
}
