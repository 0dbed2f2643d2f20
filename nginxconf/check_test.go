package nginxconf

import (
	"encoding/json"
	"strings"
	"testing"
)

func parseForTest(t *testing.T, src string, opt Options) *Config {
	t.Helper()
	opt.SingleFile = true
	cfg, diags := ParseBytes("test.conf", []byte(src), opt)
	if cfg == nil || HasErrors(diags) {
		t.Fatalf("parse %q: %v", src, diags)
	}
	return cfg
}

// findings renders Check's diagnostics as "line:code:message" for compact
// comparison.
func findings(diags []Diagnostic, minSev Severity) []string {
	var out []string
	for _, d := range diags {
		if d.Severity >= minSev {
			out = append(out, strings.Join([]string{itoa(d.Pos.Line), d.Code, d.Message}, ":"))
		}
	}
	return out
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestCheckRules(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opt  Options
		want []string // warnings and errors, in order
	}{
		{
			name: "globals duplicate the file's directive as nginx -g does",
			src:  "daemon off;\nevents {}\n",
			opt:  Options{Globals: "daemon on;"},
			want: []string{`1:duplicate:"daemon" directive is duplicate`},
		},
		{
			name: "if in server is sif: set allowed, proxy_pass not",
			src:  "http { server { if ($a) { set $b 1; proxy_pass http://x.y; } } }",
			want: []string{`1:context:"proxy_pass" directive is not allowed here`},
		},
		{
			name: "if in location allows proxy_pass",
			src:  "http { server { location / { if ($a) { proxy_pass http://x.y; } } } }",
			want: nil,
		},
		{
			name: "duplicates are per block, not across blocks",
			src:  "http { root /a; server { root /b; location / { root /c; } location /x { root /d; } } }",
			want: nil,
		},
		{
			name: "repeatable directives are not duplicates",
			src:  "http { server { listen 80; listen 81; add_header A 1; add_header A 2; proxy_set_header A 1; proxy_set_header B 2; } }",
			want: nil,
		},
		{
			name: "map, types and geo bodies are data, not directives",
			src:  "http { map $a $b { default 0; foo bar; include_me x; } types { text/html html htm; } geo $g { 10.0.0.0/8 1; } }",
			want: []string{`1:unsupported:"geo" directive is not supported by sliceproxy: the variable is not set from the client address: it stays empty`},
		},
		{
			name: "lua block bodies are raw",
			src:  "http { server { location / { content_by_lua_block { local t = { a = 1 } } } } }",
			want: []string{`1:unsupported:"content_by_lua_block" directive is not supported by sliceproxy: Lua code does not run: this location does not produce its content`},
		},
		{
			name: "if condition without parentheses",
			src:  "http { server { if $a { return 403; } } }",
			want: []string{`1:invalid-value:invalid condition "$a"`},
		},
		{
			name: "if condition without closing parenthesis",
			src:  "http { server { if ($a = b { return 403; } } }",
			want: []string{`1:invalid-value:invalid condition "b"`},
		},
		{
			name: "flags are case-insensitive",
			src:  "http { proxy_buffering OFF; }",
			want: nil,
		},
		{
			name: "keepalive_timeout header time is in seconds",
			src:  "http { keepalive_timeout 75s 1d; }",
			want: nil,
		},
		{
			name: "worker_processes auto without keepalive says nothing",
			src:  "worker_processes auto;\nevents {}\n",
			want: nil,
		},
		{
			name: "a main file needs events",
			src:  "http {}\nevents_x {}\n",
			want: []string{`1:no-events:no "events" section in configuration`, `2:unknown-directive:unknown directive "events_x"`},
		},
		{
			name: "log_format names are unique, combined is built in",
			src:  "http { log_format combined '$a'; log_format main '$a'; log_format main '$b'; }",
			want: []string{`1:duplicate:duplicate "log_format" name "combined"`, `1:duplicate:duplicate "log_format" name "main"`},
		},
		{
			name: "upstream names are unique regardless of case",
			src:  "http { upstream App { server 127.0.0.1:1; } upstream app { server 127.0.0.1:2; } }",
			want: []string{`1:duplicate:duplicate upstream "app"`},
		},
		{
			name: "add_header takes only always after the value",
			src:  "http { add_header X-A 1 always; add_header X-B 2 sometimes; }",
			want: []string{`1:invalid-value:invalid parameter "sometimes"`},
		},
		{
			name: "expires values",
			src:  "http { server { location /a { expires 1d; } location /b { expires modified +1h; } location /c { expires max; } location /d { expires @23h30m; } location /e { expires $exp; } location /f { expires @25h; } location /g { expires soon; } location /h { expires later 1d; } } }",
			want: []string{`1:invalid-value:daily time value must be less than 24 hours`, `1:invalid-value:"expires" directive invalid value`, `1:invalid-value:"expires" directive invalid value`},
		},
		{
			name: "bitmask words: unknown is an error, repeated a warning",
			src:  "http { proxy_next_upstream error TIMEOUT http_502 error; ssl_protocols TLSv1.2 TLSv1.4; }",
			want: []string{`1:invalid-value:duplicate value "error"`, `1:invalid-value:invalid value "TLSv1.4"`},
		},
		{
			name: "location nesting as nginx allows it",
			src:  "http { server { location /a/ { location /a/b {} location ~ \\.php$ {} } location ~ ^/x { location ~ ^/x/y {} } } }",
			want: nil,
		},
		{
			name: "location nesting nginx refuses",
			src: "http { server {\nlocation /a/ { location /b {} }\nlocation = /e { location /e/x {} }\nlocation @n { location /n {} }\n" +
				"location /p { location @q {} }\nlocation >= /x {}\nlocation ~ ^/r { location /r/s {} }\n} }",
			want: []string{`2:context:location "/b" is outside location "/a/"`,
				`3:context:location "/e/x" cannot be inside the exact location "/e"`,
				`4:context:location "/n" cannot be inside the named location "@n"`,
				`5:context:named location "@q" can be on the server level only`,
				`6:invalid-value:invalid location modifier ">="`,
				`7:context:location "/r/s" is outside location "^/r"`}, // nginx compares with the regex's text
		},
		{
			name: "proxy_pass URI part where nginx cannot use it",
			src: "http { server {\nlocation ~ ^/a { proxy_pass http://u/; }\nlocation @b { proxy_pass http://u/b; }\n" +
				"location /c { if ($x) { proxy_pass http://u/c; } }\nlocation /d { limit_except GET { proxy_pass http://unix:/s.sock:/d; } }\n" +
				"location ~ ^/e { proxy_pass http://u; }\nlocation ~ ^/f { proxy_pass http://u$uri; }\nlocation /g { proxy_pass http://unix:/s.sock; }\n" +
				"} upstream u { server 127.0.0.1:1; } }",
			want: []string{
				`2:proxy-pass:"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block`,
				`3:proxy-pass:"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block`,
				`4:proxy-pass:"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block`,
				`5:proxy-pass:"proxy_pass" cannot have URI part in location given by regular expression, or inside named location, or inside "if" statement, or inside "limit_except" block`,
			},
		},
		{
			name: "an unsupported directive set to nginx's default is harmless",
			src:  "http { recursive_error_pages OFF; server { recursive_error_pages on; } }",
			want: []string{`1:unsupported:"recursive_error_pages" directive is not supported by sliceproxy: not configurable yet: nginx's default behaviour applies`},
		},
		{
			name: "unknown directive inside an unknown block is not reported twice",
			src:  "http { frob { bar 1; } }",
			want: []string{`1:unknown-directive:unknown directive "frob"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.src
			if !strings.Contains(src, "events") {
				src = "events {} " + src // on line 1: the lines stay as written
			}
			cfg := parseForTest(t, src, tt.opt)
			got := findings(CheckIn(cfg, CtxMain), SevWarning)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestFragmentContext(t *testing.T) {
	tests := []struct {
		src  string
		want Context
	}{
		{"events {}\nhttp {}\n", CtxMain},
		{"server { listen 80; }\nupstream u { server 127.0.0.1:1; }\n", CtxHTTP},
		{"location / { root /x; }\nlisten 80;\nserver_name a;\n", CtxServer},
		{"proxy_pass http://u;\nproxy_set_header A b;\n", CtxLocation},
		{"server 127.0.0.1:1 weight=2;\nkeepalive 8;\n", CtxUpstream},
		{"", CtxMain},
	}
	for _, tt := range tests {
		cfg, _ := ParseBytes("f.conf", []byte(tt.src), Options{SingleFile: true})
		if got := FragmentContext(cfg); got != tt.want {
			t.Errorf("FragmentContext(%q) = %s, want %s", tt.src, got, tt.want)
		}
	}
}

func TestLintMergesAndDeduplicates(t *testing.T) {
	cfg := parseForTest(t, "events {}\nhttp {\n    frob on;\n}\n", Options{})
	extra := []Diagnostic{
		{Pos: Pos{File: "test.conf", Line: 1, Col: 1}, Severity: SevWarning, Message: "from a loader", Code: "x"},
		// The same finding Check makes: must appear once.
		{Pos: Pos{File: "test.conf", Line: 3, Col: 5}, Severity: SevError, Message: `unknown directive "frob"`, Code: CodeUnknownDirective},
	}
	got := findings(Lint(cfg, nil, extra), SevInfo)
	want := []string{"1:x:from a loader", `3:unknown-directive:unknown directive "frob"`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Lint = %q, want %q", got, want)
	}
}

func TestUses(t *testing.T) {
	cfg := parseForTest(t, "http { upstream u { server 127.0.0.1:1; keepalive 4; } server { if ($a) { return 403; } frob; } }", Options{})
	var got []string
	for _, u := range Uses(cfg) {
		status := "unknown"
		if u.Spec != nil {
			status = u.Spec.Status.String()
		}
		got = append(got, u.Directive.Name+"@"+u.Context.String()+"="+status)
	}
	want := "http@main=implemented upstream@http=implemented server@upstream=implemented keepalive@upstream=implemented " +
		"server@http=implemented if@server=implemented return@sif=implemented frob@server=unknown"
	if strings.Join(got, " ") != want {
		t.Errorf("Uses:\n%s\nwant\n%s", strings.Join(got, " "), want)
	}
}

func TestCrossplanePayload(t *testing.T) {
	src := "events {}\nhttp {\n  server {\n    location / {\n      content_by_lua_block { ngx.say(1) }\n    }\n    listen;\n  }\n}\n"
	cfg, diags := ParseBytes("c.conf", []byte(src), Options{SingleFile: true})
	diags = append(diags, CheckIn(cfg, CtxMain)...)
	p := Crossplane(cfg, "c.conf", SortDiagnostics(diags))
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	js := string(data)
	for _, want := range []string{
		`"status":"failed"`,
		`"errors":[{"file":"c.conf","line":7,"error":"invalid number of arguments in \"listen\" directive in c.conf:7"}]`,
		`{"directive":"events","line":1,"args":[],"block":[]}`,
		`{"directive":"content_by_lua_block","line":5,"args":[" ngx.say(1) "]}`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("payload lacks %s:\n%s", want, js)
		}
	}
	// Unknown directives are not crossplane errors (its default mode).
	cfg, _ = ParseBytes("u.conf", []byte("frob;\n"), Options{SingleFile: true})
	if p := Crossplane(cfg, "u.conf", CheckIn(cfg, CtxMain)); p.Status != "ok" {
		t.Errorf("unknown directive made the payload fail: %+v", p.Errors)
	}
}
