package static

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

// site is a tiny stand-in for the proxy core, enough to drive Resolve the
// way the core does: one server, its top-level locations (prefix, "=",
// "~", "~*", named), internal redirects and named locations.
type site struct {
	reg    *vars.Registry
	server *Config
	locs   []siteLoc
}

type siteLoc struct {
	name  string
	exact bool
	re    *regexp.Regexp
	named bool
	cfg   *Config
}

// newSite parses an http{} body holding exactly one server and builds the
// static configuration of every level.
func newSite(t testing.TB, prefix, httpBody string, now func() time.Time) *site {
	t.Helper()
	src := "http {\n" + httpBody + "\n}\n"
	cfg, diags := nginxconf.ParseBytes(prefix+"/nginx.conf", []byte(src), nginxconf.Options{Prefix: prefix})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("parse: %v", d)
		}
	}
	reg := vars.NewRegistry(vars.RegistryOptions{})
	b := NewBuilder(reg, Options{Prefix: prefix, Now: now})
	s := &site{reg: reg}
	httpDirs := cfg.Directives()[0].Body()
	check := func(ds []nginxconf.Diagnostic) {
		for _, d := range ds {
			if d.Severity == nginxconf.SevError {
				t.Fatalf("merge: %v", d)
			}
		}
	}
	httpCfg, ds := b.Merge(nil, Level{Directives: httpDirs})
	check(ds)
	for _, d := range httpDirs {
		if d.Name != "server" {
			continue
		}
		srvDirs := d.Body()
		s.server, ds = b.Merge(httpCfg, Level{Directives: srvDirs})
		check(ds)
		var addLocs func(parent *Config, dirs []*nginxconf.Directive)
		addLocs = func(parent *Config, dirs []*nginxconf.Directive) {
			for _, l := range dirs {
				if l.Name != "location" {
					continue
				}
				args := l.ArgValues()
				loc := siteLoc{}
				lvl := Level{Directives: l.Body()}
				switch {
				case len(args) == 2 && (args[0] == "~" || args[0] == "~*"):
					pat := args[1]
					if args[0] == "~*" {
						pat = "(?i)" + pat
					}
					loc.re = regexp.MustCompile(pat)
					loc.name, lvl.Location, lvl.Regex = args[1], args[1], true
				case len(args) == 2 && args[0] == "=":
					loc.name, loc.exact, lvl.Location = args[1], true, args[1]
				case len(args) == 1 && strings.HasPrefix(args[0], "@"):
					loc.name, loc.named, lvl.Named = args[0], true, true
				default:
					loc.name, lvl.Location = args[len(args)-1], args[len(args)-1]
				}
				loc.cfg, ds = b.Merge(parent, lvl)
				check(ds)
				s.locs = append(s.locs, loc)
				addLocs(loc.cfg, lvl.Directives)
			}
		}
		addLocs(s.server, srvDirs)
	}
	if s.server == nil {
		t.Fatal("no server block")
	}
	return s
}

// find selects a location as nginx does (exact, longest prefix, regexes in
// order), setting captures on req for a regex match.
func (s *site) find(uri []byte, req *vars.Request) *Config {
	var best *siteLoc
	for i := range s.locs {
		l := &s.locs[i]
		if l.exact && string(uri) == l.name {
			return l.cfg
		}
		if l.re == nil && !l.named && !l.exact && bytes.HasPrefix(uri, []byte(l.name)) && (best == nil || len(l.name) > len(best.name)) {
			best = l
		}
	}
	for i := range s.locs {
		l := &s.locs[i]
		if l.re != nil {
			if m := l.re.FindSubmatchIndex(uri); m != nil {
				req.SetCaptures(uri, m)
				return l.cfg
			}
		}
	}
	if best != nil {
		return best.cfg
	}
	return s.server
}

func (s *site) named(name string) *Config {
	for _, l := range s.locs {
		if l.named && l.name == name {
			return l.cfg
		}
	}
	return nil
}

// response is what a client would see, minus Server/Date/Connection.
type response struct {
	status int
	header http1.Header
	body   []byte
	uri    string // the URI that was served
}

