package nginxconf

import (
	"os"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// corpus059 is the largest real configuration in the shared corpus (92 KB,
// a rendered ingress-nginx config).
const corpus059 = corpusDir + "/configs/059__kubernetes__ingress-nginx__controllers_nginx_rootfs_etc_nginx_nginx.conf"

func readCorpus059(b *testing.B) []byte {
	src, err := os.ReadFile(corpus059)
	if err != nil {
		b.Skipf("corpus not available: %v", err)
	}
	return src
}

// BenchmarkParseCorpus059 is the whole parse (tokenize, grammar, AST) of
// corpus file 059, without includes.
func BenchmarkParseCorpus059(b *testing.B) {
	src := readCorpus059(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		cfg, diags := ParseBytes("nginx.conf", src, Options{SingleFile: true})
		if cfg == nil || len(diags) != 0 {
			b.Fatalf("parse failed: %v", diags)
		}
	}
}

// BenchmarkLexCorpus059 is the tokenizer alone, to tell its cost from the
// participle grammar's.
func BenchmarkLexCorpus059(b *testing.B) {
	src := readCorpus059(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		sc := newScanner("nginx.conf", src, scanOptions{})
		for {
			t, _ := sc.Next()
			if t.Type == lexer.EOF {
				break
			}
		}
		if sc.Err() != nil {
			b.Fatal(sc.Err())
		}
	}
}

// BenchmarkParseCorpus059Participle is the same parse through the participle
// grammar instead of the hand-written builder, to show why the parser does
// not use it.
func BenchmarkParseCorpus059Participle(b *testing.B) {
	src := readCorpus059(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		list, diag, err := parseWithGrammar("nginx.conf", src, scanOptions{})
		if err != nil || diag != nil || len(list) == 0 {
			b.Fatalf("parse failed: %v %v", err, diag)
		}
	}
}
