package static

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/static")

// TestResponsesGolden records every table request's status and headers in
// testdata/static/responses.golden, a readable transcript of what the
// fixture configuration answers (the clock is pinned, boundaries masked).
func TestResponsesGolden(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	s, _ := fixtureSite(t, func() time.Time { return now })
	boundary := regexp.MustCompile(`\d{20}`)
	var out bytes.Buffer
	for _, tt := range resolveCases {
		r := s.do(t, tt.method, tt.target, tt.req...)
		fmt.Fprintf(&out, "### %s: %s %s", tt.name, tt.method, tt.target)
		for i := 0; i+1 < len(tt.req); i += 2 {
			fmt.Fprintf(&out, " [%s: %s]", tt.req[i], tt.req[i+1])
		}
		fmt.Fprintf(&out, "\n%s\n", boundary.ReplaceAllString(r.String(), "BOUNDARY"))
		if r.status == 200 || r.status == 206 {
			fmt.Fprintf(&out, "(body %d bytes)\n", len(r.body))
		}
	}
	path := filepath.Join("..", "..", "testdata", "static", "responses.golden")
	if *update {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("%s differs; run go test -update and review the diff\n%s", path, out.Bytes())
	}
}
