package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// bigFile is 1000 bytes that show where a range starts and ends.
var bigFile = func() string {
	var sb strings.Builder
	for i := 0; sb.Len() < 1000; i++ {
		fmt.Fprintf(&sb, "%04d,", i)
	}
	return sb.String()[:1000]
}()

// staticETag is nginx's ETag for a file of size n with fixedMtime.
func staticETag(n int) string {
	return fmt.Sprintf(`"%x-%x"`, fixedMtime.Unix(), n)
}

// TestDiffStatic: root, alias, index, try_files, types/default_type,
// expires, ETag, Last-Modified, conditional requests and ranges.
func TestDiffStatic(t *testing.T) {
	lastMod := fixedMtime.Format("Mon, 02 Jan 2006 15:04:05 GMT")
	before := fixedMtime.Add(-3600e9).Format("Mon, 02 Jan 2006 15:04:05 GMT")
	runDiffSuite(t, diffSuite{
		files: map[string]string{
			"html/index.html":      "<p>index</p>\n",
			"html/a.txt":           "plain text a\n",
			"html/big.txt":         bigFile,
			"html/img.png":         "\x89PNG\r\n\x1a\nnot really",
			"html/noext":           "no extension\n",
			"html/sub/index.htm":   "sub index htm\n",
			"html/fallback.txt":    "fallback\n",
			"html/tf/real.txt":     "real try file\n",
			"html/ex/cached.css":   "body{}\n",
			"html/types/data.json": "{}\n",
			"aliased/file.txt":     "from alias\n",
		},
		http: `server_tokens off;
types { text/html html; text/plain txt; image/png png; text/css css; application/json json; }
default_type application/octet-stream;
server {
    listen 127.0.0.1:{{PORT}};
    server_name st.example;
    root {{DIR}}/html;
    index index.html index.htm;
    location / { }
    location /tf/ { try_files $uri $uri/ /fallback.txt; }
    location /tf404/ { try_files $uri =404; }
    location /tfnamed/ { try_files $uri @up; }
    location @up { return 200 "named after try_files uri=$uri\n"; }
    location /al/ { alias {{DIR}}/aliased/; }
    location /ex/ { expires 1h; }
    location /exoff/ { root {{DIR}}/html/ex; expires epoch; }
    location /types/ { types { text/x-custom json; } default_type application/x-def; }
}
`,
		cases: []diffCase{
			{name: "index", req: get("st.example", "/")},
			{name: "file", req: get("st.example", "/a.txt")},
			{name: "head file", req: "HEAD /a.txt HTTP/1.1\r\nHost: st.example\r\n\r\n", head: true},
			{name: "binary type", req: get("st.example", "/img.png")},
			{name: "default_type", req: get("st.example", "/noext")},
			{name: "directory redirect", req: get("st.example", "/sub")},
			{name: "directory redirect keeps args", req: get("st.example", "/sub?a=1")},
			{name: "second index name", req: get("st.example", "/sub/")},
			{name: "missing file 404", req: get("st.example", "/missing.txt")},
			{name: "post to static file 405", req: "POST /a.txt HTTP/1.1\r\nHost: st.example\r\nContent-Length: 3\r\n\r\nabc"},
			{name: "try_files existing", req: get("st.example", "/tf/real.txt")},
			{name: "try_files fallback", req: get("st.example", "/tf/nope")},
			{name: "try_files code", req: get("st.example", "/tf404/nope")},
			{name: "try_files named", req: get("st.example", "/tfnamed/nope")},
			{name: "alias", req: get("st.example", "/al/file.txt")},
			{name: "expires", req: get("st.example", "/ex/cached.css")},
			{name: "expires epoch", req: get("st.example", "/exoff/cached.css")},
			{name: "location types", req: get("st.example", "/types/data.json")},
			{name: "range first bytes", req: getH("st.example", "/big.txt", "Range: bytes=0-9")},
			{name: "range suffix", req: getH("st.example", "/big.txt", "Range: bytes=-5")},
			{name: "range open end", req: getH("st.example", "/big.txt", "Range: bytes=990-")},
			{name: "range beyond end clipped", req: getH("st.example", "/big.txt", "Range: bytes=995-2000")},
			{name: "range unsatisfiable", req: getH("st.example", "/big.txt", "Range: bytes=5000-")},
			{name: "range malformed is 416", req: getH("st.example", "/big.txt", "Range: bytes=x-y")},
			{name: "range other unit ignored", req: getH("st.example", "/big.txt", "Range: items=0-1")},
			{name: "if-modified-since equal", req: getH("st.example", "/a.txt", "If-Modified-Since: "+lastMod)},
			{name: "if-modified-since before", req: getH("st.example", "/a.txt", "If-Modified-Since: "+before)},
			{name: "if-none-match", req: getH("st.example", "/a.txt", "If-None-Match: "+staticETag(len("plain text a\n")))},
			{name: "if-none-match star", req: getH("st.example", "/a.txt", "If-None-Match: *")},
			{name: "if-none-match other", req: getH("st.example", "/a.txt", `If-None-Match: "nope"`)},
			{name: "if-match fails", req: getH("st.example", "/a.txt", `If-Match: "nope"`)},
			{name: "if-unmodified-since fails", req: getH("st.example", "/a.txt", "If-Unmodified-Since: "+before)},
			{name: "if-range etag matches", req: getH("st.example", "/big.txt", "Range: bytes=0-3", "If-Range: "+staticETag(1000))},
			{name: "if-range etag differs", req: getH("st.example", "/big.txt", "Range: bytes=0-3", `If-Range: "old"`)},
			{name: "if-range date matches", req: getH("st.example", "/big.txt", "Range: bytes=4-7", "If-Range: "+lastMod)},
		},
	})
}
