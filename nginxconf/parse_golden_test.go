package nginxconf

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/nginxconf/parse")

const goldenDir = "../testdata/nginxconf/parse"

// The golden JSON shape: the tree with positions, includes as separate files,
// and the diagnostics. Paths are relative to goldenDir so goldens do not
// depend on the checkout's location.
type goldenOut struct {
	Diagnostics []string          `json:"diagnostics"`
	Sources     []string          `json:"sources"`
	Config      []goldenDirective `json:"config"`
}

type goldenDirective struct {
	Directive string            `json:"directive"`
	At        string            `json:"at"`
	Args      []goldenArg       `json:"args,omitempty"`
	Block     []goldenDirective `json:"block,omitempty"`
	IsBlock   bool              `json:"is_block,omitempty"`
	RawBody   *string           `json:"raw_body,omitempty"`
	Comment   string            `json:"comment,omitempty"`
	Includes  []goldenFile      `json:"includes,omitempty"`
}

type goldenArg struct {
	Value string `json:"value"`
	// Hex holds the exact bytes when Value is not valid UTF-8 (JSON cannot
	// carry them).
	Hex   string `json:"hex,omitempty"`
	Quote string `json:"quote,omitempty"`
	At    string `json:"at"`
}

type goldenFile struct {
	File   string            `json:"file"`
	Parsed []goldenDirective `json:"parsed"`
}

func goldenRel(path, base string) string {
	if rel, err := filepath.Rel(base, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func goldenPos(p Pos, base string) string {
	s := goldenRel(p.File, base) + ":" + strings.TrimPrefix(p.String(), p.File+":")
	for _, c := range p.Chain() {
		s += " (" + strings.ReplaceAll(c, base+"/", "") + ")"
	}
	return s
}

func goldenTree(list []*Directive, base string) []goldenDirective {
	var out []goldenDirective
	for _, d := range list {
		g := goldenDirective{Directive: d.Name, At: goldenPos(d.Pos, base), Comment: d.Comment}
		for _, a := range d.Args {
			ga := goldenArg{Value: a.Value, At: goldenPos(a.Pos, base)}
			if !utf8.ValidString(a.Value) {
				ga.Hex = hex.EncodeToString([]byte(a.Value))
			}
			if a.Quoted != Bare {
				ga.Quote = string(rune(a.Quoted))
			}
			g.Args = append(g.Args, ga)
		}
		if d.IsBlock {
			g.IsBlock = true
			if d.Block == nil && d.RawBody != "" || strings.HasSuffix(d.Name, "_by_lua_block") {
				body := d.RawBody
				g.RawBody = &body
			}
			g.Block = goldenTree(d.Block, base)
		}
		for _, f := range d.Includes {
			g.Includes = append(g.Includes, goldenFile{File: goldenRel(f.Path, base), Parsed: goldenTree(f.Directives, base)})
		}
		out = append(out, g)
	}
	return out
}

func renderGolden(cfg *Config, diags []Diagnostic, base string) []byte {
	out := goldenOut{Diagnostics: []string{}, Sources: []string{}}
	for _, d := range diags {
		out.Diagnostics = append(out.Diagnostics, strings.ReplaceAll(d.Error(), base+"/", ""))
	}
	if cfg != nil {
		for _, s := range cfg.Sources {
			out.Sources = append(out.Sources, goldenRel(s.Path, base))
		}
		out.Config = goldenTree(cfg.Main.Directives, base)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		panic(err) // only plain data: cannot fail
	}
	return buf.Bytes()
}

// TestParseGolden parses every testdata/nginxconf/parse/*.conf (following
// includes) and compares the tree and diagnostics with NAME.json. Run with
// -update to rewrite the goldens after a deliberate change.
func TestParseGolden(t *testing.T) {
	base, err := filepath.Abs(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	inputs, err := filepath.Glob(filepath.Join(base, "*.conf"))
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no golden inputs in %s (%v)", base, err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".conf")
		t.Run(name, func(t *testing.T) {
			cfg, diags := ParseFile(in, Options{})
			got := renderGolden(cfg, diags, base)
			goldenPath := filepath.Join(base, name+".json")
			if *update {
				if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(goldenPath)
			if err != nil {
				t.Fatalf("%v (run go test -run TestParseGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden; got:\n%s", goldenPath, got)
			}
		})
	}
}
