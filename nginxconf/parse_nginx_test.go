package nginxconf

import (
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
)

// nginxDumpFile matches the file headers of nginx -T.
var nginxDumpFile = regexp.MustCompile(`(?m)^# configuration file (.*):$`)

// TestIncludesAgainstNginx builds a tree of includes (globs, dotfiles,
// includes inside map, types and upstream, a file included twice, relative
// paths inside included files) and checks that we read the same files in
// the same order as nginx -T dumps them, each once.
func TestIncludesAgainstNginx(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"nginx.conf": "events {}\nhttp {\n include conf.d/*.conf;\n map $host $x { include map.inc; }\n types { include t.types; }\n" +
			" upstream u { server 127.0.0.1:1; include up.inc; }\n" +
			" server { listen 127.0.0.1:1; include snip/*.inc; }\n server { listen 127.0.0.1:2; include snip/index.inc; }\n}\n",
		"conf.d/b.conf":       "include common.inc;\n",
		"conf.d/a.conf":       "log_format a x;\n",
		"conf.d/.hidden.conf": "this would be an unknown directive;\n",
		"common.inc":          "log_format c y;\n",
		"map.inc":             "default 1;\n",
		"t.types":             "text/x x;\n",
		"up.inc":              "keepalive 2;\n",
		"snip/index.inc":      "index i.html;\n",
		"snip/root.inc":       "root /tmp;\n",
	})
	conf := filepath.Join(dir, "nginx.conf")
	cfg, diags := ParseFile(conf, Options{})
	if len(diags) != 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	var ours []string
	for _, s := range cfg.Sources {
		ours = append(ours, s.Path)
	}
	want := []string{conf}
	for _, f := range []string{"conf.d/a.conf", "conf.d/b.conf", "common.inc", "map.inc", "t.types", "up.inc", "snip/index.inc", "snip/root.inc"} {
		want = append(want, filepath.Join(dir, f))
	}
	if !reflect.DeepEqual(ours, want) {
		t.Errorf("sources:\n got %q\nwant %q", ours, want)
	}

	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed: order not cross-checked")
	}
	out, err := exec.Command(nginx, "-T", "-q", "-p", dir+"/", "-c", conf,
		"-g", "pid "+filepath.Join(dir, "nginx.pid")+"; error_log stderr;").CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -T: %v\n%s", err, out)
	}
	var theirs []string
	for _, m := range nginxDumpFile.FindAllStringSubmatch(string(out), -1) {
		theirs = append(theirs, m[1])
	}
	if !reflect.DeepEqual(ours, theirs) {
		t.Errorf("nginx -T reads\n %q\nwe read\n %q", theirs, ours)
	}
}
