package nginxconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the parser: it must not panic or hang,
// every diagnostic must point into the input, and the participle grammar and
// the hand-written builder must agree. Seeds: the corpus, the goldens and the
// tokenizer cases.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{corpusDir + "/configs/*", goldenDir + "/*.conf", goldenDir + "/inc/*"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	for _, tc := range nginxCases {
		if len(tc.conf) < 1000 {
			f.Add([]byte(tc.conf))
		}
	}
	f.Add([]byte("x_by_lua_block { --[==[ } ]==] '}' \"\\\"}\" [[}]] }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		// Small limits so deep or long inputs hit them quickly; no includes
		// (the fuzzer must not read the file system).
		opt := Options{SingleFile: true, Limits: Limits{MaxDepth: 20, MaxTokenLen: 512}}
		cfg, diags := ParseBytes("fuzz.conf", src, opt)
		if cfg == nil {
			t.Fatalf("nil config for %d bytes: %v", len(src), diags)
		}
		lines := strings.Count(string(src), "\n") + 1
		for _, d := range diags {
			if d.Pos.Line < 1 || d.Pos.Line > lines || d.Pos.Col < 1 {
				t.Errorf("diagnostic outside the input (%d lines): %v", lines, d)
			}
		}
		sameRoutes(t, "fuzz.conf", src)
	})
}
