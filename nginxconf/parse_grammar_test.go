package nginxconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sameRoutes checks that the participle grammar and the hand-written
// builder turn src into the same tree and the same error.
func sameRoutes(t testing.TB, name string, src []byte) {
	t.Helper()
	viaGrammar, gErr, err := parseWithGrammar(name, src, scanOptions{})
	if err != nil {
		t.Fatalf("%s: the grammar rejected the scanner's tokens: %v", name, err)
	}
	sc := newScanner(name, src, scanOptions{})
	b := builder{file: name}
	direct := b.build(sc)
	if !reflect.DeepEqual(viaGrammar, direct) {
		t.Errorf("%s: the grammar and the builder disagree:\n grammar %s\n builder %s", name, outline(viaGrammar), outline(direct))
	}
	if !reflect.DeepEqual(gErr, sc.Err()) {
		t.Errorf("%s: errors differ: %v vs %v", name, gErr, sc.Err())
	}
}

func TestGrammarMatchesBuilder(t *testing.T) {
	var files []string
	for _, pattern := range []string{corpusDir + "/configs/*", goldenDir + "/*.conf", goldenDir + "/inc/*"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no inputs")
	}
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameRoutes(t, f, src)
	}
}

// TestGrammarWithParticipleEntryPoint parses through participle's own
// ParseString, i.e. the lexer.Definition, to show the grammar stands alone.
func TestGrammarWithParticipleEntryPoint(t *testing.T) {
	tree, err := grammar.ParseString("x.conf", "a b { c \"d\"; # e\n x_by_lua_block { } }")
	if err != nil {
		t.Fatal(err)
	}
	b := builder{file: "x.conf"}
	if got := outline(b.fromGrammar(tree.Statements)); got != "a(b){c(d) x_by_lua_block{}}" {
		t.Errorf("tree %s", got)
	}
	if c := tree.Statements[0].Block.Statements[0].Semi.Comment; c == nil || c.Value != "e" {
		t.Errorf("comment %v", c)
	}

	// Through an io.Reader (definition.Lex) as well.
	tree, err = grammar.Parse("y.conf", strings.NewReader("a 'b c';"))
	if err != nil {
		t.Fatal(err)
	}
	if got := outline(b.fromGrammar(tree.Statements)); got != "a(b c)" {
		t.Errorf("tree %s", got)
	}
}
