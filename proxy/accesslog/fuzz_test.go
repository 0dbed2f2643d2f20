package accesslog

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"sliceproxy/nginxconf"
	"sliceproxy/vars"
)

// FuzzEscape checks both escapers on arbitrary values (client headers are
// logged): default escaping leaves no byte that needs escaping, and JSON
// escaping always yields a valid JSON string body.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "plain", `"q"\`, "\x00\x01\x1f\x7f\xff", "é", "\n\r\t\b\f"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		out := appendDefaultEscaped(nil, v)
		for i := 0; i < len(out); i++ {
			c := out[i]
			if c == '\\' {
				if i+3 >= len(out) || out[i+1] != 'x' {
					t.Fatalf("%q: stray backslash in %q", v, out)
				}
				i += 3
				continue
			}
			if needsDefaultEscape(c) {
				t.Fatalf("%q: unescaped %#x in %q", v, c, out)
			}
		}
		js := append([]byte{'"'}, appendJSONEscaped(nil, v)...)
		js = append(js, '"')
		if !json.Valid(js) && validUTF8(v) {
			t.Fatalf("%q: invalid JSON %q", v, js)
		}
	})
}

// validUTF8: nginx passes bytes ≥ 0x80 through in JSON mode, so only valid
// UTF-8 input can be expected to give valid JSON.
func validUTF8(b []byte) bool { return utf8.Valid(b) }

// FuzzCompileFormat feeds arbitrary log_format strings to the compiler
// and renders what compiles: errors are fine, panics are not, and a format
// without "$" must render as itself.
func FuzzCompileFormat(f *testing.F) {
	for _, s := range []string{CombinedFormat, "$", "${", "${a", "${status}", "$status$", "plain", "$http_x-y", "${http_a}b"} {
		f.Add(s)
	}
	reg := vars.NewRegistry(vars.RegistryOptions{})
	req := reg.NewRequest()
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := CompileFormat("f", EscapeDefault, []string{s}, reg, nginxconf.Pos{})
		if err != nil {
			return
		}
		out := fm.Append(nil, req, time.Unix(0, 0))
		if !strings.Contains(s, "$") && string(out) != s {
			t.Fatalf("%q rendered as %q", s, out)
		}
	})
}
