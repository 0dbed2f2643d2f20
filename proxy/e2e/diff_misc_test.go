package e2e

import "testing"

// TestDiffRedirectsAndAccess: how nginx builds Location for its own
// redirects (absolute_redirect, server_name_in_redirect, port_in_redirect,
// Host with a port, no Host), internal locations, allow/deny, add_header
// inheritance, merge_slashes and chunked_transfer_encoding.
func TestDiffRedirectsAndAccess(t *testing.T) {
	runDiffSuite(t, diffSuite{
		files: map[string]string{
			"html/d/index.html": "dir index\n",
		},
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name primary.example alias.example;
    root {{DIR}}/html;
    add_header X-Server-Level srv;
    location /plain/ { return 200 "plain\n"; }
    location /own-header/ { add_header X-Loc loc; return 200 "own\n"; }
    location /ret { return 302 /target; }
    location /abs-off { absolute_redirect off; return 302 /target; }
    location /sn-in-redirect { server_name_in_redirect on; return 302 /target; }
    location /no-port { port_in_redirect off; return 302 /target; }
    location /d { }
    location /internal-only/ { internal; return 200 "internal\n"; }
    location /to-internal/ { rewrite ^ /internal-only/x last; }
    # return runs before the access phase, so these proxy instead.
    location /denied/ { deny 127.0.0.1; proxy_pass http://be; }
    location /denied-return/ { deny all; return 200 "return wins over deny\n"; }
    location /allowed/ { allow 127.0.0.1; deny all; proxy_pass http://be; }
    location /nochunk/ { chunked_transfer_encoding off; proxy_pass http://be; }
    location /method/ {
        if ($request_method = POST) { return 405; }
        return 200 "method $request_method\n";
    }
    error_page 405 =200 /method-page;
    location = /method-page { return 200 "method not allowed page\n"; }
}
server {
    listen 127.0.0.1:{{PORT}};
    server_name unmerged.example;
    merge_slashes off;
    location / { return 200 "uri=$uri\n"; }
}
`,
		cases: []diffCase{
			{name: "server-level add_header inherited", req: get("primary.example", "/plain/"), headers: []string{"X-Server-Level", "X-Loc"}},
			{name: "location add_header replaces server list", req: get("primary.example", "/own-header/"), headers: []string{"X-Server-Level", "X-Loc"}},
			{name: "redirect uses host and port", req: get("alias.example", "/ret")},
			{name: "redirect with port in host header", req: get("alias.example:8080", "/ret")},
			{name: "redirect without host http10", req: "GET /ret HTTP/1.0\r\n\r\n"},
			{name: "absolute_redirect off", req: get("alias.example", "/abs-off")},
			{name: "server_name_in_redirect on", req: get("alias.example", "/sn-in-redirect")},
			{name: "port_in_redirect off", req: get("alias.example", "/no-port")},
			{name: "directory slash redirect", req: get("alias.example", "/d")},
			{name: "internal location direct 404", req: get("primary.example", "/internal-only/x")},
			{name: "internal location after rewrite", req: get("primary.example", "/to-internal/")},
			{name: "deny", req: get("primary.example", "/denied/")},
			{name: "allow", req: get("primary.example", "/allowed/")},
			{name: "return runs before deny", req: get("primary.example", "/denied-return/")},
			{name: "chunked_transfer_encoding off", req: get("primary.example", "/nochunk/?chunked=1"), state: true},
			{name: "if method return 405 then error_page", req: "POST /method/ HTTP/1.1\r\nHost: primary.example\r\nContent-Length: 0\r\n\r\n"},
			{name: "if method get", req: get("primary.example", "/method/")},
			{name: "merge_slashes off", req: get("unmerged.example", "//a///b")},
		},
	})
}