func (r *response) get(name string) string {
	var vals []string
	for _, f := range r.header.Fields {
		if strings.EqualFold(string(f.Name), name) {
			vals = append(vals, string(f.Value))
		}
	}
	return strings.Join(vals, ", ")
}

// do runs one request through Resolve like the core would.
func (s *site) do(t testing.TB, method, target string, hdr ...string) *response {
	t.Helper()
	path, query, hasQuery := strings.Cut(target, "?")
	c := &http1.Request{Method: []byte(method), Path: []byte(path), Target: []byte(target), HasQuery: hasQuery}
	if hasQuery {
		c.Query = []byte(query)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		c.Header.Add([]byte(hdr[i]), []byte(hdr[i+1]))
	}
	req := s.reg.NewRequest()
	if err := req.SetClient(c); err != nil {
		t.Fatalf("SetClient(%q): %v", target, err)
	}
	var res Result
	defer res.Close()
	cfg := s.find(req.URI, req)
	for hops := 0; hops < 10; hops++ {
		cfg.Resolve(req, &res)
		switch res.Kind {
		case KindRedirect:
			req.URI = append([]byte(nil), res.URI...)
			req.Args = append([]byte(nil), res.Args...)
			req.ClearCaptures()
			cfg = s.find(req.URI, req)
			continue
		case KindNamed:
			cfg = s.named(res.Name)
			if cfg == nil {
				t.Fatalf("no named location %s", res.Name)
			}
			continue
		case KindStatus:
			out := &response{status: res.Status}
			out.header.Fields = append(out.header.Fields, res.Header.Fields...)
			cfg.FilterHeaders(req, res.Status, -1, &out.header)
			return out
		case KindFile:
			out := &response{status: res.Status, uri: string(res.URI)}
			out.header.Fields = append(out.header.Fields, res.Header.Fields...)
			if method != "HEAD" && res.Status != 304 {
				var buf bytes.Buffer
				if _, err := res.WriteBody(&buf); err != nil {
					t.Fatalf("WriteBody: %v", err)
				}
				out.body = buf.Bytes()
				if int64(len(out.body)) != res.BodyLength {
					t.Fatalf("%s %s: body %d bytes, BodyLength %d", method, target, len(out.body), res.BodyLength)
				}
			}
			return out
		}
	}
	t.Fatalf("%s: redirect loop", target)
	return nil
}

func (r *response) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", r.status)
	for _, f := range r.header.Fields {
		fmt.Fprintf(&b, "\n%s: %s", f.Name, f.Value)
	}
	return b.String()
}

// parseHTTP parses an http{} body and returns its statements.
func parseHTTP(t testing.TB, prefix, body string) []*nginxconf.Directive {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes(prefix+"/nginx.conf", []byte("http {\n"+body+"\n}\n"), nginxconf.Options{Prefix: prefix})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("parse: %v", d)
		}
	}
	return cfg.Directives()[0].Body()
}

// levelChains lists every http → server → location... chain of levels.
func levelChains(httpDirs []*nginxconf.Directive) [][]Level {
	var out [][]Level
	var walk func(chain []Level, dirs []*nginxconf.Directive)
	walk = func(chain []Level, dirs []*nginxconf.Directive) {
		out = append(out, chain)
		for _, d := range dirs {
			if d.Name != "server" && d.Name != "location" {
				continue
			}
			lvl := Level{Directives: d.Body()}
			if d.Name == "location" {
				args := d.ArgValues()
				lvl.Location = args[len(args)-1]
				lvl.Regex = args[0] == "~" || args[0] == "~*"
				lvl.Named = strings.HasPrefix(args[0], "@")
			}
			next := append(append([]Level(nil), chain...), lvl)
			walk(next, lvl.Directives)
		}
	}
	walk([]Level{{Directives: httpDirs}}, httpDirs)
	return out
}

// testClient builds client requests for tests that call Resolve directly.
type testClient struct{ hdr []string }

func (c *testClient) request(target string) *http1.Request {
	r := &http1.Request{Method: []byte("GET"), Path: []byte(target), Target: []byte(target)}
	for i := 0; i+1 < len(c.hdr); i += 2 {
		r.Header.Add([]byte(c.hdr[i]), []byte(c.hdr[i+1]))
	}
	return r
}
