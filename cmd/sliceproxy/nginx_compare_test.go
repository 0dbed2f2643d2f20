package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTestConfigAgreesWithNginx runs "sliceproxy -t" and the real "nginx -t"
// on configurations nginx supports (testdata/cli/nginx/accept) and on ones
// it refuses (testdata/cli/nginx/reject): both must reach the verdict the
// directory names. Skipped when nginx is not installed.
func TestTestConfigAgreesWithNginx(t *testing.T) {
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed (Debian package nginx); skipping the comparison with nginx -t")
	}
	dir := filepath.Join(testdataDir(t), "nginx")
	for _, verdict := range []string{"accept", "reject"} {
		confs, err := filepath.Glob(filepath.Join(dir, verdict, "*.conf"))
		if err != nil || len(confs) == 0 {
			t.Fatalf("no configurations in %s/%s", dir, verdict)
		}
		for _, conf := range confs {
			t.Run(verdict+"/"+filepath.Base(conf), func(t *testing.T) {
				tmp := t.TempDir()
				// nginx -t needs a writable prefix and pid path; the error
				// log of this Debian build is stderr.
				globals := "pid " + filepath.Join(tmp, "nginx.pid") + ";"
				out, err := exec.Command(nginx, "-t", "-q", "-p", tmp+"/", "-c", conf, "-g", globals).CombinedOutput()
				nginxOK := err == nil
				_, stderr, code := runCLI("-t", "-q", "-p", tmp+"/", "-c", conf, "-g", globals)
				oursOK := code == 0
				want := verdict == "accept"
				if nginxOK != want {
					t.Errorf("nginx -t accepted=%v, the test expects %v:\n%s", nginxOK, want, out)
				}
				if oursOK != want {
					t.Errorf("sliceproxy -t accepted=%v, nginx -t accepted=%v:\nsliceproxy: %s\nnginx: %s",
						oursOK, nginxOK, stderr, out)
				}
				if !want && !oursOK && !nginxOK {
					// Both refuse: the line nginx names must be the line we name.
					if nl, ol := emergLine(string(out)), emergLine(stderr); nl != "" && ol != "" && nl != ol {
						t.Errorf("nginx refuses at %s, sliceproxy at %s\nnginx: %s\nsliceproxy: %s", nl, ol, out, stderr)
					}
				}
			})
		}
	}
}

// emergLine extracts "FILE:LINE" from the first [emerg] message.
func emergLine(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, "[emerg]") {
			continue
		}
		if i := strings.LastIndex(line, " in "); i >= 0 {
			return strings.TrimSpace(line[i+4:])
		}
	}
	return ""
}
