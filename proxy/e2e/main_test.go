package e2e

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sliceproxy/proxy"
)

// envServe makes the test binary act as a serving sliceproxy process (the
// fallback while the CLI cannot serve yet); its value is unused.
const envServe = "SLICEPROXY_E2E_SERVE"

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
	if os.Getenv(envServe) != "" {
		os.Exit(serveInProcess(os.Args[1:]))
	}
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

// serveInProcess is the fallback server: nginx's -p and -c, then proxy.Run
// with the process signals, exactly what cmd/sliceproxy's serving path is
// meant to do.
func serveInProcess(args []string) int {
	var opt proxy.RunOptions
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-p" && i+1 < len(args):
			i++
			opt.Prefix = args[i]
		case a == "-c" && i+1 < len(args):
			i++
			opt.ConfigPath = args[i]
		case strings.HasPrefix(a, "-p"):
			opt.Prefix = a[2:]
		case strings.HasPrefix(a, "-c"):
			opt.ConfigPath = a[2:]
		default:
			fmt.Fprintf(os.Stderr, "e2e serve: unexpected argument %q\n", a)
			return 2
		}
	}
	if opt.ConfigPath != "" && !filepath.IsAbs(opt.ConfigPath) {
		opt.ConfigPath = filepath.Join(opt.Prefix, opt.ConfigPath)
	}
	if err := proxy.Run(context.Background(), opt); err != nil {
		fmt.Fprintf(os.Stderr, "e2e serve: %v\n", err)
		return 1
	}
	return 0
}
