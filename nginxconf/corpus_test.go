package nginxconf

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpusDir is the shared corpus of real configurations, next to the
// checkout (see ../../shared/corpus/README.md).
const corpusDir = "../../shared/corpus"

// corpusEntry is one row of INDEX.tsv.
type corpusEntry struct {
	id, valid, notes, path string
}

func readCorpusIndex(tb testing.TB) []corpusEntry {
	tb.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "INDEX.tsv"))
	if err != nil {
		tb.Skipf("corpus not available (%v): it lives in ../shared/corpus next to the checkout", err)
	}
	defer f.Close()
	var out []corpusEntry
	sc := bufio.NewScanner(f)
	header := map[string]int{}
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(header) == 0 {
			for i, c := range cols {
				header[c] = i
			}
			continue
		}
		get := func(name string) string {
			if i, ok := header[name]; ok && i < len(cols) {
				return cols[i]
			}
			return ""
		}
		out = append(out, corpusEntry{
			id: get("id"), valid: get("syntactically_valid"), notes: get("notes"),
			path: filepath.Join(corpusDir, get("raw_file")),
		})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// corpusFaults are the syntax errors of the files marked "no", checked
// against nginx 1.22's -t (line) and the notes (what is wrong). An empty
// message means the fault is not a syntax error: nginx finds it in a
// directive's own handler, which is the directive checks' business.
var corpusFaults = map[string]struct {
	msg       string
	line, col int
}{
	"005": {`unexpected "-"`, 1, 21},                               // "left"-quote: a quote glued to a word
	"013": {`unexpected "}"`, 11, 2},                               // extra closing brace after events
	"015": {`unexpected end of file, expecting ";" or "}"`, 3, 15}, // premature EOF inside server
	"016": {},                                                      // if ($slow { : nginx says invalid condition "$slow" (rewrite module)
	"067": {`unexpected "{"`, 7, 19},                               // block inside map
}

func TestCorpus(t *testing.T) {
	entries := readCorpusIndex(t)
	seen := map[string]bool{}
	for _, e := range entries {
		t.Run(e.id, func(t *testing.T) {
			cfg, diags := ParseFile(e.path, Options{})
			if cfg == nil {
				t.Fatalf("not parsed: %v", diags)
			}
			var syntax []Diagnostic
			for _, d := range diags {
				if d.Code == CodeSyntax {
					syntax = append(syntax, d)
				} else {
					// Missing includes are expected: the corpus has
					// single files.
					t.Logf("%s", d.Error())
				}
			}
			switch e.valid {
			case "yes", "placeholder":
				if len(syntax) != 0 {
					t.Errorf("%s file has syntax errors: %v (notes: %s)", e.valid, syntax, e.notes)
				}
				if len(cfg.Main.Directives) == 0 {
					t.Errorf("no directives parsed")
				}
			case "template":
				if len(syntax) != 1 || !strings.HasPrefix(syntax[0].Message, "unexpected template token ") {
					t.Errorf("template: got %v, want the template error", syntax)
				}
			case "no":
				seen[e.id] = true
				want, ok := corpusFaults[e.id]
				if !ok {
					t.Fatalf("new invalid corpus file: add its fault to corpusFaults (notes: %s)", e.notes)
				}
				if want.msg == "" {
					if len(syntax) != 0 {
						t.Errorf("got %v, want no syntax error (nginx rejects it in a directive handler)", syntax)
					}
					return
				}
				if len(syntax) != 1 || syntax[0].Message != want.msg || syntax[0].Pos.Line != want.line || syntax[0].Pos.Col != want.col {
					t.Errorf("got %v, want %q at %d:%d", syntax, want.msg, want.line, want.col)
				}
			default:
				t.Errorf("unknown expectation %q", e.valid)
			}
		})
	}
	for id := range corpusFaults {
		if !seen[id] {
			t.Errorf("corpusFaults lists %s, which INDEX.tsv does not mark \"no\"", id)
		}
	}
}

// TestCorpusTemplates checks that the template error names the first
// template token where it is.
func TestCorpusTemplates(t *testing.T) {
	want := map[string]string{
		"021": `1:1: unexpected template token "{{"`,
		"030": `5:1: unexpected template token "{%"`,
	}
	for _, e := range readCorpusIndex(t) {
		if e.valid != "template" {
			continue
		}
		_, diags := ParseFile(e.path, Options{})
		d := firstError(diags)
		if d == nil {
			t.Errorf("%s: no error", e.id)
			continue
		}
		got := strings.TrimSuffix(d.Error(), " (this looks like a template, not an nginx config) [syntax]")
		got = got[len(d.Pos.File)+1:]
		got = strings.Replace(got, "error: ", "", 1)
		if w, ok := want[e.id]; !ok || got != w {
			t.Errorf("%s: got %q, want %q", e.id, got, w)
		}
	}
}
