// Package e2e tests sliceproxy as operators run it: the built binary
// (cmd/sliceproxy, started like nginx with -p and -c) serving real traffic on
// loopback, compared with real nginx on the same configuration, in front of
// real Apache mpm-itk, and watched from a recording upstream.
//
// The package holds tests only. They are grouped by file:
//
//   - diff_*_test.go: the differential harness. One http{} body is rendered
//     into a full nginx.conf (testenv.NginxMainConfig) and run by both nginx
//     and sliceproxy, each in front of its own echo backend; a table of raw
//     requests (raw bytes, so malformed ones are possible) goes to both and
//     the status line, selected headers, body and connection state must match.
//     Where sliceproxy deliberately differs from Debian's nginx 1.22 (see
//     proxy/http1's package documentation) the case says so and asserts our
//     behaviour instead.
//   - itk_test.go: thousands of requests rotating over Apache mpm-itk vhosts,
//     through sliceproxy's sliced pool, its plain pool and nginx's plain pool.
//   - pool_test.go: the keepalive pool's rules, counted by a recording
//     upstream that sees every connection and the Host values it carried.
//   - process_test.go: the command line and signals (-t, pid file, HUP, QUIT,
//     USR1, access_log).
//
// TestMain builds the binary once per run. Until the CLI can serve, the
// tests fall back to re-executing the test binary as a serving process that
// calls proxy.Run (the function the CLI wraps) and say so in the log.
// Tests that need nginx or Apache skip with a message when they are absent.
// -short trims the mpm-itk run to a few hundred requests.
package e2e
