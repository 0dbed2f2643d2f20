package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sliceproxy/internal/testenv"
)

// diffSuite is one configuration run by nginx and by sliceproxy, and the
// requests both must answer the same way.
type diffSuite struct {
	// blocked, when set, is a known bug that keeps sliceproxy from
	// starting on this configuration: the suite is skipped with the error
	// while it fails to start.
	blocked string
	// http is the http{} body; {{PORT}} is the server's own port, {{PORT2}}
	// a second port for it, {{DIR}} its prefix, {{BACKEND}} the address of
	// its echo backend.
	http  string
	files map[string]string
	cases []diffCase
}

// diffCase is one exchange on a fresh client connection.
type diffCase struct {
	name string
	// req is sent as it is ({{BACKEND}} replaced).
	req string
	// body, when set, is sent after one interim response has been read
	// (Expect: 100-continue).
	body string
	// port2 sends the request to {{PORT2}} instead of {{PORT}}.
	port2 bool
	// tls speaks TLS to the server with this SNI name ("-" for TLS without
	// SNI); the certificate's common name becomes part of the answer.
	tls string
	// head: the last request is HEAD, so its response has no body.
	head bool
	// responses to read; default 1.
	responses int
	// state also compares whether the server closed the connection.
	state bool
	// headers to compare besides compareHeaders.
	headers []string
	// deviation, when set, says why sliceproxy deliberately answers
	// differently from nginx 1.22; then only wantStatus is asserted for
	// sliceproxy (0: no response at all).
	deviation  string
	wantStatus int
	// broken: the exact answer depends on timing (whether a proxy flushed
	// the head before it met the fault); both sides must only leave the
	// client with an incomplete answer (no response, or a cut body).
	broken bool
	// check, when set, runs after the exchange with sliceproxy's backend
	// (what reached the upstream), also for deviations.
	check func(t *testing.T, upstream *backend)
	// rejected: sliceproxy must not forward anything of this request.
	rejected bool
	// blocked, when set, names a known sliceproxy bug this case shows
	// ("owner: what is wrong"): while the answers still differ the case is
	// skipped with the observed difference; once they match it passes and
	// logs that the mark can go.
	blocked string
	// stateWait is how long to wait for the connection state; 500 ms when 0.
	stateWait time.Duration
}

// compareHeaders are compared in every response, all their values in order.
var compareHeaders = []string{
	"Content-Type", "Content-Length", "Transfer-Encoding", "Connection", "Location",
	"Server", "X-Secret", "X-Powered-By", "Set-Cookie", "Cache-Control",
	"Last-Modified", "ETag", "Accept-Ranges", "Content-Range", "Keep-Alive",
}

// fixedMtime is given to every static file on both sides, so Last-Modified
// and ETag are the same.
var fixedMtime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// diffSide is one server under test with its own echo backend.
type diffSide struct {
	name    string
	addr    string
	addr2   string // {{PORT2}}
	dir     string
	backend *backend
}

// normalize replaces what legitimately differs between the two sides (ports,
// directories, backend address) by placeholders.
func (s diffSide) normalize(text string) string {
	var pairs []string
	add := func(from, to string) {
		if from != "" {
			pairs = append(pairs, from, to)
		}
	}
	add(s.backend.Addr, "BACKEND")
	if _, port, ok := strings.Cut(s.addr, ":"); ok {
		add(":"+port, ":PORT")
	}
	if _, port2, ok := strings.Cut(s.addr2, ":"); ok {
		add(":"+port2, ":PORT2")
	}
	add(s.dir, "DIR")
	return strings.NewReplacer(pairs...).Replace(text)
}

