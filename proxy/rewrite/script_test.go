package rewrite

import (
	"fmt"
	"strings"
	"testing"

	"sliceproxy/vars"
)

// outcome renders everything a run changes, for comparison.
func outcome(res Result[string], uri, args []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "uri=%s args=%s", uri, args)
	if res.Status != 0 {
		fmt.Fprintf(&b, " status=%d", res.Status)
	}
	if res.Location != "" {
		fmt.Fprintf(&b, " location=%s", res.Location)
	}
	if res.HasBody {
		fmt.Fprintf(&b, " body=%q", res.Body)
	}
	if res.Restart {
		b.WriteString(" restart")
	}
	if res.URIRewritten {
		b.WriteString(" rewritten")
	}
	if res.If != nil {
		fmt.Fprintf(&b, " if=%s", res.If.Payload)
	}
	return b.String()
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		conf    string
		uri     string
		args    string
		rawPath string
		fs      fakeFS
		want    string
	}{
		// rewrite flags
		{name: "no match leaves everything", conf: `rewrite ^/old/(.*)$ /new/$1 last;`, uri: "/x", want: "uri=/x args="},
		{name: "last restarts", conf: `rewrite ^/old/(.*)$ /new/$1 last; return 404;`, uri: "/old/a/b", want: "uri=/new/a/b args= restart"},
		{name: "no flag continues then restarts", conf: `rewrite ^/a /b; rewrite ^/b /c;`, uri: "/a", want: "uri=/c args= restart"},
		{name: "no flag then return answers", conf: `rewrite ^/a /b; return 403;`, uri: "/a", want: "uri=/b args= status=403"},
		{name: "break stays", conf: `rewrite ^/a(.*) /b$1 break; return 404;`, uri: "/a/x", want: "uri=/b/x args= rewritten"},
		{name: "break directive after rewrite", conf: `rewrite ^/a /b; break; return 404;`, uri: "/a", want: "uri=/b args= rewritten"},
		{name: "break directive alone", conf: `break; return 404;`, uri: "/a", want: "uri=/a args="},
		{name: "redirect", conf: `rewrite ^/a(.*) /b$1 redirect;`, uri: "/a/x", want: "uri=/a/x args= status=302 location=/b/x"},
		{name: "permanent", conf: `rewrite ^ /b permanent;`, uri: "/a", want: "uri=/a args= status=301 location=/b"},
		{name: "http replacement redirects", conf: `rewrite ^/(.*) http://example.org/$1;`, uri: "/a", want: "uri=/a args= status=302 location=http://example.org/a"},
		{name: "https replacement with permanent", conf: `rewrite ^/(.*) https://example.org/$1 permanent;`, uri: "/a", want: "uri=/a args= status=301 location=https://example.org/a"},
		{name: "$scheme replacement redirects", conf: `rewrite ^ $scheme://h/x;`, uri: "/a", want: "uri=/a args= status=302 location=http://h/x"},
		{name: "empty rewritten uri is 500", conf: `rewrite ^/(.*)$ $1 last;`, uri: "/", want: "uri=/ args= status=500"},

		// args handling
		{name: "original args kept", conf: `rewrite ^ /b last;`, uri: "/a", args: "x=1", want: "uri=/b args=x=1 restart"},
		{name: "trailing ? drops args", conf: `rewrite ^ /b? last;`, uri: "/a", args: "x=1", want: "uri=/b args= restart"},
		{name: "new args appended with &", conf: `rewrite ^/(\w+) /b?p=$1 last;`, uri: "/a", args: "x=1", want: "uri=/b args=p=a&x=1 restart"},
		{name: "new args replace with trailing ?", conf: `rewrite ^/(\w+) /b?p=$1? last;`, uri: "/a", args: "x=1", want: "uri=/b args=p=a restart"},
		{name: "new args without original", conf: `rewrite ^/(\w+) /b?p=$1 last;`, uri: "/a", want: "uri=/b args=p=a restart"},
		{name: "redirect keeps args with ?", conf: `rewrite ^ /b redirect;`, uri: "/a", args: "x=1", want: "uri=/a args=x=1 status=302 location=/b?x=1"},
		{name: "redirect with own args joins with &", conf: `rewrite ^ /b?y=2 redirect;`, uri: "/a", args: "x=1", want: "uri=/a args=x=1 status=302 location=/b?y=2&x=1"},
		{name: "redirect trailing ? drops args", conf: `rewrite ^ /b? redirect;`, uri: "/a", args: "x=1", want: "uri=/a args=x=1 status=302 location=/b"},
		{name: "captures escaped in args when uri was quoted", conf: `rewrite ^/(.*)$ /b?q=$1 last;`, uri: "/a b&c", rawPath: "/a%20b&c",
			want: "uri=/b args=q=a%20b%26c restart"},
		{name: "captures not escaped in path", conf: `rewrite ^/(.*)$ /b/$1 last;`, uri: "/a b", rawPath: "/a%20b", want: "uri=/b/a b args= restart"},
		{name: "captures not escaped when uri was plain", conf: `rewrite ^/(.*)$ /b?q=$1 last;`, uri: "/a&c", want: "uri=/b args=q=a&c restart"},
		{name: "redirect unescapes printable", conf: `rewrite ^ /x%41%20y%3fz%41 redirect;`, uri: "/", want: "uri=/ args= status=302 location=/xA%20y?z%41"},

		// return
		{name: "return code", conf: `return 404;`, uri: "/", want: "uri=/ args= status=404"},
		{name: "return text", conf: `return 200 "uri=$uri args=$args";`, uri: "/p", args: "a=1", want: `uri=/p args=a=1 status=200 body="uri=/p args=a=1"`},
		{name: "return empty 200", conf: `return 200;`, uri: "/", want: `uri=/ args= status=200 body=""`},
		{name: "return 404 with text", conf: `return 404 "gone";`, uri: "/", want: `uri=/ args= status=404 body="gone"`},
		{name: "return 301 url", conf: `return 301 https://$host$request_uri;`, uri: "/p", args: "a=1", want: "uri=/p args=a=1 status=301 location=https://example.com/p?a=1"},
		{name: "return url alone is 302", conf: `return http://example.org/;`, uri: "/", want: "uri=/ args= status=302 location=http://example.org/"},
		{name: "return 444", conf: `return 444;`, uri: "/", want: "uri=/ args= status=444"},
		{name: "return stops the script", conf: `return 403; rewrite ^ /x;`, uri: "/", want: "uri=/ args= status=403"},

		// set
		{name: "set then use", conf: `set $a "x$uri"; return 200 $a;`, uri: "/p", want: `uri=/p args= status=200 body="x/p"`},
		{name: "set captures", conf: `if ($uri ~ ^/(\w+)/(\w+)) { set $x $2-$1; } return 200 $x;`, uri: "/a/b", want: `uri=/a/b args= status=200 body="b-a" if=($uri ~ ^/(\w+)/(\w+))`},
		{name: "set $args changes query string", conf: `set $args "z=9"; rewrite ^ /b last;`, uri: "/a", args: "x=1", want: "uri=/b args=z=9 restart"},
		{name: "set escapes captures before any rewrite when quoted", conf: `if ($uri ~ ^/(.*)$) { set $x $1; } return 200 $x;`, uri: "/a b", rawPath: "/a%20b",
			want: `uri=/a b args= status=200 body="a%20b" if=($uri ~ ^/(.*)$)`},
		{name: "set no longer escapes after a rewrite", conf: `rewrite ^(.*)$ $1; if ($uri ~ ^/(.*)$) { set $x $1; } return 200 $x;`, uri: "/a b", rawPath: "/a%20b",
			want: `uri=/a b args= status=200 body="a b" if=($uri ~ ^/(.*)$)`},

		// if operators
		{name: "if var true", conf: `if ($arg_a) { return 200 yes; } return 200 no;`, uri: "/", args: "a=1", want: `uri=/ args=a=1 status=200 body="yes" if=($arg_a)`},
		{name: "if var 0 is false", conf: `if ($arg_a) { return 200 yes; } return 200 no;`, uri: "/", args: "a=0", want: `uri=/ args=a=0 status=200 body="no"`},
		{name: "if var empty is false", conf: `if ($arg_a) { return 200 yes; } return 200 no;`, uri: "/", want: `uri=/ args= status=200 body="no"`},
		{name: "if var 00 is true", conf: `if ($arg_a) { return 200 yes; } return 200 no;`, uri: "/", args: "a=00", want: `uri=/ args=a=00 status=200 body="yes" if=($arg_a)`},
		{name: "if =", conf: `if ($arg_a = x) { return 200 yes; } return 200 no;`, uri: "/", args: "a=x", want: `uri=/ args=a=x status=200 body="yes" if=($arg_a = x)`},
		{name: "if = case-sensitive", conf: `if ($arg_a = x) { return 200 yes; } return 200 no;`, uri: "/", args: "a=X", want: `uri=/ args=a=X status=200 body="no"`},
		{name: "if = empty", conf: `if ($arg_a = "") { return 200 empty; } return 200 no;`, uri: "/", want: `uri=/ args= status=200 body="empty" if=($arg_a =  )`},
		{name: "if !=", conf: `if ($arg_a != x) { return 200 yes; } return 200 no;`, uri: "/", args: "a=y", want: `uri=/ args=a=y status=200 body="yes" if=($arg_a != x)`},
		{name: "if = with variables", conf: `if ($arg_a = "$arg_b") { return 200 same; } return 200 no;`, uri: "/", args: "a=1&b=1", want: `uri=/ args=a=1&b=1 status=200 body="same" if=($arg_a = $arg_b )`},
		{name: "if ~", conf: `if ($uri ~ ^/a) { return 200 yes; } return 200 no;`, uri: "/abc", want: `uri=/abc args= status=200 body="yes" if=($uri ~ ^/a)`},
		{name: "if ~ case-sensitive", conf: `if ($uri ~ ^/a) { return 200 yes; } return 200 no;`, uri: "/ABC", want: `uri=/ABC args= status=200 body="no"`},
		{name: "if ~*", conf: `if ($uri ~* ^/a) { return 200 yes; } return 200 no;`, uri: "/ABC", want: `uri=/ABC args= status=200 body="yes" if=($uri ~* ^/a)`},
		{name: "if !~", conf: `if ($uri !~ ^/a) { return 200 yes; } return 200 no;`, uri: "/b", want: `uri=/b args= status=200 body="yes" if=($uri !~ ^/a)`},
		{name: "if !~*", conf: `if ($uri !~* ^/a) { return 200 yes; } return 200 no;`, uri: "/A", want: `uri=/A args= status=200 body="no"`},
		{name: "if regex captures", conf: `if ($arg_v ~ ^(\d+)\.(\d+)$) { return 200 "$2.$1"; }`, uri: "/", args: "v=1.22", want: `uri=/ args=v=1.22 status=200 body="22.1" if=($arg_v ~ ^(\d+)\.(\d+)$)`},
		{name: "if named captures", conf: `if ($arg_v ~ ^(?<major>\d+)) { return 200 "m=$major"; }`, uri: "/", args: "v=7.1", want: `uri=/ args=v=7.1 status=200 body="m=7" if=($arg_v ~ ^(?<major>\d+))`},
		{name: "if with separate parens", conf: `if ( $arg_a = x ) { return 200 yes; }`, uri: "/", args: "a=x", want: `uri=/ args=a=x status=200 body="yes" if=( $arg_a = x )`},
		{name: "last matching if wins", conf: `if ($arg_a) { set $z 1; } if ($arg_b) { set $z 2; }`, uri: "/", args: "a=1&b=1", want: `uri=/ args=a=1&b=1 if=($arg_b)`},
		{name: "if body runs then continues after the block", conf: `if ($arg_a) { set $z 1; } return 200 "z=$z";`, uri: "/", args: "a=1", want: `uri=/ args=a=1 status=200 body="z=1" if=($arg_a)`},

		// file tests
		{name: "-f file", conf: `if (-f /srv$uri) { return 200 file; } return 404;`, uri: "/a", fs: fakeFS{"/srv/a": "file"}, want: `uri=/a args= status=200 body="file" if=(-f /srv$uri)`},
		{name: "-f dir is false", conf: `if (-f /srv$uri) { return 200 file; } return 404;`, uri: "/a", fs: fakeFS{"/srv/a": "dir"}, want: `uri=/a args= status=404`},
		{name: "!-f missing", conf: `if (!-f /srv$uri) { return 200 missing; }`, uri: "/a", fs: fakeFS{}, want: `uri=/a args= status=200 body="missing" if=(!-f /srv$uri)`},
		{name: "-d dir", conf: `if (-d /srv$uri) { return 200 dir; }`, uri: "/a", fs: fakeFS{"/srv/a": "dir"}, want: `uri=/a args= status=200 body="dir" if=(-d /srv$uri)`},
		{name: "!-d file", conf: `if (!-d /srv$uri) { return 200 notdir; }`, uri: "/a", fs: fakeFS{"/srv/a": "file"}, want: `uri=/a args= status=200 body="notdir" if=(!-d /srv$uri)`},
		{name: "-e dir", conf: `if (-e /srv$uri) { return 200 exists; }`, uri: "/a", fs: fakeFS{"/srv/a": "dir"}, want: `uri=/a args= status=200 body="exists" if=(-e /srv$uri)`},
		{name: "!-e missing", conf: `if (!-e /srv$uri) { rewrite ^ /index.php last; }`, uri: "/a", fs: fakeFS{}, want: `uri=/index.php args= restart if=(!-e /srv$uri)`},
		{name: "-x executable", conf: `if (-x /srv$uri) { return 200 exec; } return 404;`, uri: "/a", fs: fakeFS{"/srv/a": "exec"}, want: `uri=/a args= status=200 body="exec" if=(-x /srv$uri)`},
		{name: "-x plain file", conf: `if (-x /srv$uri) { return 200 exec; } return 404;`, uri: "/a", fs: fakeFS{"/srv/a": "file"}, want: `uri=/a args= status=404`},
		{name: "!-x plain file", conf: `if (!-x /srv$uri) { return 200 noexec; }`, uri: "/a", fs: fakeFS{"/srv/a": "file"}, want: `uri=/a args= status=200 body="noexec" if=(!-x /srv$uri)`},
		{name: "stat error makes -e false", conf: `if (-e /srv$uri) { return 200 exists; } return 404;`, uri: "/a", fs: fakeFS{"/srv/a": "denied"}, want: `uri=/a args= status=404`},
		{name: "stat error makes !-e true", conf: `if (!-e /srv$uri) { return 200 missing; }`, uri: "/a", fs: fakeFS{"/srv/a": "denied"}, want: `uri=/a args= status=200 body="missing" if=(!-e /srv$uri)`},

		// captures across directives
		{name: "failed rewrite clears captures", conf: `if ($uri ~ ^/(a)) { } rewrite ^/zzz(.*) /y; return 200 "c=$1";`, uri: "/a", want: `uri=/a args= status=200 body="c=" if=($uri ~ ^/(a))`},
		// nginx 1.22 answers "capless-rewrite c=" here: any rewrite-module
		// regex resets the captures, with or without groups, match or not.
		{name: "a capture-less match clears captures", conf: `if ($uri ~ ^/(a)) { } rewrite ^/a /b; return 200 "c=$1";`, uri: "/a", want: `uri=/b args= status=200 body="c=" if=($uri ~ ^/(a))`},
		{name: "a capture-less if match clears captures", conf: `if ($uri ~ ^/(a)) { } if ($uri ~ ^/a) { return 200 "c=$1"; }`, uri: "/a", want: `uri=/a args= status=200 body="c=" if=($uri ~ ^/a)`},
		{name: "a failed capture-less rewrite clears captures", conf: `if ($uri ~ ^/(a)) { } rewrite ^/zzz /y; return 200 "c=$1";`, uri: "/a", want: `uri=/a args= status=200 body="c=" if=($uri ~ ^/(a))`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, reg, diags := compileLocation(t, tt.conf)
			if len(diags) > 0 {
				t.Fatalf("diagnostics:\n%s", diagMessages(diags))
			}
			req := newRequest(reg, tt.uri, tt.args, tt.rawPath)
			env := Env{FS: tt.fs}
			if tt.fs == nil {
				env.FS = fakeFS{}
			}
			res := s.Run(req, env)
			if got := outcome(res, req.URI, req.Args); got != tt.want {
				t.Errorf("\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestServerLevelIfHasNoPayload(t *testing.T) {
	reg := vars.NewRegistry(vars.RegistryOptions{})
	body := parseBlock(t, `if ($arg_a) { set $x 1; }`)
	s, diags := Compile[string](body, ServerLevel, reg)
	if len(diags) > 0 {
		t.Fatal(diagMessages(diags))
	}
	if len(s.Ifs()) != 1 || !s.Ifs()[0].InServer {
		t.Fatalf("Ifs() = %v, want one server-level if", s.Ifs())
	}
	res := s.Run(newRequest(reg, "/", "a=1", ""), Env{})
	if res.If != nil {
		t.Errorf("server-level if selected as configuration: %v", res.If)
	}
}

func TestCompileDiagnostics(t *testing.T) {
	tests := []struct{ conf, want string }{
		{`set a 1;`, `error: invalid variable name "a"`},
		{`set $uri 1;`, `error: the duplicate "uri" variable`},
		{`set $a $nosuch;`, `error: unknown "nosuch" variable`},
		{`set $a "x$";`, `error: invalid variable name "x$"`},
		{`set $a "${b";`, `error: the closing bracket in "b" variable is missing`},
		{`rewrite ^ "";`, `error: empty replacement`},
		{`rewrite ^ /x bogus;`, `error: invalid parameter "bogus"`},
		{`rewrite ^(a /x;`, `error: `},
		{`return abc;`, `error: invalid return code "abc"`},
		{`return 1000;`, `error: invalid return code "1000"`},
		{`return -1;`, `error: invalid return code "-1"`},
		{`if $a { }`, `error: invalid condition "$a"`},
		// nginx strips the "(" before it looks for the ")" in the same word
		{`if ($a { }`, `error: invalid condition "$a"`},
		{`if ($arg_a == b) { }`, `error: unexpected "==" in condition`},
		{`if ($arg_a = b c) { }`, `error: invalid condition "$arg_a"`},
		{`if (-z /x) { }`, `error: invalid condition "-z"`},
		{`if (-f) { }`, `error: invalid condition "-f"`},
		{`if ($nosuch) { }`, `error: unknown "nosuch" variable`},
		{`if (abc) { }`, `error: invalid condition "abc"`},
		{`if ($arg_a ~ "(") { }`, `error: `},
		{`break 1;`, `error: invalid number of arguments in "break" directive`},
		{`set $a 1; set $b $a; return 200 $b;`, ``},
	}
	for _, tt := range tests {
		t.Run(tt.conf, func(t *testing.T) {
			_, _, diags := compileLocation(t, tt.conf)
			got := diagMessages(diags)
			if !strings.HasPrefix(got, tt.want) || (tt.want == "") != (got == "") {
				t.Errorf("diagnostics:\n%s\nwant prefix:\n%s", got, tt.want)
			}
			for _, d := range diags {
				if d.Pos.Line == 0 {
					t.Errorf("diagnostic without position: %v", d)
				}
			}
		})
	}
}

func TestSetBeforeDeclaredElsewhere(t *testing.T) {
	// nginx resolves variable names at the end of the configuration, so a
	// use that comes before the set compiles once DeclareSets ran.
	s, reg, diags := compileLocation(t, `return 200 "v=$late"; set $late 1;`)
	if len(diags) > 0 {
		t.Fatal(diagMessages(diags))
	}
	res := s.Run(newRequest(reg, "/", "", ""), Env{})
	if string(res.Body) != "v=" {
		t.Errorf("body %q, want %q (not set yet when return runs)", res.Body, "v=")
	}
}
