package nginxconf

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// nginxCase is a configuration and what nginx -t says about its syntax. The
// expectations are written down so the test asserts them without nginx; with
// nginx installed, the test also checks that nginx agrees with them.
type nginxCase struct {
	name string
	conf string
	// msg and line: nginx's error ("" when the syntax is fine).
	msg  string
	line int
	// ours, when set, is our message where we deliberately word it
	// differently (nginx must still reject the file at the same line).
	ours string
}

// longWord builds a log_format line whose one argument is n bytes long.
func longWord(prefix string, n int, suffix string) string {
	return "events {}\nhttp { log_format f " + prefix + strings.Repeat("a", n) + suffix + " }\n"
}

var nginxCases = []nginxCase{
	{name: "quotes and escapes", conf: "events {}\nhttp { log_format f \"a\\\"b\" 'c\\'d' e\\ f \"x\\ty\" \\\"q; }\n"},
	{name: "quote glued after word", conf: "events {}\nhttp { log_format f a\"b\"c; }\n"},
	{name: "word glued after quote", conf: "events {}\nhttp { log_format f \"a\"b; }\n", msg: `unexpected "b"`, line: 2},
	{name: "quote then paren", conf: "events {}\nhttp { log_format f \"a\")x; }\n"},
	{name: "quote then open paren", conf: "events {}\nhttp { log_format f \"a\"(; }\n", msg: `unexpected "("`, line: 2},
	{name: "quote then hash", conf: "events {}\nhttp { log_format f \"a\"#b; }\n", msg: `unexpected "#"`, line: 2},
	{name: "hash inside word", conf: "events {}\nhttp { log_format f a#b; }\n"},
	{name: "close brace inside word", conf: "events {}\nhttp { log_format f a}b; }\n"},
	{name: "braced variable", conf: "events {}\nhttp { log_format f ${host}x$host; }\n"},
	{name: "bare brace ends word", conf: "events {}\nhttp { log_format f a{ }\n}\n", msg: `directive "log_format" is not terminated by ";"`, line: 2, ours: "-"},
	{name: "comment between args", conf: "events {}\nhttp { log_format f a # c ;\n b; }\n"},
	{name: "comment after semicolon", conf: "events {}\nhttp { log_format f a;# x\n}\n"},
	{name: "crlf", conf: "events {}\r\nhttp {\r\n log_format f a \"b\";\r\n}\r\n"},
	{name: "crlf eof", conf: "events {}\r\nhttp {\r\n log_format f a\r\n", msg: `unexpected end of file, expecting ";" or "}"`, line: 4},
	{name: "non-utf8 bytes", conf: "events {}\nhttp { log_format f \"\xff\xfe\" \xc3\x28; }\n"},
	{name: "utf8", conf: "events {}\nhttp { log_format f 'Привет мир'; }\n"},
	{name: "eof in statement", conf: "events {}\nhttp {\n log_format f a\n", msg: `unexpected end of file, expecting ";" or "}"`, line: 4},
	{name: "eof in quote", conf: "events {}\nhttp { log_format f a \"b\n", msg: `unexpected end of file, expecting ";" or "}"`, line: 3},
	{name: "eof in block", conf: "events {}\nhttp {\n log_format f a;\n", msg: `unexpected end of file, expecting "}"`, line: 4},
	{name: "eof in block no newline", conf: "events {}\nhttp {\n log_format f a;", msg: `unexpected end of file, expecting "}"`, line: 3},
	{name: "extra close brace", conf: "events {}\nhttp {}\n}\n", msg: `unexpected "}"`, line: 3},
	{name: "close brace after words", conf: "events {}\nhttp { log_format f a }\n", msg: `unexpected "}"`, line: 2},
	{name: "lone semicolon", conf: "events {}\n;\n", msg: `unexpected ";"`, line: 2},
	{name: "lone open brace", conf: "events {}\n{\n", msg: `unexpected "{"`, line: 2},
	{name: "block in map", conf: "events {}\nhttp { map $host $x {\n default 1;\n a { }\n} }\n", msg: `unexpected "{"`, line: 4},
	{name: "block in types", conf: "events {}\nhttp { types { a { } } }\n", msg: `unexpected "{"`, line: 2},
	{name: "template braces", conf: "events {}\nhttp {\n{{ .X }}\n}\n", msg: `unexpected "{"`, line: 3, ours: `unexpected template token "{{" (this looks like a template, not an nginx config)`},
	{name: "token 4094 then space", conf: longWord("", 4094, " ;")},
	{name: "token 4095 then space", conf: longWord("", 4095, " ;"), msg: `too long parameter "aaaaaaaaaa..." started`, line: 2},
	{name: "token 4095 then semicolon", conf: longWord("", 4095, ";")},
	{name: "token 4096 then semicolon", conf: longWord("", 4096, ";"), msg: `too long parameter "aaaaaaaaaa..." started`, line: 2},
	{name: "quoted 4094", conf: longWord(`"`, 4094, `";`)},
	{name: "quoted 4095", conf: longWord(`"`, 4095, `";`), msg: `too long parameter "aaaaaaaaaa..." started`, line: 2},
	{name: "quoted 4096", conf: longWord(`"`, 4096, `";`), msg: `too long parameter, probably missing terminating """ character`, line: 2},
	{name: "missing include", conf: "events {}\nhttp {\n include /nonexistent-sliceproxy/x.conf;\n}\n", msg: `open() "/nonexistent-sliceproxy/x.conf" failed (2: No such file or directory)`, line: 3},
	{name: "glob matching nothing", conf: "events {}\nhttp {\n include /nonexistent-sliceproxy/*.conf;\n}\n"},
	{name: "comment 4095", conf: "#" + strings.Repeat("a", 4094) + "\nevents {}\n"},
	{name: "comment 4096", conf: "#" + strings.Repeat("a", 4095) + "\nevents {}\n", msg: `too long parameter "#aaaaaaaaa..." started`, line: 1},
}