// runDiffSuite starts nginx and sliceproxy on the suite's configuration and
// runs every case as a subtest.
func runDiffSuite(t *testing.T, suite diffSuite) {
	t.Helper()
	testenv.LookBinary(t, "nginx", "nginx")
	needBinary(t)
	ngxBackend := startBackend(t, nil)
	spBackend := startBackend(t, nil)
	ngxPort2, spPort2 := testenv.FreePort(t), testenv.FreePort(t)
	withBackend := func(b *backend, port2 int) testenv.NginxConfig {
		expand := strings.NewReplacer("{{BACKEND}}", b.Addr, "{{PORT2}}", fmt.Sprint(port2)).Replace
		files := map[string]string{}
		for k, v := range suite.files {
			files[k] = expand(v)
		}
		return testenv.NginxConfig{HTTP: expand(suite.http), Files: files}
	}
	ngx := testenv.StartNginx(t, withBackend(ngxBackend, ngxPort2))
	sp, err := trySliceproxy(t, renderConfig(t, withBackend(spBackend, spPort2)))
	if err != nil {
		if suite.blocked != "" {
			t.Skipf("blocked on %s: sliceproxy does not start: %v", suite.blocked, err)
		}
		t.Fatal(err)
	}
	if suite.blocked != "" {
		t.Logf("suite marked blocked on %q but sliceproxy starts now: remove the mark", suite.blocked)
	}
	for name := range suite.files {
		for _, dir := range []string{ngx.Dir, sp.Dir} {
			if err := os.Chtimes(filepath.Join(dir, name), fixedMtime, fixedMtime); err != nil {
				t.Fatal(err)
			}
		}
	}
	sides := [2]diffSide{
		{name: "nginx", addr: ngx.Addr, addr2: fmt.Sprintf("127.0.0.1:%d", ngxPort2), dir: ngx.Dir, backend: ngxBackend},
		{name: "sliceproxy", addr: sp.Addr, addr2: fmt.Sprintf("127.0.0.1:%d", spPort2), dir: sp.Dir, backend: spBackend},
	}
	runDiffCases(t, sides, sp, suite.cases)
}

// runDiffCases runs every case against both running sides as a subtest;
// sp is sliceproxy's process (sides[1]), watched for an early exit.
func runDiffCases(t *testing.T, sides [2]diffSide, sp *spProc, cases []diffCase) {
	t.Helper()
	spBackend := sides[1].backend
	for _, c := range cases {
		if sp.Exited() {
			t.Fatalf("sliceproxy exited before case %q: %v\noutput (tail):\n%s", c.name, sp.err, tailLines(sp.Output(), 40))
		}
		t.Run(c.name, func(t *testing.T) {
			before := len(spBackend.Requests())
			var got [2]exchange
			var wg sync.WaitGroup
			for i, side := range sides {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i] = runExchange(side, c)
				}()
			}
			wg.Wait()
			ngxText, spText := got[0].render(sides[0], c), got[1].render(sides[1], c)
			if c.rejected {
				if after := spBackend.Requests(); len(after) != before {
					t.Errorf("sliceproxy forwarded a request it must reject: backend saw %q", after[before].Method+" "+after[before].URI)
				}
			}
			if c.check != nil {
				c.check(t, spBackend)
			}
			if c.broken {
				for i, ex := range got {
					if ex.err == nil {
						t.Errorf("%s gave a complete answer to a broken upstream response:\n%s", sides[i].name, ex.render(sides[i], c))
					}
				}
				return
			}
			if c.deviation != "" {
				status := 0
				if len(got[1].responses) > 0 {
					status = got[1].responses[0].Status
				}
				if status != c.wantStatus {
					t.Errorf("deliberate deviation (%s): want sliceproxy status %d, got:\n%s", c.deviation, c.wantStatus, spText)
				}
				t.Logf("deviation (%s): nginx answers\n%s", c.deviation, ngxText)
				return
			}
			if ngxText != spText && c.blocked != "" {
				t.Skipf("blocked on %s\nrequest %q\nanswers differ (- nginx, + sliceproxy):\n%s", c.blocked, sides[0].normalize(expandReq(c.req, sides[0])), lineDiff(ngxText, spText))
			}
			if c.blocked != "" {
				t.Logf("case marked blocked on %q passes now: remove the mark", c.blocked)
			}
			if ngxText != spText {
				t.Errorf("request %q\nanswers differ (- nginx, + sliceproxy):\n%s", sides[0].normalize(expandReq(c.req, sides[0])), lineDiff(ngxText, spText))
			}
		})
	}
}

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// exchange is what one side answered.
type exchange struct {
	cert      string // the TLS certificate's common name
	responses []*rawResponse
	err       error
	state     string
}

