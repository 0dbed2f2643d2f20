package rewrite

import (
	"io/fs"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
	"sliceproxy/proxy/http1"
	"sliceproxy/vars"
)

// parseBlock parses src as the body of a location (or server) block and
// returns that block's directives.
func parseBlock(t testing.TB, src string) []*nginxconf.Directive {
	t.Helper()
	cfg, diags := nginxconf.ParseBytes("test.conf", []byte("location / {\n"+src+"\n}\n"), nginxconf.Options{SingleFile: true})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatalf("parse: %v", d.Error())
		}
	}
	return cfg.Directives()[0].Body()
}

// compileLocation compiles src (a location body) with a fresh registry.
func compileLocation(t testing.TB, src string) (*Script[string], *vars.Registry, []nginxconf.Diagnostic) {
	t.Helper()
	reg := vars.NewRegistry(vars.RegistryOptions{Hostname: "testhost", Now: func() time.Time { return time.Unix(0, 0) }})
	body := parseBlock(t, src)
	diags := DeclareSets(body, reg)
	s, d := Compile[string](body, LocationLevel, reg)
	for _, ifb := range s.Ifs() {
		ifb.Payload = strings.Join(ifb.Directive.ArgValues(), " ")
	}
	return s, reg, append(diags, d...)
}

// newRequest returns a request at uri?args; rawPath is the client's raw
// path (for the quoted-URI rules), uri when empty.
func newRequest(reg *vars.Registry, uri, args, rawPath string) *vars.Request {
	req := reg.NewRequest()
	if rawPath == "" {
		rawPath = uri
	}
	c := &http1.Request{Method: []byte("GET"), Path: []byte(rawPath), Target: []byte(rawPath), Proto: []byte("HTTP/1.1"),
		ProtoMajor: 1, ProtoMinor: 1, HostHeader: []byte("example.com"), ContentLength: -1}
	if args != "" {
		c.Query, c.HasQuery = []byte(args), true
		c.Target = append(append(c.Target, '?'), args...)
	}
	_ = req.SetClient(c)
	req.URI = []byte(uri)
	if args != "" {
		req.Args = []byte(args)
	} else {
		req.Args = nil
	}
	return req
}

// fakeFS is a hermetic file system: path → "file", "dir", "exec" (an
// executable file) or "denied" (stat fails with permission denied).
type fakeFS map[string]string

func (f fakeFS) Stat(name string) (fs.FileInfo, error) {
	kind, ok := f[name]
	switch {
	case !ok:
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	case kind == "denied":
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrPermission}
	}
	return fakeInfo{name: name, kind: kind}, nil
}

type fakeInfo struct{ name, kind string }

func (i fakeInfo) Name() string { return i.name }
func (i fakeInfo) Size() int64  { return 0 }
func (i fakeInfo) Mode() fs.FileMode {
	switch i.kind {
	case "dir":
		return fs.ModeDir | 0o755
	case "exec":
		return 0o755
	}
	return 0o644
}
func (i fakeInfo) ModTime() time.Time { return time.Time{} }
func (i fakeInfo) IsDir() bool        { return i.kind == "dir" }
func (i fakeInfo) Sys() any           { return nil }

func diagMessages(diags []nginxconf.Diagnostic) string {
	var msgs []string
	for _, d := range diags {
		msgs = append(msgs, d.Severity.String()+": "+d.Message)
	}
	return strings.Join(msgs, "\n")
}
