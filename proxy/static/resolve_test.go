package static

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sliceproxy/vars"
)

// fixtureMtime is the modification time of every fixture file, so that
// Last-Modified and ETag are known: ETag "65e1c340-17" for a 23-byte file.
var fixtureMtime = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)

const fixtureA = "hello world 0123456789\n" // 23 bytes

// fixtureFiles is the docroot shared by the table and differential tests.
var fixtureFiles = map[string]string{
	"html/a.txt":             fixtureA,
	"html/index.html":        "<p>root index</p>\n",
	"html/dir/index.html":    "<p>dir index</p>\n",
	"html/noindex/.keep":     "",
	"html/UP.JPG":            "jpegdata",
	"html/file.noext":        "no extension",
	"html/empty.txt":         "",
	"html/exp/e.txt":         "expires",
	"html/noetag/n.txt":      "no etag",
	"html/before/b.txt":      "before",
	"html/onerange/o.txt":    fixtureA,
	"html/norange/r.txt":     fixtureA,
	"html/idx/idx.htm":       "<p>second index</p>\n",
	"html/abs.html":          "<p>absolute index</p>\n",
	"html/tf/real.txt":       "real",
	"html/tf/sub/index.html": "<p>tf sub</p>\n",
	"html/tfq/.keep":         "",
	"html/tfnamed/.keep":     "",
	"data/x.txt":             "aliased x",
	"data/sub/index.html":    "<p>alias index</p>\n",
	"fallback/tfnamed/y.txt": "named fallback",
	"html/multi/m.txt":       "0123456789abcdefghij",
	"html/hdr/h.txt":         "headers",
	"html/hdr/inner/i.txt":   "inner",
	"html/ct/readme":         "default type",
	"html/ct/page.HTML":      "<p>upper ext</p>",
	"html/ct/x.weird":        "weird",
	"html/nosym/real.txt":    "real file",
	"html/viaroot/v.txt":     "via a linked root",
	"html/viafrom/v.txt":     "via a linked root, from=",
	"html/tfsym/.keep":       "",
	"html/big.bin":           strings.Repeat("0123456789abcdef", 16*1024), // 256 KiB
	"html/var/v.txt":         "variables",
	"html/relroot/r.txt":     "relative scripted root",
}

// fixtureLinks are symbolic links of the docroot: link → target.
var fixtureLinks = map[string]string{
	"html/link.txt":    "a.txt",
	"html/nosym/l.txt": "../a.txt",
	"html/nosym/ldir":  "../dir",
	"html/tfsym/l.txt": "../a.txt",
	"htmllink":         "html",
}

// fixtureConf is the http{} body both Resolve and nginx run; {{DIR}} is
// the prefix.
const fixtureConf = `
    include mime.types;
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:{{PORT}};
        root {{DIR}}/html;
        absolute_redirect off;
        location / { }
        location /tf/ { try_files $uri $uri/ /index.html; }
        location /tfq/ { try_files $uri /a.txt?from=tf; }
        location /tf404/ { try_files $uri =404; }
        location /tfnamed/ { try_files $uri @fallback; }
        location @fallback { root {{DIR}}/fallback; }
        location /i/ { alias {{DIR}}/data/; }
        location ~ ^/re/(.+)$ { alias {{DIR}}/data/$1; }
        location /exp/ { expires 1h; add_header X-A a; add_header X-B b always; }
        location /hdr/ {
            add_header X-Outer o;
            add_header Cache-Control private;
            location /hdr/inner/ { add_header X-Inner i; }
        }
        location /noetag/ { etag off; }
        location /before/ { if_modified_since before; }
        location /onerange/ { max_ranges 1; }
        location /norange/ { max_ranges 0; }
        location /idx/ { index missing.html idx.htm; }
        location /absidx/ { index /abs.html; }
        location /ta/ { alias {{DIR}}/data/; try_files $uri $uri/ =404; }
        location /var/ { add_header X-A "u=$uri"; add_header X-B $arg_b always; expires $arg_e; }
        location /relroot/ { root html$arg_x; }
        location /nosym/ { disable_symlinks on; }
        location /viaroot/ { root {{DIR}}/htmllink; disable_symlinks on; }
        location /viafrom/ { root {{DIR}}/htmllink; disable_symlinks on from=$document_root; }
        location /tfsym/ { disable_symlinks on; try_files $uri =404; }
        location /ct/ { default_type text/x-default; types { text/weird weird; text/html html; } }
    }
`

