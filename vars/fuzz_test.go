package vars

import (
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
)

// FuzzCompile feeds arbitrary configuration strings to the complex-value
// compiler: it never panics, a string without "$" compiles to itself, and a
// compiled template evaluates without panicking.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{"", "$host", "${host}x", "$", "${", "a$1b", "$http_x_y:$arg_q", "${a-b}", "%$$"} {
		f.Add(s)
	}
	reg := testRegistry(f)
	q := newTestRequest(f, reg, clientRequest("GET", "/p?q=1", "Host: h", "X-Y: z"))
	q.SetCaptures([]byte("abc"), []int{0, 3, 1, 2})
	f.Fuzz(func(t *testing.T, s string) {
		tpl, err := reg.Compile(s, nginxconf.Pos{File: "fuzz"})
		if !strings.Contains(s, "$") {
			if err != nil || !tpl.IsConst() || tpl.String(q) != s {
				t.Fatalf("%q: literal string must compile to itself (err %v)", s, err)
			}
			return
		}
		if err != nil {
			if _, ok := err.(nginxconf.Diagnostic); !ok {
				t.Fatalf("%q: error %T is not a Diagnostic", s, err)
			}
			return
		}
		_ = tpl.Eval(q, nil)
	})
}

// FuzzMapBlock loads arbitrary map bodies: bad input is a diagnostic, never
// a panic, and a loaded map evaluates.
func FuzzMapBlock(f *testing.F) {
	f.Add("hostnames;\n*.a.com 1;\ndefault 2;", "x.a.com")
	f.Add("~^(?<n>x)(y)? $n$1;\n\\~t t;\nvolatile;", "xy")
	f.Add("include nothing;\n\"\" e;", "")
	f.Fuzz(func(t *testing.T, body, host string) {
		if len(body) > 2048 {
			return
		}
		cfg, diags := nginxconf.ParseBytes("fuzz.conf", []byte("http { map $http_x $out {\n"+body+"\n} }"), nginxconf.Options{SingleFile: true})
		if cfg == nil || cfg.Main == nil {
			return
		}
		for _, d := range diags {
			if d.Severity == nginxconf.SevError {
				return
			}
		}
		var http []*nginxconf.Directive
		for _, d := range cfg.Directives() {
			if d.Name == "http" {
				http = d.Body()
			}
		}
		reg := NewRegistry(RegistryOptions{})
		_ = reg.LoadMaps(http)
		idx, ok := reg.Lookup("out")
		if !ok {
			return
		}
		q := reg.NewRequest()
		c := clientRequest("GET", "/")
		c.Header.Add([]byte("X"), []byte(host))
		_ = q.SetClient(c)
		_, _ = q.Var(idx)
	})
}

// FuzzCompileRegex: any pattern either compiles or is an error (never a
// panic), and a compiled one matches and reports captures consistently.
func FuzzCompileRegex(f *testing.F) {
	for _, s := range []string{`^/a(\d+)$`, `(?<=a)b`, `a++`, `[]a]`, `\Q(\E`, `(?P<n>x)(?=y)`, `(?'q'a)\k<q>`, `\x{41}{2,}+`} {
		f.Add(s, "/a12 ab xy aa", false)
		f.Add(s, "/A12 AB XY aA", true)
	}
	f.Fuzz(func(t *testing.T, pattern, subject string, caseless bool) {
		if len(pattern) > 256 || len(subject) > 1024 {
			return
		}
		re, _, err := CompileRegexTimeout(pattern, caseless, 10*time.Millisecond)
		if err != nil {
			return
		}
		idx, ok := re.FindIndex([]byte(subject), nil)
		if !ok {
			return
		}
		if len(idx) != 2*(re.NumCaptures()+1) {
			t.Fatalf("%q: %d offsets for %d groups", pattern, len(idx), re.NumCaptures())
		}
		for i := 0; i < len(idx); i += 2 {
			if idx[i] == -1 && idx[i+1] == -1 {
				continue
			}
			if idx[i] < 0 || idx[i] > idx[i+1] || idx[i+1] > len(subject) {
				t.Fatalf("%q on %q: bad offsets %v", pattern, subject, idx)
			}
		}
	})
}
