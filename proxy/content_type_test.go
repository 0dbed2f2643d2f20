package proxy

import "testing"

// TestReturnTextContentType: "return CODE TEXT" takes its type from the
// current URI's extension in the level's types, else default_type, as
// nginx's ngx_http_send_response (checked against nginx 1.22 by
// TestDifferentialNginx).
func TestReturnTextContentType(t *testing.T) {
	tp := startProxy(t, `
default_type application/x-http;
server {
    listen 127.0.0.1:0;
    location /typed/ {
        types { application/json json; text/html html htm; }
        default_type application/x-default;
        return 200 "typed";
    }
    location /inherit/ { return 200 "builtin types, http default_type"; }
    location /err/ { error_page 404 /typed/page.json; return 404; }
    location /rw/ { rewrite ^ /typed/r.htm last; }
    location /nocontent/ { return 204; }
    location /nocontent-text/ { return 204 "dropped"; }
}`, nil)
	cases := []struct{ uri, status, want string }{
		{"/typed/a.json", "200", "application/json"},
		{"/typed/A.JSON?q=1.html", "200", "application/json"}, // case-insensitive; the query does not count
		{"/typed/a.htm", "200", "text/html"},
		{"/typed/a", "200", "application/x-default"},
		{"/typed/a.json.", "200", "application/x-default"},  // empty extension
		{"/typed/.json", "200", "application/x-default"},    // a leading dot names no extension
		{"/typed/a.json/b", "200", "application/x-default"}, // only the last segment counts
		{"/typed/a.png", "200", "application/x-default"},    // not in this level's table
		{"/inherit/a.gif", "200", "image/gif"},              // nginx's built-in table
		{"/inherit/a.json", "200", "application/x-http"},
		{"/err/x", "404", "application/json"}, // the error_page's URI decides
		{"/rw/x", "200", "text/html"},         // so does the rewritten one
	}
	for _, c := range cases {
		t.Run(c.uri, func(t *testing.T) {
			r := tp.get("t", c.uri)
			if got := r.Header.Get("Content-Type"); got != c.want || itoa(r.Status) != c.status {
				t.Errorf("%d %q, want %s %q", r.Status, got, c.status, c.want)
			}
		})
	}
}