// writeFixture creates the docroot under dir with every mtime pinned.
func writeFixture(t testing.TB, dir string) {
	t.Helper()
	for name, body := range fixtureFiles {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, fixtureMtime, fixtureMtime); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range fixtureLinks {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "mime.types"), []byte(defaultMimeTypes), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fixtureSite(t testing.TB, now func() time.Time) (*site, string) {
	dir := t.TempDir()
	writeFixture(t, dir)
	conf := strings.ReplaceAll(fixtureConf, "{{DIR}}", dir)
	conf = strings.ReplaceAll(conf, "{{PORT}}", "1")
	return newSite(t, dir, conf, now), dir
}

func TestResolve(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	s, _ := fixtureSite(t, func() time.Time { return now })
	for _, tt := range resolveCases {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.target, tt.req...)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tt.status, r)
			}
			for name, want := range tt.want {
				if got := r.get(name); got != want {
					t.Errorf("%s: %q, want %q\n%s", name, got, want, r)
				}
			}
			if tt.body != "-" && string(r.body) != tt.body {
				t.Errorf("body %q, want %q", r.body, tt.body)
			}
		})
	}
}

type hdrs map[string]string

// resolveCase is one request of the table, checked in-process against its
// expectations (TestResolve) and against real nginx (TestDifferential).
type resolveCase struct {
	name   string
	method string
	target string
	req    []string
	status int
	want   hdrs   // header → exact value ("" = absent), with the clock at 2024-06-01
	body   string // "-" = don't check
}

const (
	lm    = "Fri, 01 Mar 2024 12:00:00 GMT"
	etagA = `"65e1c340-17"`
)

