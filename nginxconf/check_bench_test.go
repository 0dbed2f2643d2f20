package nginxconf

import "testing"

// BenchmarkParseAndCheckCorpus059 parses and checks corpus file 059 (92 KB,
// the largest real configuration in the corpus): the work of "lint" and
// "-t" before the runtime loaders. Goal: 2 ms.
func BenchmarkParseAndCheckCorpus059(b *testing.B) {
	src := readCorpus059(b)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		cfg, _ := ParseBytes("nginx.conf", src, Options{SingleFile: true})
		if diags := Check(cfg); len(diags) == 0 {
			b.Fatal("no findings: the benchmark is not checking anything")
		}
	}
}

// BenchmarkCheckCorpus059 is Check alone on the parsed file.
func BenchmarkCheckCorpus059(b *testing.B) {
	src := readCorpus059(b)
	cfg, _ := ParseBytes("nginx.conf", src, Options{SingleFile: true})
	b.ReportAllocs()
	for b.Loop() {
		Check(cfg)
	}
}