func expandReq(req string, side diffSide) string {
	return strings.ReplaceAll(req, "{{BACKEND}}", side.backend.Addr)
}

// runExchange sends the case's bytes on a new connection and reads the
// answers.
func runExchange(side diffSide, c diffCase) exchange {
	var ex exchange
	addr := side.addr
	if c.port2 {
		addr = side.addr2
	}
	var rc *rawConn
	var err error
	if c.tls != "" {
		rc, ex.cert, err = dialTLS(addr, strings.TrimPrefix(c.tls, "-"))
	} else {
		rc, err = dialRaw(addr)
	}
	if err != nil {
		ex.err = err
		return ex
	}
	defer rc.Close()
	// Both servers answer in milliseconds; the longest wait a case needs is
	// a 1 s timeout of the server's.
	rc.timeout = 5 * time.Second
	// A server may answer and close while we are still writing a request
	// it rejected; the answer is what counts, so write errors are ignored.
	_ = rc.Write(expandReq(c.req, side))
	n := c.responses
	if n == 0 {
		n = 1
	}
	if c.body != "" {
		r, err := rc.ReadResponse(false)
		if err != nil {
			ex.err = err
			return ex
		}
		ex.responses = append(ex.responses, r)
		_ = rc.Write(c.body)
	}
	for i := 0; i < n; i++ {
		r, err := rc.ReadResponse(c.head && i == n-1)
		if r != nil {
			ex.responses = append(ex.responses, r)
		}
		if err != nil {
			ex.err = err
			return ex
		}
	}
	if c.state {
		wait := c.stateWait
		if wait == 0 {
			wait = 500 * time.Millisecond
		}
		ex.state = rc.connState(wait)
	}
	return ex
}

// render is the comparable text of an exchange.
func (ex exchange) render(side diffSide, c diffCase) string {
	var sb strings.Builder
	if ex.cert != "" {
		sb.WriteString("tls certificate: " + ex.cert + "\n")
	}
	for _, r := range ex.responses {
		sb.WriteString(r.StatusLine + "\n")
		for _, name := range append(append([]string(nil), compareHeaders...), c.headers...) {
			if v := r.Values(name); len(v) > 0 {
				fmt.Fprintf(&sb, "%s: %s\n", name, strings.Join(v, " | "))
			}
		}
		sb.WriteString("body:\n" + printable(r.Body) + "\n")
	}
	if ex.err != nil {
		sb.WriteString("error: " + ex.err.Error() + "\n")
	}
	if ex.state != "" {
		sb.WriteString("connection: " + ex.state + "\n")
	}
	return side.normalize(sb.String())
}

// printable shows text as it is and anything else quoted.
func printable(b []byte) string {
	for _, c := range b {
		if (c < 0x20 && c != '\n' && c != '\t') || c >= 0x7f {
			return strconv.Quote(string(b))
		}
	}
	return string(b)
}

// lineDiff is a unified-style diff of a and b by lines ("  " same, "- "
// only in a, "+ " only in b), from their longest common subsequence.
func lineDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	// lcs[i][j] is the LCS length of al[i:] and bl[j:].
	lcs := make([][]int, len(al)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(bl)+1)
	}
	for i := len(al) - 1; i >= 0; i-- {
		for j := len(bl) - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < len(al) || j < len(bl) {
		switch {
		case i < len(al) && j < len(bl) && al[i] == bl[j]:
			sb.WriteString("  " + al[i] + "\n")
			i, j = i+1, j+1
		case j == len(bl) || (i < len(al) && lcs[i+1][j] >= lcs[i][j+1]):
			sb.WriteString("- " + al[i] + "\n")
			i++
		default:
			sb.WriteString("+ " + bl[j] + "\n")
			j++
		}
	}
	return sb.String()
}

// get is a keep-alive GET for host and uri.
func get(host, uri string) string {
	return "GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n"
}

// getH is get with extra header lines ("Name: value").
func getH(host, uri string, headers ...string) string {
	h := ""
	for _, l := range headers {
		h += l + "\r\n"
	}
	return "GET " + uri + " HTTP/1.1\r\nHost: " + host + "\r\n" + h + "\r\n"
}