var resolveCases = []resolveCase{
	{"plain file", "GET", "/a.txt", nil, 200, hdrs{"Content-Type": "text/plain", "Content-Length": "23", "Last-Modified": lm, "ETag": etagA, "Accept-Ranges": "bytes"}, fixtureA},
	{"head", "HEAD", "/a.txt", nil, 200, hdrs{"Content-Length": "23"}, ""},
	{"post on a file", "POST", "/a.txt", nil, 405, hdrs{"Content-Type": ""}, "-"},
	{"delete", "DELETE", "/a.txt", nil, 405, nil, "-"},
	{"post on a missing file", "POST", "/nope.txt", nil, 404, nil, "-"},
	{"missing", "GET", "/nope.txt", nil, 404, nil, "-"},
	{"below a file", "GET", "/a.txt/x", nil, 404, nil, "-"},
	{"dir without slash", "GET", "/dir", nil, 301, hdrs{"Location": "/dir/"}, "-"},
	{"dir without slash keeps args", "GET", "/dir?x=1", nil, 301, hdrs{"Location": "/dir/?x=1"}, "-"},
	{"dir index", "GET", "/dir/", nil, 200, hdrs{"Content-Type": "text/html"}, "<p>dir index</p>\n"},
	{"root index", "GET", "/", nil, 200, nil, "<p>root index</p>\n"},
	{"no index", "GET", "/noindex/", nil, 403, nil, "-"},
	{"missing dir", "GET", "/nodir/", nil, 404, nil, "-"},
	{"index below a file", "GET", "/a.txt/", nil, 404, nil, "-"},
	{"second index", "GET", "/idx/", nil, 200, nil, "<p>second index</p>\n"},
	{"absolute index", "GET", "/absidx/", nil, 200, nil, "<p>absolute index</p>\n"},
	{"upper-case extension", "GET", "/UP.JPG", nil, 200, hdrs{"Content-Type": "image/jpeg"}, "jpegdata"},
	{"no extension", "GET", "/file.noext", nil, 200, hdrs{"Content-Type": "application/octet-stream"}, "-"},
	{"location types", "GET", "/ct/x.weird", nil, 200, hdrs{"Content-Type": "text/weird"}, "-"},
	{"location types replace", "GET", "/ct/readme", nil, 200, hdrs{"Content-Type": "text/x-default"}, "-"},
	{"location types html", "GET", "/ct/page.HTML", nil, 200, hdrs{"Content-Type": "text/html"}, "-"},
	{"empty file", "GET", "/empty.txt", nil, 200, hdrs{"Content-Length": "0"}, ""},

	{"try_files file", "GET", "/tf/real.txt", nil, 200, nil, "real"},
	{"try_files dir", "GET", "/tf/sub/", nil, 200, nil, "<p>tf sub</p>\n"},
	{"try_files dir without slash", "GET", "/tf/sub", nil, 301, hdrs{"Location": "/tf/sub/"}, "-"},
	{"try_files fallback uri", "GET", "/tf/nope", nil, 200, nil, "<p>root index</p>\n"},
	{"try_files fallback args", "GET", "/tfq/nope?a=b", nil, 200, nil, fixtureA},
	{"try_files =404", "GET", "/tf404/nope", nil, 404, nil, "-"},
	{"try_files named", "GET", "/tfnamed/y.txt", nil, 200, nil, "named fallback"},

	{"alias", "GET", "/i/x.txt", nil, 200, hdrs{"Content-Type": "text/plain"}, "aliased x"},
	{"alias index", "GET", "/i/sub/", nil, 200, nil, "<p>alias index</p>\n"},
	{"alias dir redirect", "GET", "/i/sub", nil, 301, hdrs{"Location": "/i/sub/"}, "-"},
	{"alias missing", "GET", "/i/nope", nil, 404, nil, "-"},
	{"regex alias", "GET", "/re/x.txt", nil, 200, nil, "aliased x"},

	{"expires", "GET", "/exp/e.txt", nil, 200, hdrs{"Expires": "Sat, 01 Jun 2024 01:00:00 GMT", "Cache-Control": "max-age=3600", "X-A": "a", "X-B": "b"}, "expires"},
	{"expires on 404: always only", "GET", "/exp/nope", nil, 404, hdrs{"Expires": "", "X-A": "", "X-B": "b"}, "-"},
	{"add_header inherit replaced", "GET", "/hdr/inner/i.txt", nil, 200, hdrs{"X-Inner": "i", "X-Outer": "", "Cache-Control": ""}, "inner"},
	{"add_header cache-control", "GET", "/hdr/h.txt", nil, 200, hdrs{"X-Outer": "o", "Cache-Control": "private"}, "headers"},

	{"etag off", "GET", "/noetag/n.txt", nil, 200, hdrs{"ETag": "", "Last-Modified": lm}, "no etag"},
	{"ims exact", "GET", "/a.txt", []string{"If-Modified-Since", lm}, 304, hdrs{"ETag": etagA, "Last-Modified": lm, "Content-Length": "", "Content-Type": "", "Accept-Ranges": ""}, ""},
	{"ims later, exact", "GET", "/a.txt", []string{"If-Modified-Since", "Sat, 02 Mar 2024 12:00:00 GMT"}, 200, nil, fixtureA},
	{"ims later, before", "GET", "/before/b.txt", []string{"If-Modified-Since", "Sat, 02 Mar 2024 12:00:00 GMT"}, 304, nil, ""},
	{"inm", "GET", "/a.txt", []string{"If-None-Match", etagA}, 304, nil, ""},
	{"inm weak", "GET", "/a.txt", []string{"If-None-Match", "W/" + etagA}, 304, nil, ""},
	{"inm other", "GET", "/a.txt", []string{"If-None-Match", `"x"`}, 200, nil, fixtureA},
	{"if-match fails", "GET", "/a.txt", []string{"If-Match", `"x"`}, 412, hdrs{"ETag": ""}, "-"},
	{"if-match ok", "GET", "/a.txt", []string{"If-Match", etagA}, 200, nil, fixtureA},
	{"ius fails", "GET", "/a.txt", []string{"If-Unmodified-Since", "Thu, 29 Feb 2024 12:00:00 GMT"}, 412, nil, "-"},
	{"304 keeps expires", "GET", "/exp/e.txt", []string{"If-Modified-Since", lm}, 304, hdrs{"Cache-Control": "max-age=3600", "X-A": "a"}, ""},

	{"range", "GET", "/a.txt", []string{"Range", "bytes=0-4"}, 206, hdrs{"Content-Range": "bytes 0-4/23", "Content-Length": "5", "Content-Type": "text/plain", "Accept-Ranges": ""}, "hello"},
	{"suffix range", "GET", "/a.txt", []string{"Range", "bytes=-3"}, 206, hdrs{"Content-Range": "bytes 20-22/23"}, "89\n"},
	{"open range", "GET", "/a.txt", []string{"Range", "bytes=12-"}, 206, hdrs{"Content-Range": "bytes 12-22/23"}, "0123456789\n"},
	{"unsatisfiable", "GET", "/a.txt", []string{"Range", "bytes=100-200"}, 416, hdrs{"Content-Range": "bytes */23", "Content-Length": ""}, "-"},
	{"unsatisfiable keeps expires", "GET", "/exp/e.txt", []string{"Range", "bytes=100-200"}, 416, hdrs{"Content-Range": "bytes */7", "X-A": "a", "X-B": "b, b"}, "-"},
	{"if-range etag ok", "GET", "/a.txt", []string{"Range", "bytes=0-4", "If-Range", etagA}, 206, nil, "hello"},
	{"if-range etag stale", "GET", "/a.txt", []string{"Range", "bytes=0-4", "If-Range", `"old"`}, 200, nil, fixtureA},
	{"if-range date ok", "GET", "/a.txt", []string{"Range", "bytes=0-4", "If-Range", lm}, 206, nil, "hello"},
	{"if-range date stale", "GET", "/a.txt", []string{"Range", "bytes=0-4", "If-Range", "Thu, 29 Feb 2024 12:00:00 GMT"}, 200, nil, fixtureA},
	{"max_ranges 1", "GET", "/onerange/o.txt", []string{"Range", "bytes=0-1,5-6"}, 200, hdrs{"Accept-Ranges": "bytes"}, fixtureA},
	{"max_ranges 0", "GET", "/norange/r.txt", []string{"Range", "bytes=0-1"}, 200, hdrs{"Accept-Ranges": ""}, fixtureA},
	{"range on head", "HEAD", "/a.txt", []string{"Range", "bytes=0-4"}, 206, hdrs{"Content-Length": "5"}, ""},
	{"range not bytes", "GET", "/a.txt", []string{"Range", "lines=1-2"}, 200, nil, fixtureA},
	{"range and 304", "GET", "/a.txt", []string{"Range", "bytes=0-4", "If-None-Match", etagA}, 304, nil, ""},
	{"range trailing comma", "GET", "/a.txt", []string{"Range", "bytes=0-4,"}, 416, nil, "-"},
	{"multipart", "GET", "/multi/m.txt", []string{"Range", "bytes=0-1,5-6"}, 206, nil, "-"},
	{"encoded uri", "GET", "/%61.txt", nil, 200, nil, fixtureA},
	{"head and inm", "HEAD", "/a.txt", []string{"If-None-Match", etagA}, 304, nil, ""},
	{"options", "OPTIONS", "/a.txt", nil, 405, nil, "-"},
	{"post on a dir", "POST", "/dir", nil, 301, hdrs{"Location": "/dir/"}, "-"},
	{"put on a dir index", "PUT", "/dir/", nil, 405, nil, "-"},
	{"range zero and suffix", "GET", "/a.txt", []string{"Range", "bytes=0-0,-1"}, 206, nil, "-"},
	{"range empty file", "GET", "/empty.txt", []string{"Range", "bytes=0-"}, 200, hdrs{"Content-Length": "0"}, ""},
	{"suffix range empty file", "GET", "/empty.txt", []string{"Range", "bytes=-5"}, 200, nil, ""},
	{"ims garbage with inm", "GET", "/a.txt", []string{"If-Modified-Since", "yesterday", "If-None-Match", etagA}, 200, nil, fixtureA},
	{"big file", "GET", "/big.bin", nil, 200, hdrs{"Content-Length": "262144"}, "-"},
	{"big file range", "GET", "/big.bin", []string{"Range", "bytes=100000-200000"}, 206, hdrs{"Content-Range": "bytes 100000-200000/262144"}, "-"},
	{"big file multipart", "GET", "/big.bin", []string{"Range", "bytes=0-99999,200000-"}, 206, nil, "-"},
	{"try_files alias file", "GET", "/ta/x.txt", nil, 200, nil, "aliased x"},
	{"try_files alias dir", "GET", "/ta/sub/", nil, 200, nil, "<p>alias index</p>\n"},
	{"try_files alias missing", "GET", "/ta/nope", nil, 404, nil, "-"},
	{"add_header variables", "GET", "/var/v.txt?b=bee", nil, 200, hdrs{"X-A": "u=/var/v.txt", "X-B": "bee", "Expires": ""}, "variables"},
	{"add_header empty variable", "GET", "/var/v.txt", nil, 200, hdrs{"X-B": ""}, "variables"},
	{"expires variable epoch", "GET", "/var/v.txt?e=epoch", nil, 200, hdrs{"Expires": "Thu, 01 Jan 1970 00:00:01 GMT", "Cache-Control": "no-cache"}, "variables"},
	{"expires variable time", "GET", "/var/v.txt?e=2h", nil, 200, hdrs{"Cache-Control": "max-age=7200"}, "variables"},
	{"expires variable bad", "GET", "/var/v.txt?e=soon", nil, 200, hdrs{"Cache-Control": ""}, "variables"},
	{"always header on 404", "GET", "/var/nope?b=bee", nil, 404, hdrs{"X-B": "bee", "X-A": ""}, "-"},
	{"relative scripted root", "GET", "/relroot/r.txt", nil, 200, nil, "relative scripted root"},
	{"symlink followed", "GET", "/link.txt", nil, 200, nil, fixtureA},
	{"disable_symlinks file link", "GET", "/nosym/l.txt", nil, 403, nil, "-"},
	{"disable_symlinks real file", "GET", "/nosym/real.txt", nil, 200, nil, "real file"},
	{"disable_symlinks dir link", "GET", "/nosym/ldir/index.html", nil, 404, nil, "-"},
	{"disable_symlinks linked root", "GET", "/viaroot/v.txt", nil, 404, nil, "-"},
	{"disable_symlinks from", "GET", "/viafrom/v.txt", nil, 200, nil, "via a linked root, from="},
	{"disable_symlinks try_files", "GET", "/tfsym/l.txt", nil, 404, nil, "-"},
	{"dot segments", "GET", "/dir/../a.txt", nil, 200, nil, fixtureA},
	{"double slash", "GET", "//a.txt", nil, 200, nil, fixtureA},
}

