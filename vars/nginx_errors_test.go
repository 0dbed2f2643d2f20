package vars

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sliceproxy/internal/testenv"
	"sliceproxy/nginxconf"
)

// badMaps are map configurations nginx refuses; the evaluator must refuse
// them with nginx's message at nginx's line.
var badMaps = []string{
	"map $uri $x {\n default 1;\n default 2;\n}",
	"map $uri $x {\n foo 1;\n FOO 2;\n}",
	"map $uri $x {\n foo 1 2;\n}",
	"map $uri $x {\n single;\n}",
	"map $uri $x {\n hostnames;\n *.a.com 1;\n .a.com 2;\n}",
	"map $uri $x {\n hostnames;\n .a.com 1;\n a.com 2;\n}",
	"map $uri $x {\n hostnames;\n a.com 1;\n .A.com 2;\n}",
	"map $uri $x {\n hostnames;\n www.a.* 1;\n WWW.A.* 2;\n}",
	"map $uri $x {\n hostnames;\n a.*.com 1;\n}",
	"map $uri $x {\n hostnames;\n *a.com 1;\n}",
	"map $uri $x {\n hostnames;\n a..com 1;\n}",
	"map $uri $x {\n hostnames;\n * 1;\n}",
	"map $uri x {\n}",
	"map $uri $host {\n}",
	"map $uri $x {\n a $;\n}",
	"map $uri $x {\n a ${b;\n}",
	"map $nosuchvar $x {\n}",
	"map $uri $x {\n a $nosuchvalue;\n}",
}

var emergRE = regexp.MustCompile(`\[emerg\] (?:\d+#\d+: )?(.*?)(?: in (\S+):(\d+))?\n`)

func TestDifferentialNginxErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx -t")
	}
	bin := testenv.LookBinary(t, "nginx", "nginx")
	for _, body := range badMaps {
		dir := t.TempDir()
		for _, d := range []string{"logs", "tmp"} {
			if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// The map starts on line 1 of an included file, so line numbers
		// compare directly.
		if err := os.WriteFile(filepath.Join(dir, "maps.conf"), []byte(body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		conf := filepath.Join(dir, "nginx.conf")
		main := testenv.NginxMainConfig(dir, testenv.NginxConfig{HTTP: "include " + dir + "/maps.conf;\n"})
		if err := os.WriteFile(conf, []byte(main), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, "-t", "-p", dir+"/", "-c", conf).CombinedOutput()
		if err == nil {
			t.Errorf("%q: nginx accepted it", body)
			continue
		}
		m := emergRE.FindSubmatch(out)
		if m == nil {
			t.Errorf("%q: no [emerg] in %q", body, out)
			continue
		}
		wantMsg, wantLine := string(m[1]), string(m[3])

		reg := NewRegistry(RegistryOptions{})
		cfg, diags := nginxconf.ParseBytes("maps.conf", []byte(body), nginxconf.Options{SingleFile: true})
		for _, d := range diags {
			if d.Severity == nginxconf.SevError {
				t.Fatalf("%q: parse: %v", body, d)
			}
		}
		diags = reg.LoadMaps(cfg.Directives())
		var got *nginxconf.Diagnostic
		for i := range diags {
			if diags[i].Severity == nginxconf.SevError {
				got = &diags[i]
				break
			}
		}
		if got == nil {
			t.Errorf("%q: evaluator accepted it; nginx: %s", body, wantMsg)
			continue
		}
		if got.Message != wantMsg {
			t.Errorf("%q: message %q, nginx %q", body, got.Message, wantMsg)
		}
		if wantLine != "" && strings.TrimPrefix(got.Pos.NginxString(), "maps.conf:") != wantLine {
			t.Errorf("%q: line %s, nginx %s", body, got.Pos.NginxString(), wantLine)
		}
	}
}
