package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
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
			{name: "body limit is 80m", req: "POST /api/v1/media HTTP/1.1\r\nHost: example.com\r\nContent-Length: 83886081\r\n\r\n", state: true},
			{name: "unknown host served by first server on port", req: get("mastodon.invalid", "/api/v1/instance")},
		},
	})
}

// fullConfigSide starts a whole nginx.conf (not just an http{} body) for
// one side: {{PORT}} and {{DIR}} are replaced, files are written below the
// prefix, and the process facts come from -g, as a service unit would pass
// them. It returns the rendered configuration.
func fullConfigSide(t *testing.T, conf string, files map[string]string) rendered {
	t.Helper()
	dir := t.TempDir()
	port := testenv.FreePort(t)
	expand := strings.NewReplacer("{{PORT}}", fmt.Sprint(port), "{{DIR}}", dir).Replace
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, body := range files {
		writeTestFile(t, filepath.Join(dir, name), expand(body))
	}
	path := filepath.Join(dir, "conf", "nginx.conf")
	writeTestFile(t, path, expand(conf))
	for name := range files {
		if err := os.Chtimes(filepath.Join(dir, name), fixedMtime, fixedMtime); err != nil {
			t.Fatal(err)
		}
	}
	return rendered{Dir: dir, Conf: path, Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port}
}

// globalsFor is the -g both servers get with a full configuration.
func globalsFor(dir string) string {
	return "daemon off; master_process off; pid " + dir + "/nginx.pid; error_log " + dir + "/logs/error.log info;"
}

// TestDiffRealConfigStockTengine runs tengine's stock conf/tengine.conf
// (corpus 001: the classic nginx.conf with include mime.types, index,
// error_page 50x) as the whole main configuration, with -g giving the
// process facts, in nginx and in sliceproxy. The listen port changes, and
// `server_tokens off` is added because sliceproxy always signs as plain
// "nginx" (documented in proxy/doc.go); mime.types is Debian's
// /etc/nginx/mime.types beside the file, as in a real installation.
func TestDiffRealConfigStockTengine(t *testing.T) {
	ngxBin := testenv.LookBinary(t, "nginx", "nginx")
	needBinary(t)
	conf := adaptRealConfig(t, "001__alibaba__tengine__*", [][2]string{
		{`listen\s+80;`, "listen 127.0.0.1:{{PORT}};"},
		{`(?m)^http \{`, "http {\n    server_tokens off;"},
	})
	mime, err := os.ReadFile("/etc/nginx/mime.types")
	if err != nil {
		t.Skipf("Debian's /etc/nginx/mime.types is needed: %v", err)
	}
	files := map[string]string{
		"conf/mime.types": string(mime),
		"html/index.html": "<h1>Welcome to tengine!</h1>\n",
		"html/50x.html":   "<h1>An error occurred.</h1>\n",
		"html/style.css":  "h1 { color: red }\n",
		"html/logo.png":   "\x89PNG not really\n",
		"html/data.json":  "{}\n",
		"html/sub/a.txt":  "sub a\n",
	}
	ngxConf := fullConfigSide(t, conf, files)
	testenv.Start(t, ngxConf.Dir, ngxBin, "-p", ngxConf.Dir+"/", "-c", ngxConf.Conf, "-g", globalsFor(ngxConf.Dir))
	if err := testenv.WaitPort(ngxConf.Addr, 10*time.Second); err != nil {
		t.Fatalf("nginx: %v\n%s", err, readFileString(filepath.Join(ngxConf.Dir, "logs", "error.log")))
	}
	spConf := fullConfigSide(t, conf, files)
	sp := launchSliceproxy(t, spConf, "-g", globalsFor(spConf.Dir))
	if err := sp.waitServing(20 * time.Second); err != nil {
		t.Fatalf("sliceproxy: %v\n%s", err, sp.Output())
	}
	// No upstream in this configuration; the backends only satisfy the harness.
	sides := [2]diffSide{
		{name: "nginx", addr: ngxConf.Addr, dir: ngxConf.Dir, backend: startBackend(t, nil)},
		{name: "sliceproxy", addr: spConf.Addr, dir: spConf.Dir, backend: startBackend(t, nil)},
	}
	runDiffCases(t, sides, sp, []diffCase{
		{name: "index", req: get("localhost", "/")},
		{name: "index by name", req: get("localhost", "/index.html")},
		{name: "head index", req: "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n", head: true},
		{name: "mime css", req: get("localhost", "/style.css")},
		{name: "mime png", req: get("localhost", "/logo.png")},
		{name: "mime json", req: get("localhost", "/data.json")},
		{name: "directory without index", req: get("localhost", "/sub/")},
		{name: "directory redirect", req: get("localhost", "/sub")},
		{name: "missing file", req: get("localhost", "/nope.html")},
		{name: "error page location", req: get("localhost", "/50x.html")},
		{name: "other host same server", req: get("tengine.example", "/")},
		{name: "conditional 304", req: getH("localhost", "/style.css", "If-Modified-Since: "+fixedMtime.Format("Mon, 02 Jan 2006 15:04:05 GMT"))},
		{name: "post to static 405", req: "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi"},
		{name: "http10 keepalive_timeout 65", req: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", state: true},
	})
}