func TestResolveMultipart(t *testing.T) {
	s, _ := fixtureSite(t, nil)
	r := s.do(t, "GET", "/multi/m.txt", "Range", "bytes=0-1,5-6")
	if r.status != 206 {
		t.Fatalf("status %d\n%s", r.status, r)
	}
	ct := r.get("Content-Type")
	boundary, ok := strings.CutPrefix(ct, "multipart/byteranges; boundary=")
	if !ok || len(boundary) != 20 {
		t.Fatalf("Content-Type %q", ct)
	}
	want := "\r\n--" + boundary + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/20\r\n\r\n01" +
		"\r\n--" + boundary + "\r\nContent-Type: text/plain\r\nContent-Range: bytes 5-6/20\r\n\r\n56" +
		"\r\n--" + boundary + "--\r\n"
	if string(r.body) != want {
		t.Errorf("body\n%q\nwant\n%q", r.body, want)
	}
	if r.get("Content-Length") != strconv.Itoa(len(want)) {
		t.Errorf("Content-Length %s, body %d", r.get("Content-Length"), len(want))
	}
}

func TestResolveURIAfterTryFiles(t *testing.T) {
	s, _ := fixtureSite(t, nil)
	r := s.do(t, "GET", "/tf/real.txt")
	if r.uri != "/tf/real.txt" {
		t.Errorf("served URI %q", r.uri)
	}
}

