package vars

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"sliceproxy/nginxconf"
)

func loadMaps(t *testing.T, reg *Registry, body string) []nginxconf.Diagnostic {
	t.Helper()
	return reg.LoadMaps(parseHTTP(t, body))
}

func TestMapErrors(t *testing.T) {
	for _, tc := range []struct {
		body string
		want string // "line: message"
	}{
		{"map $a $x {\n default 1;\n default 2;\n}", "4: duplicate default map parameter"},
		{"map $a $x {\n foo 1;\n FOO 2;\n}", `4: conflicting parameter "foo"`},
		{"map $a $x {\n foo 1 2;\n}", "3: invalid number of the map parameters"},
		{"map $a $x {\n single;\n}", "3: invalid number of the map parameters"},
		{"map $a $x {\n hostnames;\n *.a.com 1;\n .a.com 2;\n}", `5: conflicting parameter ".a.com"`},
		{"map $a $x {\n hostnames;\n a.*.com 1;\n}", `4: invalid hostname or wildcard "a.*.com"`},
		{"map $a $x {\n ~(unclosed 1;\n}", "3: invalid regex \"(unclosed\": missing closing )"},
		{"map $a $x {\n foo $nosuch;\n}", `3: unknown "nosuch" variable`},
		{"map $nosuch $x {\n}", `2: unknown "nosuch" variable`},
		{"map $a x {\n}", `2: invalid variable name "x"`},
		{"map $a $host {\n}", `2: the duplicate "host" variable`},
		{"map $a $x {\n foo \"$\";\n}", "3: invalid variable name"},
		{"map $a $x {\n ~(?<host>h) 1;\n}", `3: the duplicate "host" variable`},
	} {
		reg := testRegistry(t)
		reg.DeclareSet("a")
		diags := loadMaps(t, reg, tc.body)
		var got []string
		for _, d := range diags {
			if d.Severity == nginxconf.SevError {
				got = append(got, fmt.Sprintf("%d: %s", d.Pos.Line, d.Message))
			}
		}
		if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
			t.Errorf("%q:\n got  %q\n want %q", tc.body, got, tc.want)
		}
	}
}

func TestMapPrecedence(t *testing.T) {
	reg := testRegistry(t)
	diags := loadMaps(t, reg, `
map $http_x_in $out {
    hostnames;
    default             def;
    www.example.com     exact;
    .example.com        dot-example;
    *.www.example.com   star-www;
    *.sub.example.com   longer-star;
    www.*               tail-short;
    www.example.*       tail-long;
    ~example            first-regex;
    ~\.com$             second-regex;
    \~literal.test      escaped;
}
map $http_x_in $plain {
    Mixed.Case   lowered;
    *.not.wild   star-literal;
    ""           empty;
    ~^(a)(?<tail>.*)$  "r $1 $2 $tail";
}
map $http_x_none $nodefault {
    x y;
}`)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	for _, tc := range []struct{ in, out, plain string }{
		{"www.example.com", "exact", ""},
		{"WWW.EXAMPLE.COM.", "exact", ""},
		{"b.www.example.com", "star-www", ""},
		{"example.com", "dot-example", ""},
		{"x.sub.example.com", "longer-star", ""},
		{"sub.example.com", "dot-example", ""},
		{"www.example.org", "tail-long", ""},
		{"www.other.org", "tail-short", ""},
		{"myexample.org", "first-regex", ""},
		{"foo.com", "second-regex", ""},
		{"~literal.test", "escaped", ""},
		{"other.org", "def", ""},
		{"Mixed.CASE", "def", "lowered"},
		{"*.NOT.wild", "def", "star-literal"},
		{"", "def", "empty"},
		{"abc", "def", "r a bc bc"},
	} {
		c := clientRequest("GET", "/")
		if tc.in != "" {
			c.Header.Add([]byte("X-In"), []byte(tc.in))
		}
		q := newTestRequest(t, reg, c)
		if got := eval(t, reg, q, "$out|$plain|$nodefault"); got != tc.out+"|"+tc.plain+"|" {
			t.Errorf("%q: got %q want %q", tc.in, got, tc.out+"|"+tc.plain+"|")
		}
	}
}

