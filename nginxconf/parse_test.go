package nginxconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFiles creates files (path relative to dir -> content) and returns dir.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// outline renders a directive list as "name(args){...}" with includes
// expanded, to compare trees briefly.
func outline(list []*Directive) string {
	var b strings.Builder
	for i, d := range Expand(list) {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(d.Name)
		if len(d.Args) > 0 {
			b.WriteString("(" + strings.Join(d.ArgValues(), ",") + ")")
		}
		if d.IsBlock {
			b.WriteString("{" + outline(d.Block) + "}")
		}
	}
	return b.String()
}

func diagStrings(diags []Diagnostic, dir string) []string {
	out := make([]string, len(diags))
	for i, d := range diags {
		out[i] = strings.ReplaceAll(d.Error(), dir+"/", "")
	}
	return out
}

func TestParseStructure(t *testing.T) {
	src := "user www;\nhttp {\n  server { # main\n    listen 80; # http\n    location / { content_by_lua_block { ngx.say(\"}\") } }\n  }\n}\n"
	cfg, diags := ParseBytes("/etc/nginx/nginx.conf", []byte(src), Options{Prefix: "/etc/nginx/"})
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if got, want := outline(cfg.Main.Directives), "user(www) http{server{listen(80) location(/){content_by_lua_block{}}}}"; got != want {
		t.Errorf("tree:\n got %s\nwant %s", got, want)
	}
	if cfg.Prefix != "/etc/nginx/" {
		t.Errorf("Prefix = %q", cfg.Prefix)
	}
	server := cfg.Main.Directives[1].Block[0]
	if server.Comment != "main" || server.Block[0].Comment != "http" {
		t.Errorf("comments: server %q listen %q", server.Comment, server.Block[0].Comment)
	}
	lua := server.Block[1].Block[0]
	if lua.RawBody != ` ngx.say("}") ` || lua.Block != nil || !lua.IsBlock {
		t.Errorf("lua directive: %+v", lua)
	}
	listen := server.Block[0]
	wantPos := Pos{File: "/etc/nginx/nginx.conf", Line: 4, Col: 5}
	if listen.Pos != wantPos || listen.Args[0].Pos != (Pos{File: wantPos.File, Line: 4, Col: 12}) {
		t.Errorf("positions: %v %v", listen.Pos, listen.Args[0].Pos)
	}
	if len(cfg.Sources) != 1 || string(cfg.Sources[0].Bytes) != src {
		t.Errorf("sources: %+v", cfg.Sources)
	}
}

func TestParseKeepsDirectivesBeforeError(t *testing.T) {
	cfg, diags := ParseBytes("x.conf", []byte("a;\nhttp {\n b;\n c {\n d;\n e f\n"), Options{})
	if got, want := outline(cfg.Main.Directives), "a http{b c{d}}"; got != want {
		t.Errorf("tree %s, want %s", got, want)
	}
	if got := diagStrings(diags, ""); !reflect.DeepEqual(got, []string{`x.conf:7:1: error: unexpected end of file, expecting ";" or "}" [syntax]`}) {
		t.Errorf("diagnostics %q", got)
	}
}

func TestParseGlobals(t *testing.T) {
	cfg, diags := ParseBytes("x.conf", []byte("worker_processes 2;\n"), Options{Globals: "daemon off; master_process off;"})
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if got := outline(cfg.Main.Directives); got != "daemon(off) master_process(off) worker_processes(2)" {
		t.Errorf("tree %s", got)
	}
	if p := cfg.Main.Directives[1].Pos; p.File != GlobalsFile || p.Line != 1 || p.Col != 13 {
		t.Errorf("globals position %v", p)
	}

	_, diags = ParseBytes("x.conf", []byte(""), Options{Globals: "events { }"})
	if len(diags) != 1 || diags[0].Message != "block directives are not supported in -g option" || diags[0].Pos.File != GlobalsFile {
		t.Errorf("block in -g: %v", diags)
	}
}