func TestResolveErrorMessage(t *testing.T) {
	s, dir := fixtureSite(t, nil)
	req := s.reg.NewRequest()
	req.URI = []byte("/nope.txt")
	var res Result
	s.server.Resolve(req, &res)
	want := `open() "` + dir + `/html/nope.txt" failed (2: No such file or directory)`
	if res.Status != 404 || res.ErrorMessage() != want || res.LogLevel != "error" {
		t.Errorf("got %d %q %q, want 404 %q", res.Status, res.ErrorMessage(), res.LogLevel, want)
	}
	req.URI = []byte("/noindex/")
	s.server.Resolve(req, &res)
	if want := `directory index of "` + dir + `/html/noindex/" is forbidden`; res.Status != 403 || res.ErrorMessage() != want {
		t.Errorf("got %d %q, want 403 %q", res.Status, res.ErrorMessage(), want)
	}
}

func TestResolveRefusesDotDot(t *testing.T) {
	s, _ := fixtureSite(t, nil)
	req := s.reg.NewRequest()
	var res Result
	for _, uri := range []string{"/../etc/passwd", "/dir/../../x", "/..", "/a\x00.txt"} {
		req.URI = []byte(uri)
		s.server.Resolve(req, &res)
		if res.Kind != KindStatus || res.Status != 404 {
			t.Errorf("%q: kind %d status %d", uri, res.Kind, res.Status)
		}
	}
	res.Close()
}

