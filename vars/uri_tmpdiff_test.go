package vars

import (
	"bytes"
	"testing"

	"sliceproxy/proxy/http1"
)

func FuzzTmpDiff(f *testing.F) {
	for _, s := range []string{"/", "/a/../b", "//x/./y", "/%2e%2e/", "/a%2", "/%41#x", "/a/..#", "/.%2e/", "/%3f/.."} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, merge bool) {
		if len(in) == 0 || bytes.IndexByte(in, '?') >= 0 {
			return
		}
		a, errA := normalizeInto(nil, in, merge)
		b, errB := http1.NormalizePath(nil, in, merge)
		if (errA != nil) != (errB != nil) || (errA == nil && string(a) != string(b)) {
			t.Fatalf("%q merge=%v: vars %q %v, http1 %q %v", in, merge, a, errA, b, errB)
		}
	})
}
