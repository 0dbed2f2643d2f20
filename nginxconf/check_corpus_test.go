package nginxconf

import (
	"testing"
)

// tableFaultCodes are the findings that, on a configuration nginx accepts,
// would mean the directive table or a check is wrong (not the file).
var tableFaultCodes = map[string]bool{
	CodeContext: true, CodeArgs: true, CodeBlock: true, CodeInvalidValue: true, CodeKeepalive: true,
	CodeUnknownDirective: true,
}

// TestCorpusCheck lints every corpus file (no panic, whatever the input)
// and requires that files nginx accepts ("yes") get no finding that would
// contradict nginx: only semantic ones (unsupported, ignored, duplicates the
// authors left in, missing include targets, keepalive advice).
func TestCorpusCheck(t *testing.T) {
	for _, e := range readCorpusIndex(t) {
		t.Run(e.id, func(t *testing.T) {
			cfg, parseDiags := ParseFile(e.path, Options{})
			if cfg == nil {
				t.Fatalf("main file not read: %v", parseDiags)
			}
			diags := Lint(cfg, parseDiags, nil)
			for _, d := range diags {
				if d.Pos.File == "" || d.Pos.Line == 0 {
					t.Errorf("finding without a place: %v", d)
				}
			}
			if e.valid != "yes" {
				return
			}
			for _, d := range diags {
				if d.Severity == SevError && tableFaultCodes[d.Code] {
					t.Errorf("nginx accepts this file, but: %v", d)
				}
			}
		})
	}
}

// TestCorpusIfCondition: corpus 016 ("if ($slow {") is refused by nginx
// in the rewrite module's handler, which Check mirrors.
func TestCorpusIfCondition(t *testing.T) {
	for _, e := range readCorpusIndex(t) {
		if e.id != "016" {
			continue
		}
		cfg, _ := ParseFile(e.path, Options{})
		for _, d := range Check(cfg) {
			if d.Message == `invalid condition "$slow"` {
				return
			}
		}
		t.Errorf("corpus 016: no invalid condition finding in %v", Check(cfg))
	}
}