func TestMergeDiagnostics(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		conf string
		want string
	}{
		{`server { location /a/ { root /x; alias /y/; } }`, `"alias" directive is duplicate, "root" directive was specified earlier`},
		{`server { location /a/ { root /x; root /y; } }`, `"root" directive is duplicate`},
		{`server { location @n { alias /y/; } }`, `the "alias" directive cannot be used inside the named location`},
		{`server { index /a.html b.html; }`, `only the last index in "index" directive may be absolute`},
		{`server { expires 1x; }`, `"expires" directive invalid value`},
		{`server { expires modified @1h; }`, `"expires" directive daily time cannot be used with "modified" parameter`},
		{`server { add_header X y never; }`, `invalid parameter "never"`},
		{`server { try_files $uri =abc; }`, `invalid code "=abc"`},
		{`server { etag maybe; }`, `invalid value "maybe" in "etag" directive, it must be "on" or "off"`},
		{`server { disable_symlinks if_not_owner; }`, `"disable_symlinks if_not_owner" is enforced as "on": no symbolic link is followed`},
		{`server { disable_symlinks maybe; }`, `invalid value "maybe" in "disable_symlinks" directive, it must be "off", "on" or "if_not_owner"`},
		{`server { disable_symlinks off from=/x; }`, `invalid parameter "from=/x"`},
		{`server { root $document_root/x; }`, `the $document_root variable cannot be used in the "root" directive`},
	}
	for _, tt := range tests {
		b := NewBuilder(vars.NewRegistry(vars.RegistryOptions{}), Options{Prefix: dir})
		var got []string
		for _, chain := range levelChains(parseHTTP(t, dir, tt.conf)) {
			var parent *Config
			for _, lvl := range chain {
				c, diags := b.Merge(parent, lvl)
				for _, d := range diags {
					got = append(got, d.Message)
				}
				parent = c
			}
		}
		found := false
		for _, g := range got {
			if g == tt.want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: diagnostics %q, want %q", tt.conf, got, tt.want)
		}
	}
}
