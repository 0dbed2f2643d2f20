// Package bench runs sliceproxy and nginx side by side on loopback under the
// same load and prints one table with the ratios (make bench). Everything
// lives in _test.go files: it is a benchmark, run with go test; see README.md.
package bench
