package e2e

import "testing"

// TestDiffRewrite: set, if (every operator), rewrite (last, break,
// redirect, permanent, args), return (codes, text, URLs), break, and
// error_page (URI, =code, named location, intercepted upstream errors).
func TestDiffRewrite(t *testing.T) {
	runDiffSuite(t, diffSuite{
		files: map[string]string{
			"html/exists.txt": "exists\n",
			"html/sub/f.txt":  "sub file\n",
		},
		http: `server_tokens off;
upstream be { server {{BACKEND}}; }
server {
    listen 127.0.0.1:{{PORT}};
    server_name rw.example;
    root {{DIR}}/html;
    set $who anon;
    if ($http_x_user) { set $who $http_x_user; }
    if ($http_x_server_return) { return 403; }

    location /r/ { rewrite ^/r/(\w+)/(\d+)$ /target/$1?id=$2 last; return 404; }
    location /r-args/ { rewrite ^ /target/keep?new=1; }
    location /r-noargs/ { rewrite ^ /target/drop? last; }
    location /target/ { return 200 "target uri=$uri args=$args who=$who\n"; }
    location /perm { rewrite ^ /target/p permanent; }
    location /redir { rewrite ^ http://elsewhere.example/x redirect; }
    location /abs-redirect { rewrite ^ /target/r redirect; }
    location /loop { rewrite ^ /loop last; }
    location /ret301 { return 301 /target/q; }
    location /ret302 { return 302 http://other.example/; }
    location /ret-url { return http://third.example/$uri; }
    location /ret-text { return 418 "teapot $request_method\n"; }
    location /ret-empty { return 200; }
    location /ret-204 { return 204; }
    location /ret-444 { return 444; }
    location /ret-499 { return 499 "client closed\n"; }
    location /if/ {
        if ($arg_x = "1") { return 200 "x is one\n"; }
        if ($arg_x != "") { return 200 "x is set to $arg_x\n"; }
        if ($request_uri ~* "/IF/(?<w>[a-z]+)") { return 200 "caseless match w=$w\n"; }
        if ($uri ~ "^/if/(\d+)$") { return 200 "digits $1\n"; }
        if ($uri !~ "zzz") { return 200 "no zzz in $uri\n"; }
        return 200 "if fallthrough\n";
    }
    location /files/ {
        if (-f $document_root/exists.txt) { return 200 "file exists\n"; }
        return 200 "no file\n";
    }
    location /dirtest/ {
        if (!-d $document_root/sub) { return 200 "no dir\n"; }
        if (-e $document_root/sub/f.txt) { return 200 "dir and file exist\n"; }
        return 200 "?\n";
    }
    location /break/ {
        set $a one;
        break;
        set $a two;
        proxy_set_header X-A $a;
        proxy_pass http://be;
    }
    location /err/ { error_page 404 /custom404; return 404; }
    location = /custom404 { return 200 "custom not found page uri=$uri\n"; }
    location /err-code/ { error_page 500 =200 /target/fromerr; return 500; }
    location /err-any/ { error_page 404 = /target/any; return 404; }
    location /err-named/ { error_page 403 = @named; return 403; }
    location @named { return 200 "named handled $uri\n"; }
    location /err-redirect/ { error_page 404 http://elsewhere.example/nf; return 404; }
    location /ep-up/ {
        proxy_intercept_errors on;
        error_page 404 = /target/up404;
        proxy_pass http://be;
    }
    location /ep-noint/ {
        error_page 404 = /target/never;
        proxy_pass http://be;
    }
    location /missing-file/ { }
}
`,
		cases: []diffCase{
			{name: "rewrite last with captures and args", req: get("rw.example", "/r/abc/42")},
			{name: "rewrite last keeps who from server if", req: getH("rw.example", "/r/abc/42", "X-User: zed")},
			{name: "rewrite no match falls to return", req: get("rw.example", "/r/abc/x")},
			{name: "rewrite appends original args", req: get("rw.example", "/r-args/?orig=2")},
			{name: "rewrite question mark drops args", req: get("rw.example", "/r-noargs/?orig=2")},
			{name: "rewrite permanent", req: get("rw.example", "/perm?a=1")},
			{name: "rewrite redirect absolute url", req: get("rw.example", "/redir")},
			{name: "rewrite redirect relative", req: get("rw.example", "/abs-redirect")},
			{name: "rewrite loop ends in 500", req: get("rw.example", "/loop")},
			{name: "return 301 relative", req: get("rw.example", "/ret301")},
			{name: "return 302 absolute", req: get("rw.example", "/ret302")},
			{name: "return url only", req: get("rw.example", "/ret-url")},
			{name: "return text with variable", req: get("rw.example", "/ret-text")},
			{name: "return code only", req: get("rw.example", "/ret-empty")},
			{name: "return 204", req: get("rw.example", "/ret-204")},
			{name: "return 444 closes", req: get("rw.example", "/ret-444"), state: true},
			{name: "return 499 text", req: get("rw.example", "/ret-499")},
			{name: "server-level if return", req: getH("rw.example", "/target/", "X-Server-Return: 1")},
			{name: "if equals", req: get("rw.example", "/if/?x=1")},
			{name: "if not equals", req: get("rw.example", "/if/?x=2")},
			{name: "if caseless regex named capture", req: get("rw.example", "/if/word")},
			{name: "if regex numbered capture", req: get("rw.example", "/if/123")},
			{name: "if negated regex", req: get("rw.example", "/if/12a")},
			{name: "if file exists", req: get("rw.example", "/files/")},
			{name: "if dir and exists", req: get("rw.example", "/dirtest/")},
			{name: "break stops rewrite module", req: get("rw.example", "/break/")},
			{name: "error_page to uri keeps status", req: get("rw.example", "/err/")},
			{name: "error_page with new code", req: get("rw.example", "/err-code/")},
			{name: "error_page equals takes target status", req: get("rw.example", "/err-any/")},
			{name: "error_page named location", req: get("rw.example", "/err-named/")},
			{name: "error_page url redirects", req: get("rw.example", "/err-redirect/")},
			{name: "intercepted upstream 404", req: get("rw.example", "/ep-up/?status=404")},
			{name: "intercept ignores 200", req: get("rw.example", "/ep-up/")},
			{name: "no intercept passes upstream 404", req: get("rw.example", "/ep-noint/?status=404")},
			{name: "static 404 page", req: get("rw.example", "/missing-file/nope")},
		},
	})
}