func TestMapChainLazyVolatile(t *testing.T) {
	now := fixedNow
	reg := NewRegistry(RegistryOptions{Now: func() time.Time { return now }})
	diags := loadMaps(t, reg, `
map $second $third { default "3($second)"; }
map $first $second { default "2($first)"; ~^1\((?<inner>.*)\)$ "2[$inner]"; }
map $arg_v $first { default "1($arg_v)"; }
map $msec $cached { default $msec; }
map $msec $fresh { volatile; default $msec; }
map $self $self { default "loop-$self"; }
map $vself $vself { volatile; default "v$vself$vself$vself$vself"; }
`)
	if len(diags) > 0 {
		t.Fatal(diags)
	}
	q := reg.NewRequest()
	c := clientRequest("GET", "/?v=x")
	if err := q.SetClient(c); err != nil {
		t.Fatal(err)
	}
	// Lazy: evaluating an unrelated variable runs no map, so the named
	// capture of $second's regex is still unset.
	if got := eval(t, reg, q, "[$args][$inner]"); got != "[v=x][]" {
		t.Errorf("before use: %q", got)
	}
	if got := eval(t, reg, q, "$third|$inner"); got != "3(2[x])|x" {
		t.Errorf("chain: %q", got)
	}
	c1, f1 := eval(t, reg, q, "$cached"), eval(t, reg, q, "$fresh")
	now = now.Add(time.Second)
	if c2 := eval(t, reg, q, "$cached"); c2 != c1 {
		t.Errorf("cacheable map changed within a request: %q -> %q", c1, c2)
	}
	if f2 := eval(t, reg, q, "$fresh"); f2 == f1 {
		t.Errorf("volatile map did not change: %q", f2)
	}
	// A map that uses itself ends (nginx: "cycle while evaluating variable").
	if got := eval(t, reg, q, "$self"); got != "loop-" {
		t.Errorf("self cycle: %q", got)
	}
	if got := eval(t, reg, q, "$vself"); got != "v" {
		t.Errorf("volatile self cycle: %q", got)
	}
	// "set" on a volatile map target wins, as in nginx.
	vi, _ := reg.Lookup("fresh")
	q.SetVar(vi, []byte("assigned"))
	if got := eval(t, reg, q, "$fresh"); got != "assigned" {
		t.Errorf("set on a volatile map: %q", got)
	}
}

func TestMapRedefinedTargetLastWins(t *testing.T) {
	reg := testRegistry(t)
	if diags := loadMaps(t, reg, "map $uri $x { default one; }\nmap $uri $x { default two; }"); len(diags) > 0 {
		t.Fatal(diags)
	}
	if got := eval(t, reg, reg.NewRequest(), "$x"); got != "two" {
		t.Errorf("got %q", got)
	}
}

// TestMapFromTestdata loads the golden configuration of testdata/vars and
// checks the values listed in its comments.
func TestMapFromTestdata(t *testing.T) {
	cfg, diags := nginxconf.ParseFile("../testdata/vars/maps.conf", nginxconf.Options{})
	for _, d := range diags {
		if d.Severity == nginxconf.SevError {
			t.Fatal(d)
		}
	}
	var http []*nginxconf.Directive
	for _, d := range cfg.Directives() {
		if d.Name == "http" {
			http = d.Body()
		}
	}
	reg := testRegistry(t)
	if diags := reg.LoadMaps(http); len(diags) > 0 {
		t.Fatal(diags)
	}
	for host, want := range map[string]string{
		"a.test": "pool_a", "www.a.test": "pool_a", "b.test": "pool_b", "x.c.test": "pool_c",
		"static.cdn.test": "static", "unknown.test": "pool_default",
	} {
		q := newTestRequest(t, reg, clientRequest("GET", "/", "Host: "+host))
		if got := eval(t, reg, q, "$backend_pool"); got != want {
			t.Errorf("%s: %q want %q", host, got, want)
		}
	}
}

// TestPathologicalInput: a 64 KB Host through a hostnames map with
// wildcards and a backtracking regex is answered (no hang, no panic).
func TestPathologicalInput(t *testing.T) {
	reg := testRegistry(t)
	if diags := loadMaps(t, reg, `
map $host $m {
    hostnames;
    default d;
    *.a.test  star;
    www.*     tail;
    ~^(?=x)(a|aa)+$  bt;
    ~^(a+)+$  re2;
}`); len(diags) != 1 || diags[0].Severity != nginxconf.SevWarning {
		t.Fatalf("want one backtracking warning, got %v", diags)
	}
	for _, tc := range []struct{ host, want string }{
		{strings.Repeat("a.", 32<<10) + "a.test", "star"},
		{"www." + strings.Repeat("b.", 32<<10) + "c", "tail"},
		{strings.Repeat("a", 64<<10) + "!", "d"},
		{"x" + strings.Repeat("a", 64<<10), "d"},
		{strings.Repeat("a", 64<<10), "re2"},
	} {
		q := newTestRequest(t, reg, clientRequest("GET", "/", "Host: "+tc.host))
		if got := eval(t, reg, q, "$m"); got != tc.want {
			t.Errorf("%d-byte host: %q want %q", len(tc.host), got, tc.want)
		}
	}
}
