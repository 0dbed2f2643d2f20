package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// build is what TestMain produced: the path of the sliceproxy binary, or why
// there is none.
type build struct {
	bin string
	err error
}

// builtBinary is written once by TestMain before any test runs and only read
// afterwards.
var builtBinary build

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "sliceproxy-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		os.Exit(1)
	}
	builtBinary = buildSliceproxy(dir)
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// buildSliceproxy compiles cmd/sliceproxy into dir.
func buildSliceproxy(dir string) build {
	bin := filepath.Join(dir, "sliceproxy")
	cmd := exec.Command("go", "build", "-o", bin, "sliceproxy/cmd/sliceproxy")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return build{err: fmt.Errorf("go build ./cmd/sliceproxy: %v\n%s", err, out)}
	}
	return build{bin: bin}
}

// needBinary returns the built binary or skips.
func needBinary(t testing.TB) string {
	t.Helper()
	if builtBinary.err != nil {
		t.Skipf("sliceproxy binary could not be built: %v", builtBinary.err)
	}
	return builtBinary.bin
}