func TestParseIncludes(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf":          "http {\n include conf.d/*.conf;\n include mime.types;\n map $a $b {\n  include map.inc;\n }\n upstream u {\n  include up.inc;\n }\n include missing.conf;\n include nothing/*.conf;\n include class[.]conf;\n}\n",
		"conf.d/b.conf":       "server { listen 2; }\n",
		"conf.d/a.conf":       "server { listen 1; include common.inc; }\n",
		"conf.d/.hidden.conf": "hidden;\n",
		"conf.d/c.txt":        "txt;\n",
		"common.inc":          "root /srv;\n",
		"mime.types":          "types { text/html html; }\n",
		"map.inc":             "default 0;\nx 1;\n",
		"up.inc":              "server 127.0.0.1:80;\n",
		"class.conf":          "class;\n",
	})
	cfg, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{})
	wantDiags := []string{`nginx.conf:10:2: error: open() "missing.conf" failed (2: No such file or directory) [include-not-found]`}
	if got := diagStrings(diags, dir); !reflect.DeepEqual(got, wantDiags) {
		t.Errorf("diagnostics:\n got %q\nwant %q", got, wantDiags)
	}
	// outline expands includes, so include directives themselves vanish
	// (also the missing one: nothing was included).
	got := outline(cfg.Main.Directives)
	wantExpanded := "http{server{listen(1) root(/srv)} server{listen(2)} types{text/html(html)} map($a,$b){default(0) x(1)} " +
		"upstream(u){server(127.0.0.1:80)} class}"
	if got != wantExpanded {
		t.Errorf("tree:\n got %s\nwant %s", got, wantExpanded)
	}
	var paths []string
	for _, s := range cfg.Sources {
		paths = append(paths, strings.TrimPrefix(s.Path, dir+"/"))
	}
	wantPaths := []string{"nginx.conf", "conf.d/a.conf", "common.inc", "conf.d/b.conf", "mime.types", "map.inc", "up.inc", "class.conf"}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("sources %q, want %q", paths, wantPaths)
	}

	// Include chain: root /srv came from common.inc, included from a.conf,
	// included from nginx.conf. (nginx resolves "common.inc" in a.conf
	// against the main file's directory, not a.conf's.)
	inc := cfg.Main.Directives[0].Block[0]
	a := inc.Includes[0]
	root := a.Directives[0].Block[1].Includes[0].Directives[0]
	chain := root.Pos.Chain()
	wantChain := []string{"included from " + dir + "/conf.d/a.conf:1", "included from " + dir + "/nginx.conf:2"}
	if !reflect.DeepEqual(chain, wantChain) {
		t.Errorf("chain %q, want %q", chain, wantChain)
	}
	missing := cfg.Main.Directives[0].Block[4]
	if missing.Args[0].Value != "missing.conf" || len(missing.Includes) != 0 || missing.Includes == nil {
		t.Errorf("missing include should have empty, non-nil Includes")
	}
}

func TestParseIncludeContextRules(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf": "http {\n map $a $b {\n  include map.inc;\n }\n}\n",
		"map.inc":    "default 0;\nx { }\n",
	})
	_, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{})
	if len(diags) != 1 || diags[0].Message != `unexpected "{"` || diags[0].Pos.Line != 2 || diags[0].Pos.IncludedFrom == nil {
		t.Errorf("a block in a file included into map: %v", diags)
	}

	dir = writeFiles(t, map[string]string{
		"nginx.conf": "http {\n include inc.conf;\n}\n",
		"inc.conf":   "server {\n}\n}\n",
	})
	_, diags = ParseFile(filepath.Join(dir, "nginx.conf"), Options{})
	if len(diags) != 1 || diags[0].Message != `unexpected "}"` || diags[0].Pos.Line != 3 {
		t.Errorf("a stray } in an included file: %v", diags)
	}
}

func TestParseIncludeTwice(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf": "a { include x.inc; }\nb { include x.inc; }\n",
		"x.inc":      "x;\n",
	})
	cfg, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{})
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if len(cfg.Sources) != 2 {
		t.Errorf("sources: %d, want 2", len(cfg.Sources))
	}
	x1 := cfg.Main.Directives[0].Block[0].Includes[0].Directives[0]
	x2 := cfg.Main.Directives[1].Block[0].Includes[0].Directives[0]
	if x1 == x2 || x1.Pos.IncludedFrom.Line != 1 || x2.Pos.IncludedFrom.Line != 2 {
		t.Errorf("each include should get its own copy with its own chain: %v %v", x1.Pos.IncludedFrom, x2.Pos.IncludedFrom)
	}
}

func TestParseIncludeCycle(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf": "include a.inc;\n",
		"a.inc":      "a;\ninclude b.inc;\n",
		"b.inc":      "b;\ninclude a.inc;\n",
	})
	cfg, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{})
	if len(diags) != 1 || diags[0].Code != CodeIncludeCycle || !strings.Contains(diags[0].Message, "a.inc -> ") {
		t.Fatalf("diagnostics %v", diags)
	}
	if got := outline(cfg.Main.Directives); got != "a b" {
		t.Errorf("tree %s", got)
	}
}

func TestParseIncludeCycleThroughSymlink(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf": "include a.inc;\n",
		"a.inc":      "a;\ninclude link.inc;\n",
	})
	if err := os.Symlink(filepath.Join(dir, "a.inc"), filepath.Join(dir, "link.inc")); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	_, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{})
	if len(diags) != 1 || diags[0].Code != CodeIncludeCycle {
		t.Fatalf("diagnostics %v", diags)
	}
}

func TestParseSingleFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"nginx.conf": "include missing.conf;\n"})
	cfg, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{SingleFile: true})
	if len(diags) != 0 || cfg.Main.Directives[0].Includes != nil {
		t.Errorf("SingleFile followed the include: %v", diags)
	}
}

func TestParseFileRelativeToPrefix(t *testing.T) {
	dir := writeFiles(t, map[string]string{"conf/nginx.conf": "include x.inc;\n", "conf/x.inc": "x;\n"})
	cfg, diags := ParseFile("conf/nginx.conf", Options{Prefix: dir})
	if len(diags) != 0 {
		t.Fatal(diags)
	}
	if cfg.Main.Path != filepath.Join(dir, "conf/nginx.conf") || outline(cfg.Main.Directives) != "x" {
		t.Errorf("path %s tree %s", cfg.Main.Path, outline(cfg.Main.Directives))
	}
	_, diags = ParseFile(filepath.Join(dir, "none.conf"), Options{})
	if len(diags) != 1 || diags[0].Code != CodeRead || !strings.HasPrefix(diags[0].Message, `open() "`) || !strings.HasSuffix(diags[0].Message, `none.conf" failed (2: No such file or directory)`) {
		t.Errorf("missing main file: %v", diags)
	}
}

func TestParseLimits(t *testing.T) {
	deep := strings.Repeat("a {", 200) + strings.Repeat("}", 200)
	tests := []struct {
		name  string
		files map[string]string
		lim   Limits
		want  string
	}{
		{"depth default", map[string]string{"nginx.conf": deep}, Limits{}, "blocks and includes nested too deep (limit 100)"},
		{"include depth", map[string]string{"nginx.conf": "a { include 1.inc; }", "1.inc": "b { include 2.inc; }", "2.inc": "c;"}, Limits{MaxDepth: 3}, "blocks and includes nested too deep (limit 3)"},
		{"files", map[string]string{"nginx.conf": "include x.inc;\ninclude x.inc;\ninclude x.inc;\n", "x.inc": "x;"}, Limits{MaxFiles: 3}, "too many configuration files parsed (limit 3)"},
		{"total size", map[string]string{"nginx.conf": "include x.inc;\ninclude x.inc;\n", "x.inc": strings.Repeat("x;", 50)}, Limits{MaxTotalSize: 150}, "configuration too large: more than 150 bytes in total"},
		{"file size", map[string]string{"nginx.conf": "include x.inc;", "x.inc": strings.Repeat("x;", 50)}, Limits{MaxFileSize: 99}, "is too large (limit 99 bytes)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeFiles(t, tc.files)
			cfg, diags := ParseFile(filepath.Join(dir, "nginx.conf"), Options{Limits: tc.lim})
			if cfg == nil {
				t.Fatal("no config")
			}
			if len(diags) != 1 || !strings.Contains(diags[0].Message, tc.want) || diags[0].Severity != SevError {
				t.Errorf("diagnostics %v, want one containing %q", diags, tc.want)
			}
		})
	}
}

func TestGlobPOSIX(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"d/b.conf": "", "d/a.conf": "", "d/.a.conf": "", "d/a.txt": "", "d/sub/c.conf": "",
		"d/.dot/e.conf": "", "x.conf": "",
	})
	tests := []struct{ pattern, want string }{
		{"d/*.conf", "d/a.conf d/b.conf"},
		{"d/.*.conf", "d/.a.conf"},
		{"d/*/*.conf", "d/sub/c.conf"},
		{"d/?.conf", "d/a.conf d/b.conf"},
		{"d/[!a].conf", "d/b.conf"},
		{"x[.]conf", "x.conf"},
		{"none/*.conf", ""},
	}
	for _, tc := range tests {
		var got []string
		for _, m := range globPOSIX(filepath.Join(dir, tc.pattern)) {
			got = append(got, strings.TrimPrefix(m, dir+"/"))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s: got %q, want %q", tc.pattern, got, tc.want)
		}
	}
}