// nginxEmerg matches nginx -t's error line.
var nginxEmerg = regexp.MustCompile(`\[emerg\] \d+#\d+: (.*) in (\S+):(\d+)`)

// runNginxTest runs "nginx -t" on dir/nginx.conf and returns its first
// [emerg] message and line, or ok.
func runNginxTest(t *testing.T, nginx, dir string) (msg string, line int, ok bool) {
	t.Helper()
	conf := filepath.Join(dir, "nginx.conf")
	cmd := exec.Command(nginx, "-t", "-q", "-p", dir+"/", "-c", conf,
		"-g", "pid "+filepath.Join(dir, "nginx.pid")+"; error_log stderr;")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return "", 0, true
	}
	m := nginxEmerg.FindStringSubmatch(string(out))
	if m == nil {
		t.Fatalf("nginx -t failed without an [emerg] line: %v\n%s", err, out)
	}
	line, _ = strconv.Atoi(m[3])
	return m[1], line, false
}

// firstError returns the first error diagnostic.
func firstError(diags []Diagnostic) *Diagnostic {
	for i := range diags {
		if diags[i].Severity == SevError {
			return &diags[i]
		}
	}
	return nil
}

func TestTokenizerAgainstNginx(t *testing.T) {
	nginx, lookErr := exec.LookPath("nginx")
	for _, tc := range nginxCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(tc.conf), 0o644); err != nil {
				t.Fatal(err)
			}
			_, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{})
			got := firstError(diags)
			want := tc.msg
			if tc.ours != "" {
				want = tc.ours
			}
			switch {
			case want == "-":
				// nginx rejects it in a directive handler, not the
				// tokenizer: no syntax error from us.
				if got != nil {
					t.Errorf("got %v, want no syntax error", got)
				}
			case want == "" && got != nil:
				t.Errorf("got %v, want no error", got)
			case want != "" && got == nil:
				t.Errorf("no error, want %q at line %d", want, tc.line)
			case want != "" && (got.Message != want || got.Pos.Line != tc.line):
				t.Errorf("got %q at line %d, want %q at line %d", got.Message, got.Pos.Line, want, tc.line)
			}

			if lookErr != nil {
				t.Skip("nginx not installed: expectations not cross-checked")
			}
			msg, line, ok := runNginxTest(t, nginx, dir)
			if tc.msg == "" {
				if !ok {
					t.Errorf("nginx rejects it: %q at line %d", msg, line)
				}
				return
			}
			if ok || msg != tc.msg || line != tc.line {
				t.Errorf("nginx says ok=%v %q at line %d; the case expects %q at line %d", ok, msg, line, tc.msg, tc.line)
			}
		})
	}
}

// TestGlobalsAgainstNginx checks the -g text the way nginx reads it
// (ngx_conf_param): no blocks, its own end-of-input wording, position
// "command line".
func TestGlobalsAgainstNginx(t *testing.T) {
	nginx, lookErr := exec.LookPath("nginx")
	tests := []struct{ globals, msg string }{
		{"daemon off;", ""},
		{"daemon off", `unexpected end of parameter, expecting ";"`},
		{"events { }", "block directives are not supported in -g option"},
		{`env "a"b;`, `unexpected "b"`},
	}
	for _, tc := range tests {
		_, diags := ParseBytes("nginx.conf", []byte("events {}\n"), Options{Globals: tc.globals})
		got := ""
		if d := firstError(diags); d != nil {
			got = d.Message
			if d.Pos.File != GlobalsFile {
				t.Errorf("%q: error in %q, want %q", tc.globals, d.Pos.File, GlobalsFile)
			}
		}
		if got != tc.msg {
			t.Errorf("%q: got %q, want %q", tc.globals, got, tc.msg)
		}
		if lookErr != nil {
			continue
		}
		dir := t.TempDir()
		conf := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(conf, []byte("events {}\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(nginx, "-t", "-q", "-p", dir+"/", "-c", conf,
			"-g", "pid "+filepath.Join(dir, "nginx.pid")+"; error_log stderr; "+tc.globals).CombinedOutput()
		switch {
		case tc.msg == "" && err != nil:
			t.Errorf("%q: nginx rejects it: %s", tc.globals, out)
		case tc.msg != "" && !strings.Contains(string(out), "[emerg] ") ||
			tc.msg != "" && !strings.Contains(string(out), ": "+tc.msg+" in command line"):
			t.Errorf("%q: nginx says %s, the case expects %q", tc.globals, out, tc.msg)
		}
	}
	if lookErr != nil {
		t.Skip("nginx not installed: expectations not cross-checked")
	}
}
