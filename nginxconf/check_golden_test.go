package nginxconf

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateCheckGoldens = flag.Bool("update-check", false, "rewrite testdata/nginxconf/check/*.golden")

// renderDiagnostics prints diagnostics one per line, with paths relative to
// dir so goldens do not depend on where the checkout is.
func renderDiagnostics(diags []Diagnostic, dir string) string {
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(strings.ReplaceAll(d.Error(), dir+string(filepath.Separator), ""))
		b.WriteByte('\n')
		if d.Hint != "" {
			b.WriteString("    hint: " + strings.ReplaceAll(d.Hint, dir+string(filepath.Separator), "") + "\n")
		}
	}
	return b.String()
}

// TestCheckGoldens parses each testdata/nginxconf/check/*.conf and compares
// the parser's and Check's diagnostics with the .golden file beside it.
func TestCheckGoldens(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "testdata", "nginxconf", "check"))
	if err != nil {
		t.Fatal(err)
	}
	confs, err := filepath.Glob(filepath.Join(dir, "*.conf"))
	if err != nil || len(confs) == 0 {
		t.Fatalf("no test configurations in %s: %v", dir, err)
	}
	for _, conf := range confs {
		name := strings.TrimSuffix(filepath.Base(conf), ".conf")
		t.Run(name, func(t *testing.T) {
			cfg, parseDiags := ParseFile(conf, Options{})
			if cfg == nil {
				t.Fatalf("cannot parse: %v", parseDiags)
			}
			got := renderDiagnostics(Lint(cfg, parseDiags, nil), dir)
			golden := filepath.Join(dir, name+".golden")
			if *updateCheckGoldens {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestCheckGoldens -update-check)", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
