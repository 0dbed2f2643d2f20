package nginxconf

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzCheck runs the checks and the crossplane payload over whatever the
// parser makes of arbitrary input: they must never panic, and every
// finding must have a place.
func FuzzCheck(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "testdata", "nginxconf", "check", "*.conf"))
	corpus, _ := filepath.Glob(filepath.Join(corpusDir, "configs", "*"))
	for _, path := range append(seeds, corpus...) {
		if src, err := os.ReadFile(path); err == nil && len(src) < 64<<10 {
			f.Add(src)
		}
	}
	f.Add([]byte("upstream u { keepalive 1 slice_key=$host slice_conn=1 slice_dyn=$x slice_dyn=; }"))
	f.Add([]byte("http { server { location / { if ( { proxy_pass http://u; } } } }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cfg, diags := ParseBytes("fuzz.conf", src, Options{SingleFile: true})
		if cfg == nil {
			return
		}
		all := Lint(cfg, diags, nil)
		for _, d := range all {
			if d.Pos.File == "" || d.Message == "" {
				t.Fatalf("finding without place or message: %+v", d)
			}
		}
		_ = Uses(cfg)
		if _, err := json.Marshal(Crossplane(cfg, "fuzz.conf", all)); err != nil {
			t.Fatalf("crossplane payload: %v", err)
		}
	})
}
