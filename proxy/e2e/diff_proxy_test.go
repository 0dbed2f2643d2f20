package e2e

import "testing"

// TestDiffProxyPass: nginx's URI rules for proxy_pass — without a URI part
// the client's URI passes unchanged, with one the matched prefix is
// replaced by it (from the normalised $uri), variables make it literal —
// and the upstream's answer relayed back (status, headers, bodies).
func TestDiffProxyPass(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name pp.example;
    location /nouri/ { proxy_pass http://be; }
    location /withuri/ { proxy_pass http://be/new/; }
    location /slash/ { proxy_pass http://be/; }
    location /noslash { proxy_pass http://be/other; }
    location /implicit/ { proxy_pass http://{{BACKEND}}; }
    location /implicit-uri/ { proxy_pass http://{{BACKEND}}/x/; }
    location /var/ { proxy_pass http://be$request_uri; }
    location /var-uri/ { set $p /fixed; proxy_pass http://be$p?orig=$uri; }
    location ~ ^/re/(.*)$ { proxy_pass http://be/captured/$1$is_args$args; }
    location ~ ^/regex-nouri/ { proxy_pass http://be; }
    location /rewritten/ { rewrite ^/rewritten/(.*)$ /changed/$1 break; proxy_pass http://be/ignored/; }
    location /status/ { proxy_pass http://be; }
}
`,
		cases: []diffCase{
			{name: "no uri part passes request uri", req: get("pp.example", "/nouri/a?b=1")},
			{name: "no uri part keeps encoding", req: get("pp.example", "/nouri/a%2Fb%20c?x=%41")},
			{name: "no uri part keeps dot segments raw", req: get("pp.example", "/nouri/x/../y")},
			{name: "uri part replaces prefix", req: get("pp.example", "/withuri/a/b?c=d")},
			{name: "uri part uses normalised uri", req: get("pp.example", "/withuri/a%2Fb/../c%20d?x=1")},
			{name: "slash uri part", req: get("pp.example", "/slash/deep/path")},
			{name: "uri part without trailing slash", req: get("pp.example", "/noslash/more")},
			{name: "implicit upstream", req: get("pp.example", "/implicit/q?z")},
			{name: "implicit with uri", req: get("pp.example", "/implicit-uri/q")},
			{name: "variables request_uri", req: get("pp.example", "/var/a%20b?c")},
			{name: "variables with set", req: get("pp.example", "/var-uri/zz?drop=1")},
			{name: "regex captures", req: get("pp.example", "/re/one/two?k=v")},
			{name: "regex location without uri", req: get("pp.example", "/regex-nouri/p?q")},
			{name: "rewrite break then uri part ignored", req: get("pp.example", "/rewritten/abc?k=1")},
			{name: "upstream 404 passes", req: get("pp.example", "/status/?status=404")},
			{name: "upstream 500 passes", req: get("pp.example", "/status/?status=500")},
			{name: "upstream 503 passes", req: get("pp.example", "/status/?status=503")},
			{name: "upstream chunked to http11 client", req: get("pp.example", "/status/?chunked=1")},
			{name: "upstream chunked to http10 client", req: "GET /status/?chunked=1 HTTP/1.0\r\nHost: pp.example\r\n\r\n", state: true},
			{name: "upstream 204 has no body", req: get("pp.example", "/status/?status=204")},
			{name: "upstream 304 has no body", req: get("pp.example", "/status/?status=304")},
			{name: "head has no body", req: "HEAD /status/ HTTP/1.1\r\nHost: pp.example\r\n\r\n", head: true},
			{name: "head chunked", req: "HEAD /status/?chunked=1 HTTP/1.1\r\nHost: pp.example\r\n\r\n", head: true},
			{name: "upstream set-cookie passes", req: get("pp.example", "/status/?setcookie=a%3D1")},
			{name: "post with body", req: "POST /nouri/p HTTP/1.1\r\nHost: pp.example\r\nContent-Length: 11\r\nContent-Type: text/plain\r\n\r\nhello world"},
			{name: "upstream closes with connection close", req: get("pp.example", "/status/?close=1"), state: true},
		},
	})
}

// TestDiffProxyHeaders: the request headers sent upstream (defaults Host
// $proxy_host and Connection close, a level that sets any replaces the
// inherited list, empty values drop the header, $proxy_add_x_forwarded_for,
// map-driven values) and the response headers sent back (hidden by default,
// proxy_hide_header, proxy_pass_header, add_header [always]).
func TestDiffProxyHeaders(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
map $http_x_tier $tier {
    default        none;
    gold           G;
    ~^s(?<n>\d)$   S$n;
}
map $host $site { hostnames; default other; *.hdr.example sub; hdr.example main; }
upstream be { server {{BACKEND}}; }
proxy_set_header X-Http-Level http;
server {
    listen 127.0.0.1:{{PORT}};
    server_name hdr.example *.hdr.example;
    location /inherit-http/ { proxy_pass http://be; }
    location /own/ {
        proxy_set_header X-Loc loc;
        proxy_pass http://be;
    }
    location /vars/ {
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Real-IP $remote_addr;
        proxy_set_header X-Tier $tier;
        proxy_set_header X-Site $site;
        proxy_set_header X-Empty "";
        proxy_set_header X-Method $request_method;
        proxy_set_header X-Uri "$uri|$args|$is_args|$request_uri";
        proxy_set_header X-Cookie-A $cookie_a;
        proxy_set_header X-Arg-Q $arg_q;
        proxy_pass http://be;
    }
    location /keepalive-headers/ {
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_pass http://be;
    }
    location /hide/ {
        proxy_hide_header X-Secret;
        proxy_pass_header Server;
        proxy_pass http://be;
    }
    location /nohdrs/ {
        proxy_pass_request_headers off;
        proxy_pass http://be;
    }
    location /add/ {
        add_header X-Added "tier=$tier";
        add_header X-Always yes always;
        proxy_pass http://be;
    }
    location /addret/ {
        add_header X-Added no;
        add_header X-Always yes always;
        return 404;
    }
}
`,
		cases: []diffCase{
			{name: "defaults with http-level header", req: getH("hdr.example", "/inherit-http/", "User-Agent: t/1", "Accept: */*")},
			{name: "own list replaces inherited", req: getH("hdr.example", "/own/", "X-Client: c")},
			{name: "client connection and keep-alive not passed", req: getH("hdr.example", "/own/", "Connection: keep-alive, X-Drop", "Keep-Alive: 5", "Te: trailers", "Upgrade: foo")},
			{name: "variables", req: getH("a.hdr.example", "/vars/p?q=1&r=2", "X-Tier: gold", "Cookie: a=1; b=2")},
			{name: "map regex capture", req: getH("hdr.example", "/vars/", "X-Tier: s7")},
			{name: "map default", req: getH("elsewhere.example", "/vars/", "X-Tier: silver")},
			{name: "x-forwarded-for appended", req: getH("hdr.example", "/vars/", "X-Forwarded-For: 10.0.0.1, 10.0.0.2")},
			{name: "x-forwarded-for repeated headers", req: getH("hdr.example", "/vars/", "X-Forwarded-For: 10.0.0.1", "X-Forwarded-For: 10.0.0.2")},
			{name: "http11 upstream with cleared connection", req: getH("hdr.example", "/keepalive-headers/", "Connection: keep-alive")},
			{name: "hide and pass headers", req: get("hdr.example", "/hide/")},
			{name: "request headers not passed", req: getH("hdr.example", "/nohdrs/", "X-Client: c")},
			{name: "add_header on 200", req: getH("hdr.example", "/add/", "X-Tier: gold"), headers: []string{"X-Added", "X-Always"}},
			{name: "add_header on upstream 404", req: get("hdr.example", "/add/?status=404"), headers: []string{"X-Added", "X-Always"}},
			{name: "add_header always on return", req: get("hdr.example", "/addret/"), headers: []string{"X-Added", "X-Always"}},
			{name: "underscore headers dropped", req: getH("hdr.example", "/own/", "X_Under: 1", "X-Ok: 2")},
			{name: "duplicate custom headers kept", req: getH("hdr.example", "/own/", "X-Dup: 1", "X-Dup: 2")},
		},
	})
}

// TestDiffProxyRedirect: proxy_redirect default, off and explicit rules on
// Location from the upstream.
func TestDiffProxyRedirect(t *testing.T) {
	runDiffSuite(t, diffSuite{
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name rd.example;
    location /pr/ { proxy_pass http://be/inner/; }
    location /off/ { proxy_redirect off; proxy_pass http://be/inner/; }
    location /explicit/ { proxy_redirect http://backend.example/ /mapped/; proxy_pass http://be/inner/; }
    location /nouri/ { proxy_pass http://be; }
}
`,
		cases: []diffCase{
			{name: "default rewrites proxy url", req: get("rd.example", "/pr/x?location=http://be/inner/target")},
			{name: "default leaves other hosts", req: get("rd.example", "/pr/x?location=http://other.example/inner/t")},
			{name: "off", req: get("rd.example", "/off/x?location=http://be/inner/target")},
			{name: "explicit", req: get("rd.example", "/explicit/x?location=http://backend.example/a/b&status=301")},
			{name: "relative location untouched", req: get("rd.example", "/pr/x?location=/inner/rel&status=302")},
			{name: "default without uri part", req: get("rd.example", "/nouri/x?location=http://be/nouri/y")},
		},
	})
}
