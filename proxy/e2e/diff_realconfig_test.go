package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// corpusDir holds the shared corpus of real configurations
// (../shared/corpus beside the checkout); SLICEPROXY_CORPUS overrides it.
func corpusDir() string {
	if d := os.Getenv("SLICEPROXY_CORPUS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "corpus")
}

// adaptRealConfig reads a corpus configuration and applies rewrites (regexp
// → replacement) that only move it onto loopback and the test's
// directories; everything else is served as published.
func adaptRealConfig(t *testing.T, name string, rewrites [][2]string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(corpusDir(), "configs", name))
	if len(matches) != 1 {
		t.Skipf("corpus file %s not found under %s (set SLICEPROXY_CORPUS)", name, corpusDir())
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, rw := range rewrites {
		re := regexp.MustCompile(rw[0])
		if !re.MatchString(text) {
			t.Fatalf("rewrite %q matches nothing in %s: the corpus file changed", rw[0], name)
		}
		text = re.ReplaceAllString(text, rw[1])
	}
	return text
}

// TestDiffRealConfigMastodon serves Mastodon's published nginx.conf (corpus
// 027) with nginx and sliceproxy: an HTTP→HTTPS redirect server, static
// files with try_files and add_header in nested locations, a regex
// location, error_page to a static page, a proxied app with
// $proxy_add_x_forwarded_for, a map for Connection/Upgrade and
// proxy_pass_header Server, and an unbuffered streaming location.
//
// Rewrites: listens move to loopback ports (TLS off: the certificate lines
// are commented out in the original anyway), the upstreams point at the
// echo backend, paths move below the prefix, and proxy_cache is removed
// (a cache answers repeats from disk, which sliceproxy does not do).
func TestDiffRealConfigMastodon(t *testing.T) {
	http := adaptRealConfig(t, "027__mastodon__*", [][2]string{
		{`(?m)^\s*listen \[::\]:\d+[^;]*;\n`, ""},
		{`listen 80;`, "listen 127.0.0.1:{{PORT2}};"},
		{`listen 443 ssl http2;`, "listen 127.0.0.1:{{PORT}};"},
		{`server 127\.0\.0\.1:[34]000`, "server {{BACKEND}}"},
		{`/var/cache/nginx`, "{{DIR}}/cache"},
		{`/home/mastodon/live/public`, "{{DIR}}/public"},
		{`(?m)^\s*proxy_cache(_valid|_use_stale)? [^;]*;\n`, ""},
		{`(?m)^\s*add_header X-Cached [^;]*;\n`, ""},
	})
	websocket := "Upgrade: websocket\r\nConnection: Upgrade"
	runDiffSuite(t, diffSuite{
		http: "server_tokens off;\n" + http,
		files: map[string]string{
			"public/sw.js":            "self.addEventListener('fetch', () => {});\n",
			"public/assets/app.css":   "body { color: black }\n",
			"public/system/media.png": "\x89PNG not really\n",
			"public/500.html":         "<h1>Something went wrong</h1>\n",
			"public/robots.txt":       "User-agent: *\n",
			"cache/.keep":             "",
		},
		cases: []diffCase{
			{name: "http server redirects to https", port2: true, req: get("example.com", "/about?x=1")},
			{name: "http server acme challenge", port2: true, req: get("example.com", "/.well-known/acme-challenge/tok")},
			{name: "http server unknown host", port2: true, req: get("other.example", "/")},
			{name: "service worker exact location", req: get("example.com", "/sw.js"), headers: []string{"Strict-Transport-Security"}},
			{name: "assets regex location", req: get("example.com", "/assets/app.css"), headers: []string{"Strict-Transport-Security"}},
			{name: "missing asset to 500.html with 404", req: get("example.com", "/assets/missing.css"), headers: []string{"Strict-Transport-Security"}},
			{name: "system files", req: get("example.com", "/system/media.png")},
			{name: "head on static", req: "HEAD /sw.js HTTP/1.1\r\nHost: example.com\r\n\r\n", head: true},
			{name: "app proxied", req: getH("example.com", "/api/v1/timelines/public?local=true", "X-Forwarded-For: 203.0.113.9", "Proxy: http://evil", "Accept: application/json")},
			{name: "app websocket headers", req: getH("example.com", "/api/v1/x", websocket)},
			{name: "app static root file falls to proxy", req: get("example.com", "/robots.txt")},
			{name: "app post", req: "POST /api/v1/statuses HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"status\":\"hi!\"}\n"},
			{name: "app upstream 500 passes", req: get("example.com", "/api/v1/fail?status=500")},
			{name: "app upstream 404 passes", req: get("example.com", "/users/nobody?status=404")},
			{name: "streaming unbuffered", req: getH("example.com", "/api/v1/streaming/public", websocket)},
			{name: "streaming chunked", req: get("example.com", "/api/v1/streaming/health?chunked=1")},
			{name: "body limit is 80m", req: "POST /api/v1/media HTTP/1.1\r\nHost: example.com\r\nContent-Length: 83886081\r\n\r\n", state: true,
				blocked: "proxy: client_max_body_size is not checked against Content-Length before the body arrives; nginx answers 413 at once (with or without Expect: 100-continue), sliceproxy waits for the body"},
			{name: "unknown host served by first server on port", req: get("mastodon.invalid", "/api/v1/instance")},
		},
	})
}
